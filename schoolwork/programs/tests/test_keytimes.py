"""Key times (R3.3): due per grade from the semester calendar, recorded once, reminded once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from care.models import Notification
from org.models import Post, Semester
from schoolwork.programs import selectors
from schoolwork.programs.models import KeyTimeActivity
from schoolwork.programs.semesters import exams, key_times
from schoolwork.programs.services import ProgramError, record_key_time, send_key_time_reminders
from schoolwork.programs.tests.lesson_helpers import at, autumn

pytestmark = pytest.mark.django_db


def _with_exams(sem: Semester) -> Semester:
    mid = sem.starts_on + dt.timedelta(weeks=9)
    sem.calendar = [
        {"date": mid.isoformat(), "until": (mid + dt.timedelta(days=4)).isoformat(), "kind": "exam", "name": "期中考试"},
        {"date": (sem.ends_on - dt.timedelta(days=4)).isoformat(), "until": sem.ends_on.isoformat(), "kind": "exam",
         "name": "期末考试"},
    ]  # fmt: skip
    sem.save()
    return sem


def test_the_key_times_come_from_the_semester_calendar(world):
    sem = _with_exams(autumn(world))
    (mid_start, _mid_end), _final = exams(sem)
    due = {(d.grade, d.key): d for d in key_times(sem, [5, 7])}
    assert (7, "entry") in due and (5, "entry") not in due  # entry: grades 1, 7 and 10 in the autumn
    assert due[(5, "before_midterm")].due_on == mid_start - dt.timedelta(days=1)
    assert {k for g, k in due if g == 5} == {"before_midterm", "after_midterm", "before_final", "after_final"}


def test_graduation_is_due_for_graduating_grades_in_the_spring(world):
    spring = Semester.objects.get(school_year=world.year, term=2)
    keys = {(d.grade, d.key) for d in key_times(spring, [5, 6, 9])}
    assert {(6, "graduation"), (9, "graduation")} <= keys and (5, "graduation") not in keys


def test_a_key_time_is_recorded_once(world):
    sem = autumn(world)
    for _ in range(2):
        record_key_time(by=world.psych, school_id=world.school_a.pk, semester=sem, grade=5,
                        key="before_midterm", held_on=sem.starts_on, topic="考前放松")  # fmt: skip
    row = next(r for r in selectors.key_time_status([world.school_a], sem) if r.due.key == "before_midterm")
    assert row.activity is not None and KeyTimeActivity.objects.count() == 1


def test_a_key_time_not_due_for_the_grade_or_dated_outside_the_semester_is_refused(world, login):
    sem = autumn(world)
    client = login(world.psych)
    url = f"{reverse('schoolwork:keytimes')}?semester={sem.pk}"
    base = {"school": world.school_a.pk, "grade": 5, "topic": "入学适应"}
    r1 = client.post(url, {**base, "key": "entry", "held_on": sem.starts_on.isoformat()})
    r2 = client.post(
        url, {**base, "key": "after_final", "held_on": (sem.ends_on + dt.timedelta(days=2)).isoformat()}
    )
    assert (r1.status_code, r2.status_code) == (400, 400)
    assert not KeyTimeActivity.objects.exists()


def test_a_teacher_of_another_school_cannot_record_for_school_a(world):
    with pytest.raises(ProgramError):
        record_key_time(by=world.psych, school_id=world.school_b.pk, semester=autumn(world), grade=4,
                        key="before_final", held_on=autumn(world).starts_on, topic="x")  # fmt: skip


def test_the_psych_teachers_and_leader_are_reminded_once_of_a_key_time_opening(world):
    sem = _with_exams(autumn(world))
    (mid_start, _), _ = exams(sem)
    now = at(mid_start - dt.timedelta(days=14))
    Post.objects.update(valid_from=sem.starts_on)  # the posts were in force then
    assert send_key_time_reminders(now=now) == 3  # psych, psych_east, leader of school A (grade 5)
    assert send_key_time_reminders(now=now) == 0
    reminded = set(
        Notification.objects.filter(kind="schoolwork.keytime").values_list("user__username", flat=True)
    )
    assert reminded == {"psych", "psych_east", "leader"}


def test_a_recorded_key_time_is_not_reminded(world):
    sem = _with_exams(autumn(world))
    (mid_start, _), _ = exams(sem)
    record_key_time(by=world.psych, school_id=world.school_a.pk, semester=sem, grade=5, key="before_midterm",
                    held_on=mid_start - dt.timedelta(days=3), topic="考前放松")  # fmt: skip
    assert send_key_time_reminders(now=at(mid_start - dt.timedelta(days=10))) == 0


def test_the_command_runs(world, capsys):
    call_command("remind_key_times")
    assert "key-time reminder" in capsys.readouterr().out


def test_the_key_times_page_lists_the_grades_due(world, login, django_assert_max_num_queries):
    client = login(world.leader)
    url = reverse("schoolwork:keytimes")
    client.get(url)
    with django_assert_max_num_queries(10):
        r = client.get(url)
    assert {row.due.grade for row, _state in r.context["rows"]} == {5}
