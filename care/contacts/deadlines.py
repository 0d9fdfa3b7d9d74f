"""Deadlines of the care pathway after the case is open: contacting the guardians, and each step of a referral
(R12, R13). Settings with these defaults (overridable per district by division code, like alert deadlines):

    XINYU_GUARDIAN_CONTACT_DEADLINES = {"red": 0, "orange": 1, "yellow": 5}   # school days; 0 = the same day
    XINYU_GUARDIAN_CONTACT_DEADLINES_BY_DISTRICT = {"110108": {"orange": 0}}
    XINYU_REFERRAL_STEP_DAYS = {"proposed": 5, "consented": 2, "sent": 14, "appointment": 1, "seen": 14,
                                "feedback": 10}                             # calendar days in each step

"Contact the parents promptly" (及时联系家长): red the same calendar day the case opened (by midnight, Asia/
Shanghai); orange and yellow in school time (care/alerts/deadlines.py: school hours of the school days of org.calendar), so
an orange case opened on Friday afternoon is due on Monday afternoon. The deadline runs from the case's
opening and its current level. Referral steps count calendar days (the institution's time is not the school's);
the "appointment" step counts from the appointment itself.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from care.alerts.deadlines import SchoolCalendar, _tz, add_school_minutes, school_day_hours
from care.alerts.levels import RiskLevel
from org.models import Node

DEFAULT_CONTACT_DEADLINES: dict[str, int] = {RiskLevel.RED: 0, RiskLevel.ORANGE: 1, RiskLevel.YELLOW: 5}


def contact_school_days(level: str, district: Node | str | None = None) -> int | None:
    """School days allowed to reach the guardians of a case at ``level`` in ``district`` (a node or its division
    code); ``None``: no deadline."""
    code = district.code if isinstance(district, Node) else district
    days = _contact_table(code).get(level)
    return None if days is None else int(days)


def _contact_table(code: str | None) -> dict[str, int]:
    table = {**DEFAULT_CONTACT_DEADLINES, **getattr(settings, "XINYU_GUARDIAN_CONTACT_DEADLINES", {})}
    if code:
        table.update(getattr(settings, "XINYU_GUARDIAN_CONTACT_DEADLINES_BY_DISTRICT", {}).get(code, {}))
    return table


def school_day_minutes() -> int:
    opens, closes = school_day_hours()
    return (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)


def contact_deadline(
    level: str,
    opened_at: dt.datetime,
    district: Node | str | None = None,
    calendar: SchoolCalendar | None = None,
) -> dt.datetime | None:
    """When the guardians of a case at ``level`` opened at ``opened_at`` must have been reached."""
    days = contact_school_days(level, district)
    if days is None:
        return None
    if days == 0:  # the same day: by midnight, local time
        local = opened_at.astimezone(_tz())
        return dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0, 0), _tz())
    node = district if isinstance(district, Node) else None
    return add_school_minutes(opened_at, days * school_day_minutes(), calendar, node=node)
