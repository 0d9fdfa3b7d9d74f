"""Mental-health education indicators on the world (R3.1, R3.3): class hours every fortnight, pre-exam sessions
for graduating classes, key-time guidance — counted as of a fixed day of the autumn semester."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from org.models import SchoolClass
from schoolwork.programs.models import KeyTimeActivity, Lesson, LessonFocus
from supervision.indicators.compute.lessons import (
    class_hours,
    classes_behind,
    key_times_held,
    key_times_missed,
    pre_exam_sessions,
)
from supervision.indicators.models import DirtyNode
from supervision.indicators.tests.support import add_school, assert_queries_do_not_grow, period

NOW = timezone.now()
_n = itertools.count(1)


def _lesson(cls: SchoolClass, day: dt.date, focus: str = "") -> Lesson:
    sem = cls.school_year.semesters.get(term=1)
    return Lesson.objects.create(
        school=cls.school, semester=sem, school_class=cls, given_on=day, topic=f"主题{next(_n)}", focus=focus,
        recorded_at=NOW,
    )  # fmt: skip


@pytest.mark.django_db
def test_classes_with_a_class_hour_every_fortnight(world):
    """Four weeks into the autumn semester two fortnights are over. A1 and C1 had a lesson in each; A2 only in
    the first; B1 none. School A 1 of 2, B 0 of 1, C 1 of 1."""
    sem = period(world, "-S1")
    start = sem.starts_on
    on = start + dt.timedelta(days=28)
    for cls in (world.a1, world.c1):
        _lesson(cls, start + dt.timedelta(days=3))
        _lesson(cls, start + dt.timedelta(days=17))
    _lesson(world.a2, start + dt.timedelta(days=3))
    got = class_hours(sem, None, on=on)
    assert [got.get(s.pk) for s in (world.school_a, world.school_b, world.school_c)] == [
        (1, 2),
        (0, 1),
        (1, 1),
    ]
    assert classes_behind(world.school_a, sem, on=on) == [
        {"class": "五年级2班", "grade": 5, "rule": "fortnightly", "hours": 1, "fortnights_due": 2,
         "fortnights_covered": 1, "pre_exam": 0, "stress_relief": 0},
    ]  # fmt: skip


@pytest.mark.django_db
def test_graduating_classes_need_pre_exam_counseling_and_stress_relief(world):
    """C's 初三 class had both; A's (a nine-year school) only pre-exam counseling. They are not in the
    fortnightly count."""
    sem = period(world, "-S1")
    c9 = SchoolClass.objects.create(school=world.school_c, campus=world.campus_c, school_year=world.year, grade=9,
                                    name="初三1班")  # fmt: skip
    a9 = SchoolClass.objects.create(school=world.school_a, campus=world.campus_a_main, school_year=world.year,
                                    grade=9, name="九年级1班")  # fmt: skip
    day = sem.starts_on + dt.timedelta(days=20)
    _lesson(c9, day, LessonFocus.PRE_EXAM)
    _lesson(c9, day + dt.timedelta(days=1), LessonFocus.STRESS_RELIEF)
    _lesson(a9, day, LessonFocus.PRE_EXAM)
    got = pre_exam_sessions(sem, None, on=day + dt.timedelta(days=5))
    assert got == {world.school_c.pk: (1, 1), world.school_a.pk: (0, 1)}
    assert class_hours(sem, None, on=day)[world.school_c.pk] == (0, 1)  # C1 only


@pytest.mark.django_db
def test_a_semester_not_begun_counts_no_class_as_meeting_the_rule(world):
    sem = period(world, "-S1")
    assert class_hours(sem, None, on=sem.starts_on - dt.timedelta(days=1)) == {}
    assert pre_exam_sessions(sem, None, on=sem.starts_on - dt.timedelta(days=1)) == {}


@pytest.mark.django_db
def test_a_lesson_marks_its_school(world):
    DirtyNode.objects.all().delete()
    _lesson(world.b1, period(world, "-S1").starts_on)
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.school_b.pk}


def _key(school, grade: int, key: str, day: dt.date) -> KeyTimeActivity:
    sem = school.classes.first().school_year.semesters.get(term=1)
    return KeyTimeActivity.objects.create(
        school=school, semester=sem, grade=grade, key=key, held_on=day, topic="辅导", recorded_at=NOW
    )


@pytest.mark.django_db
def test_key_times_held_or_missed_by_the_first_of_december(world):
    """The autumn calendar puts the midterm in 9–13 November and the final in 11–15 January. On 1 December the
    guidance before and after the midterm is due for every grade taught, and the entry guidance for 初一 (C's
    grade 7). A held before-midterm and (early) before-final guidance for grade 5 but not after-midterm: 2 of 3.
    B held nothing: 0 of 2. C held all three: 3 of 3."""
    y = world.year.start_year
    sem = world.year.semesters.get(term=1)
    sem.calendar = [
        {"date": f"{y}-11-09", "until": f"{y}-11-13", "kind": "exam", "name": "期中"},
        {"date": f"{y + 1}-01-11", "until": f"{y + 1}-01-15", "kind": "exam", "name": "期末"},
    ]
    sem.save()
    on = dt.date(y, 12, 1)
    _key(world.school_a, 5, "before_midterm", dt.date(y, 11, 2))
    _key(world.school_a, 5, "before_final", dt.date(y, 11, 30))
    for key, day in (("entry", 3), ("before_midterm", 60), ("after_midterm", 75)):
        _key(world.school_c, 7, key, sem.starts_on + dt.timedelta(days=day))
    p = period(world, "-S1")
    got = key_times_held(p, None, on=on)
    assert [got.get(s.pk) for s in (world.school_a, world.school_b, world.school_c)] == [
        (2, 3),
        (0, 2),
        (3, 3),
    ]
    missed = key_times_missed(world.school_b, p, on=on)
    assert [(r["grade"], r["key"], r["due_on"]) for r in missed] == [
        (4, "before_midterm", dt.date(y, 11, 8)),
        (4, "after_midterm", dt.date(y, 11, 27)),
    ]


def _grow(school):
    cls = school.classes.first()
    _lesson(cls, cls.school_year.semesters.get(term=1).starts_on + dt.timedelta(days=2))
    _key(school, cls.grade, "before_midterm", cls.school_year.starts_on + dt.timedelta(days=40))


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["r3.1-class-hours", "r3.1-pre-exam", "r3.3-key-times"])
def test_lesson_figures_cost_the_same_queries_for_3_or_23_schools(world, code):
    add_school(world, grade=9)
    assert_queries_do_not_grow(code, period(world, "-S1"), world, _grow)
