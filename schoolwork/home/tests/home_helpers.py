"""Helpers of the home–school tests: a school day in the world's calendar and a clock on it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

SH = ZoneInfo("Asia/Shanghai")


def school_day(world) -> dt.date:
    """Today if it falls in a semester of the world's year, else the last semester day before today."""
    today = timezone.localdate()
    days = [min(today, s.ends_on) for s in world.year.semesters.all() if s.starts_on <= today]
    return max(days) if days else world.year.semesters.order_by("starts_on").first().starts_on


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=SH)
