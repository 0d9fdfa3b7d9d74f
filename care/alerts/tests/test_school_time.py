"""School hours (DESIGN.md: orange alerts within 2 school hours): weekdays 08:00–17:30, holidays skipped."""

from __future__ import annotations

import datetime as dt

import pytest

from care.alerts.deadlines import SchoolCalendar, add_school_minutes, deadline
from care.conftest import SH
from org.models import Semester


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(10, 10), at(10, 12)),  # Tuesday morning: two hours later
        (at(10, 16), at(11, 8, 30)),  # 1.5 h today, 0.5 h tomorrow
        (at(10, 6), at(10, 10)),  # before school: counted from 08:00
        (at(10, 20), at(11, 10)),  # after school: from the next morning
        (at(13, 17), at(16, 9, 30)),  # Friday 17:00: Monday 09:30
        (at(14, 11), at(16, 10)),  # Saturday: Monday
    ],
)
def test_two_school_hours_skip_nights_and_weekends(db, start, expected):
    assert add_school_minutes(start, 120) == expected


def test_holidays_in_the_semester_calendar_are_not_school_time(world):
    sem = Semester.objects.filter(school_year=world.year).order_by("starts_on").last()
    sem.starts_on, sem.ends_on = dt.date(2026, 2, 20), dt.date(2026, 7, 10)
    sem.calendar = [{"date": "2026-04-06", "until": "2026-04-07", "kind": "holiday", "name": "清明节"}]
    sem.save()
    friday = dt.datetime(2026, 4, 3, 17, 0, tzinfo=SH)
    assert add_school_minutes(friday, 120, SchoolCalendar(friday.date())) == at(8, 9, 30, month=4)


def test_a_red_deadline_is_wall_clock_day_and_night(db):
    assert deadline("red", at(14, 23, 50)) == at(15, 0, 5)
    assert deadline("yellow", at(10, 10)) is None
