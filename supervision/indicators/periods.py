"""Periods (统计周期) made from the school calendar: the school year, its two semesters and four quarters
(Sep–Nov, Dec–Feb, Mar–May, Jun–Aug, as the leadership-meeting rule of R14 counts them)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import SchoolYear
from schoolwork.home.selectors import quarters_of
from supervision.indicators.models import Period, PeriodKind


def ensure_periods(year: SchoolYear) -> list[Period]:
    """Create (idempotently) and return the year's periods: the year, its semesters, its quarters."""
    wanted: list[dict] = [
        {"kind": PeriodKind.SCHOOL_YEAR, "code": f"{year.start_year}", "starts_on": year.starts_on,
         "ends_on": year.ends_on, "semester": None},
    ]  # fmt: skip
    for sem in year.semesters.order_by("term"):
        wanted.append(
            {"kind": PeriodKind.SEMESTER, "code": f"{year.start_year}-S{sem.term}", "starts_on": sem.starts_on,
             "ends_on": sem.ends_on, "semester": sem}
        )  # fmt: skip
    for n, (start, end) in enumerate(quarters_of(year), start=1):
        wanted.append(
            {"kind": PeriodKind.QUARTER, "code": f"{year.start_year}-Q{n}", "starts_on": start, "ends_on": end,
             "semester": None}
        )  # fmt: skip
    existing = {p.code: p for p in Period.objects.filter(school_year=year)}
    out = []
    for w in wanted:
        p = existing.get(w["code"])
        if p is None:
            p = Period.objects.create(school_year=year, **w)
        out.append(p)
    return out


def current_periods(today: dt.date | None = None) -> list[Period]:
    """The periods that contain ``today`` (made if missing): one per kind, fewer in the summer gap."""
    today = today or timezone.localdate()
    year = SchoolYear.for_date(today)
    if year is None:
        return []
    return [p for p in ensure_periods(year) if p.starts_on <= today <= p.ends_on]


def open_periods(today: dt.date | None = None) -> list[Period]:
    """Periods the incremental rollup keeps fresh: every period of the current school year that has started
    (late records for a finished semester still count until its figures are submitted and locked)."""
    today = today or timezone.localdate()
    year = SchoolYear.for_date(today)
    if year is None:
        return []
    return [p for p in ensure_periods(year) if p.starts_on <= today]


def period_label(p: Period) -> str:
    start = int(p.code[:4])
    years = f"{start}–{start + 1}"
    if p.kind == PeriodKind.SCHOOL_YEAR:
        return _("%(years)s school year") % {"years": years}
    if p.kind == PeriodKind.SEMESTER:
        term = _("autumn semester") if p.code.endswith("S1") else _("spring semester")
        return f"{years} {term}"
    return _("%(years)s quarter %(n)s") % {"years": years, "n": p.code[-1]}
