"""Counseling-service indicators on the world (R4.2, R4.3): the district centre's service days covered by duty
shifts, 24-hour messages answered in time, schools whose counseling room, roster and appointments are in use."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from counseling.centre.models import DutyShift, Message
from counseling.rooms.models import Appointment, AppointmentStatus, CounselingRoom, RoomDutyShift
from supervision.indicators.compute.counsel import (
    counseling_room_details,
    service_days_covered,
    uncovered_days,
)
from supervision.indicators.models import DirtyNode
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored

TZ = ZoneInfo("Asia/Shanghai")
NOW = timezone.now()
_n = itertools.count(1)


def _at(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), TZ)


def _shift(world, district, day: dt.date, start: str, end: str) -> DutyShift:
    return DutyShift.objects.create(
        district=district, counselor=world.district_counselor, starts_at=_at(day, start), ends_at=_at(day, end),
        created_at=NOW,
    )  # fmt: skip


@pytest.mark.django_db
def test_service_days_are_covered_when_shifts_span_the_whole_window(world):
    """In the first week of September (Tuesday 1st to Monday 7th) Haidian's centre had someone on duty from
    16:00 to 22:00 every school day (two back-to-back shifts on the 7th) and 09:00–22:00 on Saturday, but only
    09:00–15:00 on Sunday: 6 of 7 days. Chaoyang scheduled nobody: 0 of 7."""
    y = world.year.start_year
    days = [dt.date(y, 9, d) for d in range(1, 8)]
    for d in days:
        if d.weekday() < 5 and d.day != 7:
            _shift(world, world.haidian, d, "16:00", "22:00")
    _shift(world, world.haidian, dt.date(y, 9, 7), "15:30", "19:00")
    _shift(world, world.haidian, dt.date(y, 9, 7), "19:00", "22:30")
    sat, sun = (d for d in days if d.weekday() >= 5)
    _shift(world, world.haidian, sat, "09:00", "22:00")
    _shift(world, world.haidian, sun, "09:00", "15:00")
    q1 = period(world, "-Q1")
    got = service_days_covered(q1, None, today=dt.date(y, 9, 8))
    assert got[world.haidian.pk] == (6, 7)
    assert got[world.chaoyang.pk] == (0, 7)
    assert [r["day"] for r in uncovered_days(world.haidian, q1, today=dt.date(y, 9, 8))] == [sun]


@pytest.mark.django_db
def test_a_shift_marks_its_district(world):
    DirtyNode.objects.all().delete()
    _shift(world, world.chaoyang, dt.date(world.year.start_year, 9, 2), "16:00", "22:00")
    assert set(DirtyNode.objects.values_list("node_id", flat=True)) == {world.chaoyang.pk}


def _message(district, *, hours_ago: float, due_in: float, replied_after: float | None) -> Message:
    sent = NOW - dt.timedelta(hours=hours_ago)
    return Message.objects.create(
        district=district, anonymous=True, body="想找人聊聊", submit_key=f"m{next(_n)}", created_at=sent,
        reply_due=sent + dt.timedelta(hours=due_in),
        first_reply_at=None if replied_after is None else sent + dt.timedelta(hours=replied_after),
        status="waiting" if replied_after is None else "answered",
    )  # fmt: skip


@pytest.mark.django_db
def test_messages_answered_by_their_deadline(world):
    """Haidian received four messages 40 hours ago: one answered in 2 of its 12 hours, one answered after 20,
    one still unanswered, and one whose district allows 100 hours (not due yet): 1 of 3. Chaoyang received
    none."""
    _message(world.haidian, hours_ago=40, due_in=12, replied_after=2)
    _message(world.haidian, hours_ago=40, due_in=12, replied_after=20)
    _message(world.haidian, hours_ago=40, due_in=12, replied_after=None)
    _message(world.haidian, hours_ago=40, due_in=100, replied_after=None)
    sent = timezone.localtime(NOW - dt.timedelta(hours=40)).date()
    quarters = [period(world, f"-Q{i}") for i in range(1, 5)]
    q = next(p for p in quarters if p.starts_on <= sent <= p.ends_on)
    assert figures("r4.2-messages-answered", q, world.haidian, world.chaoyang) == [(1, 3), (0, 0)]
    run_full([q], ["r4.2-messages-answered"])
    assert stored("r4.2-messages-answered", world.city, q) == (1, 3)


def _room(world, school, campus) -> CounselingRoom:
    room = CounselingRoom.objects.create(school=school, campus=campus, name="心理辅导室")
    RoomDutyShift.objects.create(
        room=room, counselor=world.psych, weekday=1, starts=dt.time(12), ends=dt.time(13),
        valid_from=world.year.starts_on,
    )  # fmt: skip
    return room


def _appointment(world, room, student, when: dt.datetime, status=AppointmentStatus.CONFIRMED) -> Appointment:
    return Appointment.objects.create(
        student=student, room=room, counselor=world.psych, starts_at=when, ends_at=when + dt.timedelta(minutes=40),
        status=status, requested_by=world.psych, created_at=NOW,
    )  # fmt: skip


@pytest.mark.django_db
def test_schools_with_a_room_a_roster_and_appointments_in_use(world):
    """School A has a room, a weekly duty shift and a confirmed appointment this semester; school B has a room
    and a roster but its only appointment was declined; school C has no room."""
    sem = period(world, "-S1")
    when = _at(sem.starts_on + dt.timedelta(days=10), "12:00")
    _appointment(world, _room(world, world.school_a, world.campus_a_main), world.student_a1, when)
    room_b = _room(world, world.school_b, world.campus_b)
    _appointment(world, room_b, world.student_b1, when, AppointmentStatus.DECLINED)
    assert figures("r4.3-counseling-room", sem, world.school_a, world.school_b, world.school_c) == [
        (1, 1), (0, 1), (0, 1)
    ]  # fmt: skip
    assert counseling_room_details(world.school_b, sem) == [
        {"room": True, "duty_roster": True, "appointments": False}
    ]
    run_full([sem], ["r4.3-counseling-room"])
    assert stored("r4.3-counseling-room", world.haidian, sem) == (1, 2)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["r4.2-service-days", "r4.2-messages-answered", "r4.3-counseling-room"])
def test_counseling_figures_cost_the_same_queries_for_3_or_23_schools(world, code):
    sem = period(world, "-S1")
    when = _at(sem.starts_on + dt.timedelta(days=10), "12:00")

    def grow(school):
        campus = school.children.get()
        student = school.enrollments.first().student
        _appointment(world, _room(world, school, campus), student, when)
        _message(school.district, hours_ago=20, due_in=12, replied_after=3)

    p = period(world, "-Q1") if code.startswith("r4.2") else sem
    assert_queries_do_not_grow(code, p, world, grow)
