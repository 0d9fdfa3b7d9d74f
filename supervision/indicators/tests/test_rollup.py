"""The rollup engine: figures per school summed up the tree, recomputed incrementally after a change, in a
number of queries that does not grow with the number of schools."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from org.models import Node, NodeKind, Post, Role, User
from supervision.indicators.models import DirtyNode, RollupValue
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full, run_incremental


def _semester(world):
    return next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))


def _value(code: str, node: Node, period) -> tuple[int, int]:
    v = RollupValue.objects.get(indicator=code, node=node, period=period)
    return v.numerator, v.denominator


@pytest.mark.django_db
def test_school_figures_are_summed_up_to_district_and_city(world):
    sem = _semester(world)
    run_full([sem])
    # School A has a full-time psychological teacher; B and C have none.
    assert _value("r1.1-psych-teacher", world.school_a, sem) == (1, 1)
    assert _value("r1.1-psych-teacher", world.school_b, sem) == (0, 1)
    assert _value("r1.1-psych-teacher", world.haidian, sem) == (1, 2)
    assert _value("r1.1-psych-teacher", world.chaoyang, sem) == (0, 1)
    assert _value("r1.1-psych-teacher", world.city, sem) == (1, 3)


@pytest.mark.django_db
def test_a_multi_campus_school_needs_a_teacher_named_on_each_campus(world):
    """R1.2: school A's teacher posted at the school itself does not cover its main campus; the east campus
    has its own."""
    sem = _semester(world)
    run_full([sem])
    assert _value("r1.2-campus-psych", world.school_a, sem) == (1, 2)
    assert _value("r1.2-campus-psych", world.city, sem) == (1, 4)


@pytest.mark.django_db
def test_a_new_post_marks_its_school_and_the_incremental_run_updates_the_tree(world):
    sem = _semester(world)
    run_full([sem])
    DirtyNode.objects.all().delete()
    teacher = User.objects.create(username="new-psych", display_name="新心理老师")
    Post.objects.create(user=teacher, role=Role.PSYCH_TEACHER, node=world.school_b, full_time=True)
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_b.pk}

    run = run_incremental([sem])

    assert run is not None and run.nodes == 1
    assert _value("r1.1-psych-teacher", world.school_b, sem) == (1, 1)
    assert _value("r1.1-psych-teacher", world.haidian, sem) == (2, 2)
    assert _value("r1.1-psych-teacher", world.city, sem) == (2, 3)
    assert not DirtyNode.objects.exists()
    assert run_incremental([sem]) is None  # nothing left to do


def _full_rollup_queries(sem) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run_full([sem])
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_full_rollup_costs_the_same_queries_for_3_or_23_schools(world):
    sem = _semester(world)
    few = _full_rollup_queries(sem)
    for i in range(20):
        school = Node.objects.create(
            kind=NodeKind.SCHOOL, parent=world.haidian, name=f"学校{i}", code=f"X{i}", stage="primary"
        )
        Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"X{i}-1")
    assert _full_rollup_queries(sem) == few
    assert _value("r1.1-psych-teacher", world.city, sem) == (1, 23)
