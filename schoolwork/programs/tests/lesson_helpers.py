"""Shared set-up of the lessons tests: the world's autumn semester and a frozen 'now' inside it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from org.models import Semester

TZ = ZoneInfo("Asia/Shanghai")


def autumn(world) -> Semester:
    return Semester.objects.get(school_year=world.year, term=1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TZ)
