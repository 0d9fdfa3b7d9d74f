"""Acknowledgement deadlines of alerts, in wall-clock or school time (DESIGN.md, Risk levels).

Defaults (settings, overridable per district by its division code):

    XINYU_ALERT_DEADLINES = {
        "red": {"minutes": 15, "clock": "wall"},        # 15 min, day and night
        "orange": {"minutes": 120, "clock": "school"},  # 2 school hours
    }
    XINYU_ALERT_DEADLINES_BY_DISTRICT = {"110108": {"orange": {"minutes": 60, "clock": "school"}}}
    XINYU_SCHOOL_DAY = ("08:00", "17:30")               # Asia/Shanghai, Monday to Friday

Yellow raises no alert (it goes to the screening review queue), so it has no acknowledgement deadline here.
A per-district *settings* dict (not a model) was chosen: deadlines are a policy decision of the district's
commission, changed rarely and reviewed like code; a deployment sets it in the environment's settings.

School time: the school days of the school calendar (``org.calendar.selectors``: Monday–Friday and 调休 working
days, less national, district and school holidays) between the school day's opening and closing. Days outside
every semester count as ordinary weekdays, so an alert raised in a vacation never waits for the next term.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

from care.alerts.levels import RiskLevel
from org.calendar.selectors import SchoolCalendar
from org.models import Node

DEFAULT_DEADLINES: dict[str, dict] = {
    RiskLevel.RED: {"minutes": 15, "clock": "wall"},
    RiskLevel.ORANGE: {"minutes": 120, "clock": "school"},
}
DEFAULT_SCHOOL_DAY = ("08:00", "17:30")
WALL, SCHOOL = "wall", "school"


@dataclass(frozen=True)
class DeadlineRule:
    minutes: int
    clock: str  # "wall" or "school"


def rule_for(level: str, district: Node | None = None) -> DeadlineRule | None:
    """The acknowledgement rule of ``level`` in ``district`` (``None``: the level raises no alert)."""
    table = {**DEFAULT_DEADLINES, **getattr(settings, "XINYU_ALERT_DEADLINES", {})}
    if district is not None:
        by_district = getattr(settings, "XINYU_ALERT_DEADLINES_BY_DISTRICT", {})
        table = {**table, **by_district.get(district.code, {})}
    raw = table.get(level)
    if not raw:
        return None
    clock = raw.get("clock", WALL)
    if clock not in (WALL, SCHOOL):
        raise ValueError(f"alert deadline clock must be 'wall' or 'school', not {clock!r}")
    return DeadlineRule(minutes=int(raw["minutes"]), clock=clock)


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def school_day_hours() -> tuple[dt.time, dt.time]:
    """When the school day opens and closes (``XINYU_SCHOOL_DAY``), as times of day."""
    opens, closes = getattr(settings, "XINYU_SCHOOL_DAY", DEFAULT_SCHOOL_DAY)
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


__all__ = ["SchoolCalendar", "add_school_minutes", "deadline", "due", "rule_for", "school_day_hours"]


def add_school_minutes(
    start: dt.datetime, minutes: int, calendar: SchoolCalendar | None = None, node: Node | None = None
) -> dt.datetime:
    """``start`` plus ``minutes`` of school time at ``node`` (time outside the school day does not count)."""
    tz = _tz()
    opens, closes = school_day_hours()
    cur = start.astimezone(tz)
    calendar = calendar or SchoolCalendar(cur.date(), node=node)
    remaining = dt.timedelta(minutes=minutes)
    for _ in range(3660):  # ten years of days: a bound, never reached with a sane calendar
        day = cur.date()
        if calendar.is_school_day(day):
            day_open = dt.datetime.combine(day, opens, tz)
            day_close = dt.datetime.combine(day, closes, tz)
            cur = max(cur, day_open)
            if cur < day_close:
                if remaining <= day_close - cur:
                    return cur + remaining
                remaining -= day_close - cur
        cur = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tz)
    raise ValueError("no school time found within ten years")


def deadline(
    level: str, start: dt.datetime, district: Node | None = None, calendar: SchoolCalendar | None = None
) -> dt.datetime | None:
    """When an alert of ``level`` raised (or escalated) at ``start`` must be acknowledged."""
    rule = rule_for(level, district)
    if rule is None:
        return None
    if rule.clock == WALL:
        return start + dt.timedelta(minutes=rule.minutes)
    return add_school_minutes(start, rule.minutes, calendar, node=district)


# --- Deadlines of the care pathway (triage of reports, crisis steps): the same clocks, plus "end of day" ------

END_OF_DAY = "end_of_day"


def due(raw: dict, start: dt.datetime, calendar: SchoolCalendar | None = None) -> dt.datetime:
    """``start`` plus a rule ``{"minutes": n, "clock": "wall" | "school" | "end_of_day"}`` from settings:
    wall-clock minutes, school minutes, or the end of ``start``'s day (Asia/Shanghai) plus ``minutes``."""
    minutes, clock = int(raw.get("minutes", 0)), raw.get("clock", WALL)
    if clock == WALL:
        return start + dt.timedelta(minutes=minutes)
    if clock == SCHOOL:
        return add_school_minutes(start, minutes, calendar)
    if clock == END_OF_DAY:
        local = start.astimezone(_tz())
        return dt.datetime.combine(local.date(), dt.time(23, 59), _tz()) + dt.timedelta(minutes=minutes)
    raise ValueError(f"deadline clock must be wall, school or end_of_day, not {clock!r}")


# --- The off-hours route (issue 15): every stage by wall clock ------------------------------------------------

DEFAULT_OFF_HOURS_MINUTES: dict[str, int] = {RiskLevel.RED: 15, RiskLevel.ORANGE: 30}


def off_hours_deadline(level: str, start: dt.datetime, district: Node | None = None) -> dt.datetime:
    """When an off-hours alert that reached a stage at ``start`` must be acknowledged: wall-clock minutes of
    ``settings.XINYU_OFF_HOURS_ALERT_MINUTES`` (red 15, orange 30), per district by division code in
    ``XINYU_OFF_HOURS_ALERT_MINUTES_BY_DISTRICT`` (e.g. ``{"110108": {"orange": 20}}``)."""
    table = {**DEFAULT_OFF_HOURS_MINUTES, **getattr(settings, "XINYU_OFF_HOURS_ALERT_MINUTES", {})}
    if district is not None:
        by_district = getattr(settings, "XINYU_OFF_HOURS_ALERT_MINUTES_BY_DISTRICT", {})
        table = {**table, **by_district.get(district.code, {})}
    return start + dt.timedelta(minutes=int(table.get(level, DEFAULT_OFF_HOURS_MINUTES[RiskLevel.RED])))
