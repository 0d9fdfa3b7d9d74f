"""Whole-staff indicators on the world: staff trained this semester (R2.2) and abnormality reports triaged in
time (R2.3)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from care.models import AbnormalityReport
from org.models import Node, Post, Role, User
from schoolwork.programs.models import Training, TrainingAttendance, TrainingKind
from supervision.indicators.compute.training import untrained_staff_details
from supervision.indicators.models import DirtyNode
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored

TRAINED = "r2.2-staff-trained"
TRIAGED = "r2.3-reports-triaged"
NOW = timezone.now()
_keys = itertools.count(1)


def _training(world, organiser: Node, kind=TrainingKind.TRAINING, topic="识别学生心理危机") -> Training:
    sem = period(world, "-S1").semester
    return Training.objects.create(
        organiser=organiser, semester=sem, kind=kind, held_on=sem.starts_on + dt.timedelta(days=7), topic=topic,
        created_at=NOW,
    )  # fmt: skip


def _attend(t: Training, user: User, school: Node) -> TrainingAttendance:
    return TrainingAttendance.objects.create(training=t, user=user, school=school, method="qr", signed_at=NOW)


@pytest.mark.django_db
def test_staff_trained_this_semester(world):
    """School A has 6 staff (two psychological teachers, two class teachers, a teacher, the leader); 3 came to
    its training. School B's only teacher came to Haidian's district training. School C has no staff post, and
    a teaching-research activity (教研) is not a training."""
    t = _training(world, world.school_a)
    for u in (world.teacher, world.psych, world.class_teacher):
        _attend(t, u, world.school_a)
    _attend(_training(world, world.haidian, topic="区级培训"), world.other_school_teacher, world.school_b)
    research = _training(world, world.school_a, kind=TrainingKind.RESEARCH, topic="教研")
    _attend(research, world.leader, world.school_a)
    sem = period(world, "-S1")
    assert figures(TRAINED, sem, world.school_a, world.school_b, world.school_c) == [(3, 6), (1, 1), (0, 0)]
    run_full([sem], [TRAINED])
    assert stored(TRAINED, world.haidian, sem) == (4, 7)
    assert stored(TRAINED, world.city, sem) == (4, 7)
    assert untrained_staff_details(world.school_a, sem) == [
        {"group": "all_staff", "staff": 6, "trained": 3},
        {"group": "class_teachers", "staff": 2, "trained": 0},
    ]
    # The spring semester has had no training yet.
    assert figures(TRAINED, period(world, "-S2"), world.school_a)[0][0] == 0


@pytest.mark.django_db
def test_signing_in_marks_the_school(world):
    t = _training(world, world.haidian)
    DirtyNode.objects.all().delete()
    _attend(t, world.other_school_teacher, world.school_b)
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_b.pk}


def _report(world, student, school, *, hours_ago: float, deadline_in: float, triaged_after: float | None):
    reported = NOW - dt.timedelta(hours=hours_ago)
    return AbnormalityReport.objects.create(
        student=student, school=school, reporter=world.teacher, key=f"k{next(_keys)}", category="emotion",
        observed="情绪低落", urgency="high", reported_at=reported,
        triage_deadline=reported + dt.timedelta(hours=deadline_in),
        triaged_at=None if triaged_after is None else reported + dt.timedelta(hours=triaged_after),
        outcome="" if triaged_after is None else "watch",
    )  # fmt: skip


@pytest.mark.django_db
def test_reports_triaged_in_time(world):
    """School A: one report triaged in time, one untriaged past its deadline, one just filed (not due yet):
    1 of 2. School B: one triaged after its deadline: 0 of 1. Haidian 1 of 3."""
    _report(world, world.student_a1, world.school_a, hours_ago=48, deadline_in=24, triaged_after=12)
    _report(world, world.student_a1b, world.school_a, hours_ago=72, deadline_in=24, triaged_after=None)
    _report(world, world.student_a2, world.school_a, hours_ago=1, deadline_in=24, triaged_after=None)
    _report(world, world.student_b1, world.school_b, hours_ago=72, deadline_in=8, triaged_after=30)
    sem = period(world, "-S1")
    assert figures(TRIAGED, sem, world.school_a, world.school_b, world.school_c) == [(1, 2), (0, 1), (0, 0)]
    run_full([sem], [TRIAGED])
    assert stored(TRIAGED, world.haidian, sem) == (1, 3)
    # Nothing was reported in the spring semester.
    assert figures(TRIAGED, period(world, "-S2"), world.school_a) == [(0, 0)]


@pytest.mark.django_db
def test_training_figures_cost_the_same_queries_for_3_or_23_schools(world):
    t = _training(world, world.haidian)

    def grow(school):
        u = User.objects.create(username=f"t-{school.pk}", display_name="老师")
        Post.objects.create(user=u, role=Role.TEACHER, node=school)
        _attend(t, u, school)

    assert_queries_do_not_grow(TRAINED, period(world, "-S1"), world, grow)


@pytest.mark.django_db
def test_triage_figures_cost_the_same_queries_for_3_or_23_schools(world):
    def grow(school):
        s = Node.objects.get(pk=school.pk)
        student = s.enrollments.first().student
        _report(world, student, s, hours_ago=30, deadline_in=24, triaged_after=2)

    assert_queries_do_not_grow(TRIAGED, period(world, "-S1"), world, grow)
