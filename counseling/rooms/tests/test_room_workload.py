"""Workload (工作量, R1.3): per psychological teacher by month or semester; other apps contribute figures through
care.workload.registry (lessons from schoolwork)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from care.workload import registry
from counseling.rooms import workload
from counseling.rooms.models import CounselingSession, RoomDutyShift
from counseling.rooms.tests.room_helpers import make_room

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _session(world, day, minutes, kind="individual", student=True):
    return CounselingSession.objects.create(
        school=world.school_a, student=world.student_a1 if student else None, counselor=world.psych,
        started_at=_at(day), duration_minutes=minutes, kind=kind, topics=["study"], risk_level="none",
        next_step="none", created_at=timezone.now(),
    )  # fmt: skip


def test_a_month_counts_sessions_hours_group_sessions_and_duty_hours(world):
    room = make_room(world.campus_a_main)
    # Mondays 12:00–14:00 from 2026-03-01; March 2026 has five Mondays (2, 9, 16, 23, 30).
    RoomDutyShift.objects.create(
        room=room, counselor=world.psych, weekday=0, starts=dt.time(12), ends=dt.time(14),
        valid_from=dt.date(2026, 3, 1),
    )  # fmt: skip
    _session(world, dt.date(2026, 3, 3), 40)
    _session(world, dt.date(2026, 3, 31), 50)
    _session(world, dt.date(2026, 3, 10), 90, kind="group", student=False)
    _session(world, dt.date(2026, 4, 1), 40)  # next month
    period = workload.period_from("2026-03")
    figures = registry.workload([world.psych.pk], period.start, period.end)[world.psych.pk]
    assert figures == {"sessions": 2, "group_sessions": 1, "session_hours": 3.0, "duty_hours": 10.0}


def test_lessons_from_another_app_join_the_table_through_the_registry(world):
    def lessons(user_ids, start, end):
        return {uid: {"lessons": 7} for uid in user_ids}

    registry.register_workload_source(lessons, labels={"lessons": "Lessons taught"})
    try:
        table = workload.table(world.leader, workload.period_from("2026-03"))
        keys = [k for k, _label in table.columns]
        row = dict(zip(keys, dict((u.username, v) for u, v in table.rows)["psych"], strict=True))
        assert row["lessons"] == 7
    finally:
        registry.unregister_workload_source(lessons, labels=["lessons"])


def test_a_leader_sees_the_schools_psychological_teachers_and_a_teacher_only_themself(world):
    march = workload.period_from("2026-03")
    assert {u.username for u, _ in workload.table(world.leader, march).rows} == {"psych", "psych_east"}
    assert [
        u.username for u, _ in workload.table(world.psych_east, workload.period_from("2026-03")).rows
    ] == ["psych_east"]
    assert [
        u.username
        for u, _ in workload.table(world.other_district_officer, workload.period_from("2026-03")).rows
    ] == []


def test_the_export_is_an_excel_file_of_the_same_figures(world, login, django_assert_max_num_queries):
    _session(world, dt.date(2026, 3, 3), 60)
    client = login(world.leader)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("counseling:room_workload_export"), {"month": "2026-03"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    keys = list(registry.labels())  # the columns after the teacher's name, in this order
    assert len(rows[1]) == 1 + len(keys)
    psych = dict(zip(keys, next(r for r in rows[2:] if r[0] == str(world.psych))[1:], strict=True))
    assert psych["sessions"] == 1 and psych["session_hours"] == 1 and psych["group_sessions"] == 0


def test_a_semester_period_runs_from_its_first_to_its_last_day(world):
    semester = world.year.semesters.get(term=1)
    period = workload.period_from(semester=str(semester.pk))
    assert (period.start, period.end) == (semester.starts_on, semester.ends_on)


def test_a_junk_period_is_not_found(world, login):
    assert login(world.leader).get(reverse("counseling:room_workload"), {"month": "march"}).status_code == 404
