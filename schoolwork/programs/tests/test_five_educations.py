"""Five educations (R6–R8): a class's week of physical activity in one entry, activities for the whole class at
once, counts per class."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from access.models import AuditEvent
from schoolwork.programs import selectors
from schoolwork.programs.models import ClassActivity, ClassDay
from schoolwork.programs.services import ProgramError, record_class_activity, record_class_week
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db


def _monday(sem):
    return sem.starts_on + dt.timedelta(days=(7 - sem.starts_on.weekday()) % 7 + 7)


def test_one_entry_records_every_school_day_of_the_week(world):
    sem = autumn(world)
    monday = _monday(sem)
    sem.calendar = [{"date": (monday + dt.timedelta(days=2)).isoformat(), "kind": "holiday", "name": "假"}]
    sem.save()
    n = record_class_week(by=world.class_teacher, school_class=world.a1, semester=sem, week_of=monday + dt.timedelta(days=3),
                          pe_in_school=60, pe_outside=70, outdoor_break=10)  # fmt: skip
    assert n == 4  # Monday–Friday less the holiday
    [row] = selectors.five_educations([world.a1], sem)
    assert (row.days, row.days_full, row.pe_out_avg) == (4, 4, 70)


def test_a_week_entered_again_is_overwritten_not_doubled(world):
    sem = autumn(world)
    for minutes in (30, 60):
        record_class_week(by=world.class_teacher, school_class=world.a1, semester=sem, week_of=_monday(sem),
                          pe_in_school=minutes, pe_outside=60, outdoor_break=10)  # fmt: skip
    [row] = selectors.five_educations([world.a1], sem)
    assert (row.days, row.days_full) == (5, 5)


def test_a_week_outside_the_semester_is_refused_and_nothing_changes(world, login):
    sem = autumn(world)
    r = login(world.class_teacher).post(
        f"{reverse('schoolwork:activities')}?semester={sem.pk}&class={world.a1.pk}",
        {"action": "week", "week_of": (sem.ends_on + dt.timedelta(days=10)).isoformat(), "pe_in_school": 60,
         "pe_outside": 60, "outdoor_break": 10},
    )  # fmt: skip
    assert r.status_code == 400
    assert not ClassDay.objects.exists()


def test_a_class_teacher_cannot_open_another_class(world, login):
    r = login(world.class_teacher).get(f"{reverse('schoolwork:activities')}?class={world.a2.pk}")
    assert r.status_code == 404


def test_an_arts_practice_for_the_whole_class_counts_each_student(world, login):
    sem = autumn(world)
    client = login(world.class_teacher)
    url = f"{reverse('schoolwork:activities')}?semester={sem.pk}&class={world.a1.pk}"
    page = client.get(url)
    assert AuditEvent.objects.filter(action="schoolwork.activities.view", actor=world.class_teacher).exists()
    ticked = [s.pk for s in page.context["students"]]
    body = {"action": "activity", "kind": "arts", "title": "合唱展演", "held_on": sem.starts_on.isoformat(),
            "level": "district", "students": ticked}  # fmt: skip
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).status_code == 302  # sent twice: one activity
    [row] = selectors.five_educations([world.a1], sem)
    assert (row.with_arts, row.students, ClassActivity.objects.count()) == (2, 2, 1)


def test_a_student_of_another_class_cannot_be_ticked(world):
    sem = autumn(world)
    with pytest.raises(ProgramError):
        record_class_activity(by=world.class_teacher, school_class=world.a1, semester=sem, kind="sport",
                              held_on=sem.starts_on, title="跳绳", student_ids=[world.student_a1.pk, world.student_a2.pk])  # fmt: skip
    assert not ClassActivity.objects.exists()


def test_sports_and_labour_are_counted(world):
    sem = autumn(world)
    record_class_activity(by=world.leader, school_class=world.a1, semester=sem, kind="sport", held_on=sem.starts_on,
                          title="跳绳", student_ids=[world.student_a1.pk])  # fmt: skip
    record_class_activity(by=world.leader, school_class=world.a1, semester=sem, kind="labour", held_on=sem.starts_on,
                          title="校园植树", student_ids=[world.student_a1.pk, world.student_a1b.pk])  # fmt: skip
    [row] = selectors.five_educations([world.a1], sem)
    assert (row.with_sport, row.labour) == (1, 1)


def test_the_class_list_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    from org.models import SchoolClass

    client = login(world.leader)
    url = reverse("schoolwork:activities")
    client.get(url)
    for i in range(8):
        SchoolClass.objects.create(school=world.school_a, campus=world.campus_a_main, school_year=world.year,
                                   grade=6, name=f"六年级{i}班")  # fmt: skip
    with django_assert_max_num_queries(12):
        r = client.get(url)
    assert len(r.context["rows"]) == 10


def test_the_class_record_counts_every_school_day_so_far_not_only_the_recorded_ones(world):
    """One week entered (4 school days: Wednesday is a holiday); three weeks after the Monday of the second week
    the semester has more school days behind it than were recorded — the row says how many were due."""
    sem = autumn(world)
    monday = _monday(sem)
    sem.calendar = [{"date": (monday + dt.timedelta(days=2)).isoformat(), "kind": "holiday", "name": "假"}]
    sem.save()
    record_class_week(by=world.class_teacher, school_class=world.a1, semester=sem, week_of=monday,
                      pe_in_school=60, pe_outside=70, outdoor_break=10)  # fmt: skip
    today = monday + dt.timedelta(days=7)  # the next Monday: everything before it is due
    weekdays = sum(
        1 for i in range((today - sem.starts_on).days) if (sem.starts_on + dt.timedelta(days=i)).weekday() < 5
    )
    [row] = selectors.five_educations([world.a1], sem, today=today)
    assert (row.days_full, row.days_due) == (4, weekdays - 1)  # the holiday is no school day
    assert row.days_due > row.days_full  # the first week was never recorded: missing, not ignored
