"""工作量 — a psychological teacher's workload by month or semester (R1.3): counseling sessions and hours, group
sessions and duty hours from this app; lessons taught from whatever app registers them with
``care.workload`` (schoolwork, which this app may not import). ``counseling_source`` is registered there by
``counseling.rooms.providers``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.workload.registry import labels, workload
from counseling.rooms.models import CounselingSession, RoomDutyShift, SessionKind
from counseling.rooms.selectors import workload_people
from org.models import Semester, User
from xinyu.web.spreadsheets import safe_cell, xlsx_response

LABELS = {
    "sessions": gettext_lazy("Counseling sessions"),
    "session_hours": gettext_lazy("Counseling hours"),
    "group_sessions": gettext_lazy("Group sessions"),
    "duty_hours": gettext_lazy("Duty hours"),
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # both ends included
    label: str


def period_from(month: str = "", semester: str = "", today: dt.date | None = None) -> Period:
    """``month`` "2026-11", or a semester id; neither: this month. Raises ValueError on junk."""
    if semester:
        s = Semester.objects.select_related("school_year").get(pk=int(semester))
        return Period(s.starts_on, s.ends_on, str(s))
    if month:
        year, mon = (int(x) for x in month.split("-", 1))
        start = dt.date(year, mon, 1)
    else:
        start = (today or timezone.localdate()).replace(day=1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return Period(start, end, f"{start:%Y-%m}")


def semesters() -> list[Semester]:
    return list(Semester.objects.select_related("school_year").order_by("-starts_on")[:6])


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def counseling_source(user_ids: list[int], start: dt.date, end: dt.date) -> dict[int, dict]:
    """Sessions, hours and group sessions recorded by each teacher, and duty hours on the roster."""
    out: dict[int, dict] = defaultdict(dict)
    rows = (
        CounselingSession.objects.filter(
            counselor_id__in=user_ids,
            started_at__gte=_aware(start),
            started_at__lt=_aware(end + dt.timedelta(1)),
        )
        .values("counselor_id")
        .annotate(
            n=Count("pk", filter=~Q(kind=SessionKind.GROUP)),
            groups=Count("pk", filter=Q(kind=SessionKind.GROUP)),
            minutes=Sum("duration_minutes"),
        )
    )
    for r in rows:
        out[r["counselor_id"]].update(
            sessions=r["n"], group_sessions=r["groups"], session_hours=round((r["minutes"] or 0) / 60, 1)
        )
    shifts = RoomDutyShift.objects.filter(counselor_id__in=user_ids, valid_from__lte=end).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start)
    )
    for s in shifts:
        first, last = max(start, s.valid_from), min(end, s.valid_to or end)
        days = (last - first).days + 1
        if days <= 0:
            continue
        # How many of these days fall on the shift's weekday.
        offset = (s.weekday - first.weekday()) % 7
        count = 0 if offset >= days else (days - offset - 1) // 7 + 1
        out[s.counselor_id]["duty_hours"] = round(
            out[s.counselor_id].get("duty_hours", 0) + count * s.hours, 1
        )
    return out


@dataclass
class Table:
    columns: list[tuple[str, str]]  # (key, label)
    rows: list[tuple[User, list]]


def table(viewer: User, period: Period) -> Table:
    people = workload_people(viewer)
    figures = workload([u.pk for u in people], period.start, period.end)
    columns = [(k, str(v)) for k, v in labels().items()]
    rows = [(u, [figures.get(u.pk, {}).get(k, 0) for k, _label in columns]) for u in people]
    return Table(columns, rows)


def export(t: Table, period: Period):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = _("Workload")[:31]
    ws.append([safe_cell(_("Workload")), safe_cell(period.label)])
    ws.append([_("Psychological teacher"), *[label for _key, label in t.columns]])
    for user, values in t.rows:
        ws.append([safe_cell(str(user)), *values])
    return xlsx_response(wb, f"workload-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx")
