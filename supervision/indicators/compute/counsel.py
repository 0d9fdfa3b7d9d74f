"""Counseling-service indicators (R4.2, R4.3): the district centre's service hours covered by duty shifts, 24-hour
messages answered in time (district level), and schools whose counseling room, duty roster and appointments are
in use."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from counseling.centre.models import DutyShift, Message
from counseling.centre.services import day_kind, service_hours
from counseling.rooms.models import Appointment, AppointmentStatus, CounselingRoom, RoomDutyShift
from org.calendar.selectors import SchoolCalendar
from org.models import Node
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import bounds, districts, ids_filter, not_started, schools
from supervision.indicators.models import Period


def _days(period: Period, today: dt.date) -> list[dt.date]:
    """The period's days already over (today is still running)."""
    last = min(period.ends_on, today - dt.timedelta(days=1))
    n = (last - period.starts_on).days + 1
    return [period.starts_on + dt.timedelta(days=i) for i in range(max(n, 0))]


def _merged(intervals: list[tuple[dt.datetime, dt.datetime]]) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """Overlapping or touching shifts merged into (starts, ends), sorted."""
    starts: list[dt.datetime] = []
    ends: list[dt.datetime] = []
    for a, b in sorted(intervals):
        if ends and a <= ends[-1]:
            ends[-1] = max(ends[-1], b)
        else:
            starts.append(a)
            ends.append(b)
    return starts, ends


def service_days_covered(
    period: Period, node_ids: Iterable[int] | None, today: dt.date | None = None
) -> dict[int, Cell]:
    """R4.2 (district level): days of the period (up to yesterday) whose whole service window — after school on
    school days, all day at weekends and on holidays (``XINYU_CENTRE_HOURS`` by ``counseling.centre.services
    .day_kind``, public holidays and 调休 from the national school calendar, ``org.calendar``) — was covered by the district's duty shifts, over
    those days. Three queries whatever the number of districts."""
    days = _days(period, today or timezone.localdate())
    ids = list(districts(node_ids).values_list("pk", flat=True))
    if not days:
        return {pk: (0, 0) for pk in ids}
    tz = timezone.get_current_timezone()
    cal = SchoolCalendar(days[0], (days[-1] - days[0]).days)
    windows = []
    for d in days:
        opens, closes = service_hours(day_kind(d, cal))
        windows.append((dt.datetime.combine(d, opens, tz), dt.datetime.combine(d, closes, tz)))
    shifts: dict[int, list] = defaultdict(list)
    for district_id, a, b in DutyShift.objects.filter(
        ends_at__gt=windows[0][0], starts_at__lt=windows[-1][1], district_id__in=ids
    ).values_list("district_id", "starts_at", "ends_at"):
        shifts[district_id].append((a, b))
    out = {}
    for pk in ids:
        starts, ends = _merged(shifts.get(pk, []))
        covered = 0
        for a, b in windows:
            i = bisect.bisect_right(starts, a) - 1
            covered += i >= 0 and ends[i] >= b
        out[pk] = (covered, len(windows))
    return out


def uncovered_days(district: Node, period: Period, today: dt.date | None = None) -> list[dict]:
    """Drill-down rows for R4.2: the service days of the district (up to yesterday) not fully covered by duty
    shifts, with the service window that was due."""
    days = _days(period, today or timezone.localdate())
    if not days:
        return []
    tz = timezone.get_current_timezone()
    cal = SchoolCalendar(days[0], (days[-1] - days[0]).days, district)
    starts, ends = _merged(
        list(
            DutyShift.objects.filter(
                district=district,
                ends_at__gt=dt.datetime.combine(days[0], dt.time(), tz),
                starts_at__lt=dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time(), tz),
            ).values_list("starts_at", "ends_at")
        )
    )
    rows = []
    for d in days:
        kind = day_kind(d, cal)
        opens, closes = service_hours(kind)
        a, b = dt.datetime.combine(d, opens, tz), dt.datetime.combine(d, closes, tz)
        i = bisect.bisect_right(starts, a) - 1
        if not (i >= 0 and ends[i] >= b):
            rows.append({"day": d, "kind": kind, "opens": opens, "closes": closes})
    return rows


def messages_answered(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R4.2 (district level, sensitive): 24-hour messages sent in the period whose first reply came by its
    deadline (``reply_due``, by risk class and duty: ``counseling.centre.services.reply_due``), over the messages answered or past their
    deadline (the queue's overdue). One grouped query."""
    lo, hi = bounds(period)
    rows = (
        Message.objects.filter(created_at__gte=lo, created_at__lt=hi, **ids_filter("district_id", node_ids))
        .filter(Q(first_reply_at__isnull=False) | Q(reply_due__lt=timezone.now()))
        .values("district_id")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(first_reply_at__lte=F("reply_due"))))
    )
    return {r["district_id"]: (r["k"], r["n"]) for r in rows}


def _room_checks(period: Period, node_ids: Iterable[int] | None):
    lo, hi = bounds(period)
    rooms = CounselingRoom.objects.filter(school_id=OuterRef("pk"), is_active=True)
    duty = RoomDutyShift.objects.filter(
        room__school_id=OuterRef("pk"), room__is_active=True, valid_from__lte=period.ends_on
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=period.starts_on))
    used = Appointment.objects.filter(
        room__school_id=OuterRef("pk"),
        starts_at__gte=lo,
        starts_at__lt=hi,
        status__in=[AppointmentStatus.CONFIRMED, AppointmentStatus.ATTENDED, AppointmentStatus.NO_SHOW],
    )
    return schools(node_ids, period).annotate(room=Exists(rooms), duty=Exists(duty), used=Exists(used))


def counseling_room_in_use(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R4.3: 1/1 for a school with an active counseling room, a duty roster (a room duty shift in force during the
    period) and appointments in use (at least one confirmed, attended or missed appointment in the period), 0/1
    otherwise. One query."""
    if not_started(period):
        return {}
    return {
        s["pk"]: (int(s["room"] and s["duty"] and s["used"]), 1)
        for s in _room_checks(period, node_ids).values("pk", "room", "duty", "used")
    }


def counseling_room_details(school: Node, period: Period) -> list[dict]:
    """Drill-down row for R4.3: which of room, duty roster and appointments the school has."""
    row = _room_checks(period, [school.pk]).values("room", "duty", "used").first() or {}
    return [
        {
            "room": bool(row.get("room")),
            "duty_roster": bool(row.get("duty")),
            "appointments": bool(row.get("used")),
        }
    ]


def _room_school(obj) -> list[int]:
    room = obj if isinstance(obj, CounselingRoom) else obj.room
    return [room.school_id]


WATCHES = {
    "counseling.DutyShift": lambda s: [s.district_id],
    "counseling.Message": lambda m: [m.district_id],
    "counseling.CounselingRoom": _room_school,
    "counseling.RoomDutyShift": _room_school,
    "counseling.Appointment": _room_school,
}
