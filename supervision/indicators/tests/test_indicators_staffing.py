"""Staffing indicators beyond R1.1: more than one psychological teacher in large, group-run and multi-site
schools (R1.2), a full-time psychological research officer in every district (R1.4)."""

from __future__ import annotations

import pytest

from org.models import Node, NodeKind, Post, Role, SchoolStage, User
from supervision.indicators.compute.staffing import large_schools_details
from supervision.indicators.models import DirtyNode
from supervision.indicators.rollup import run_full, run_incremental
from supervision.indicators.tests.support import (
    add_school,
    assert_queries_do_not_grow,
    figures,
    period,
    stored,
)

LARGE = "r1.2-large-school-psych"
RESEARCHER = "r1.4-district-researcher"


def _psych(node: Node, username: str) -> Post:
    user = User.objects.create(username=username, display_name=username)
    return Post.objects.create(user=user, role=Role.PSYCH_TEACHER, node=node)


@pytest.mark.django_db
def test_the_multi_site_school_has_two_psychological_teachers_and_the_small_schools_are_not_counted(world):
    """School A runs on two sites and has two psychological teachers (one at the school, one at its east
    campus): met. Schools B and C are small, single-site and in no group: not in the denominator."""
    sem = period(world, "-S1")
    assert figures(LARGE, sem, world.school_a, world.school_b, world.school_c) == [(1, 1), (0, 0), (0, 0)]
    run_full([sem], [LARGE])
    assert stored(LARGE, world.haidian, sem) == (1, 1)
    assert stored(LARGE, world.chaoyang, sem) == (0, 0)
    assert stored(LARGE, world.city, sem) == (1, 1)


@pytest.mark.django_db
def test_a_school_of_500_students_or_in_a_group_needs_a_second_teacher(world):
    sem = period(world, "-S1")
    big = add_school(world, world.chaoyang, students=500)
    _psych(big, "big-psych")
    group = Node.objects.create(kind=NodeKind.GROUP, parent=world.haidian, name="实验教育集团", code="G-1")
    member = Node.objects.create(
        kind=NodeKind.SCHOOL, parent=group, name="集团成员校", code="G-1-S", stage=SchoolStage.PRIMARY
    )
    Node.objects.create(kind=NodeKind.CAMPUS, parent=member, name="本部", code="G-1-S-1")
    _psych(member, "member-psych")
    _psych(member, "member-psych-2")
    # The 500-student school has one teacher (not met); the group's school has two (met). A 499-student school
    # with one teacher is not counted at all.
    small = add_school(world, world.chaoyang, students=499)
    _psych(small, "small-psych")
    assert figures(LARGE, sem, big, member, small) == [(0, 1), (1, 1), (0, 0)]
    rows = large_schools_details(big, sem)
    assert rows == [{"place": big.name, "psych_teachers": 1, "must_add": True}]


@pytest.mark.django_db
def test_large_school_figures_cost_the_same_queries_for_3_or_23_schools(world):
    assert_queries_do_not_grow(LARGE, period(world, "-S1"), world)


@pytest.mark.django_db
def test_no_district_has_a_full_time_research_officer_until_haidian_makes_its_post_full_time(world):
    """Haidian's and Chaoyang's research officers are part-time: neither district meets R1.4. Making
    Haidian's post full-time marks Haidian for the incremental rollup, and the city then has 1 of 2."""
    sem = period(world, "-S1")
    assert figures(RESEARCHER, sem, world.haidian, world.chaoyang) == [(0, 1), (0, 1)]
    run_full([sem], [RESEARCHER])
    assert stored(RESEARCHER, world.city, sem) == (0, 2)
    DirtyNode.objects.all().delete()

    post = Post.objects.get(user=world.district_officer, role=Role.DISTRICT_OFFICER)
    post.full_time = True
    post.save()
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.haidian.pk}
    run_incremental([sem])

    assert stored(RESEARCHER, world.haidian, sem) == (1, 1)
    assert stored(RESEARCHER, world.chaoyang, sem) == (0, 1)
    assert stored(RESEARCHER, world.city, sem) == (1, 2)


@pytest.mark.django_db
def test_a_research_officer_who_left_before_the_semester_does_not_count(world):
    """Haidian's officer was full-time in the autumn and left on 31 January: the autumn semester counts,
    the spring one does not."""
    autumn, spring = period(world, "-S1"), period(world, "-S2")
    post = Post.objects.get(user=world.district_officer, role=Role.DISTRICT_OFFICER)
    post.full_time, post.valid_from = True, autumn.starts_on
    post.valid_to = spring.starts_on.replace(month=1, day=31)
    post.save()
    assert figures(RESEARCHER, autumn, world.haidian) == [(1, 1)]
    assert figures(RESEARCHER, spring, world.haidian) == [(0, 1)]


@pytest.mark.django_db
def test_district_researcher_figures_cost_the_same_queries_for_2_or_7_districts(world):
    assert_queries_do_not_grow(RESEARCHER, period(world, "-S1"), world)
