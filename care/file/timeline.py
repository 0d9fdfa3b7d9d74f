"""The student file's timeline (一人一档 时间线): a registry of providers, one per kind of record (issue 4, item 1).

``care`` owns the file (DESIGN.md). Every app that records something about a student — screening results,
abnormality reports, cases, plans, referrals, follow-ups, counseling sessions, home visits — adds it to the
file by registering a *provider* in its ``AppConfig.ready()``; ``care`` never imports those apps::

    from care.file.timeline import Entry, register_timeline_provider

    def sessions(viewer, student, tier, filters):
        if tier < Tier.T3 or not filters.wants("counseling"):
            return []
        rows = Session.objects.filter(student=student, **filters.range("held_at"))   # ONE query
        return [Entry(at=s.held_at, kind="counseling", title=..., school_id=s.school_id) for s in rows]

    register_timeline_provider(sessions, kinds={"counseling": _("Counseling sessions")})

Rules for a provider:
- ``fn(viewer, student, tier, filters) -> Iterable[Entry]``; ``tier`` is what the viewer may see of this
  student on the file (``Tier.T2``: the level colour only; ``Tier.T3``: clinical). Return nothing the tier
  does not allow (the registry also drops entries whose ``tier`` is above the viewer's, as a safety net).
- A BOUNDED number of queries whatever the length of the history (one query with ``select_related``, or a
  query plus a prefetch): the file page asserts its query count for a student with 1 and with 10 years.
- Narrow by ``filters``: ``filters.schools`` (``None`` = every school; a set = only those schools' own
  records — the old school after a transfer), ``filters.range(field)`` for the school year, and skip the
  query when ``filters.wants(kind)`` is false for all of the provider's kinds (the registry does that for
  providers registered with ``kinds``).
- No clinical free text in ``title``/``summary`` at T2; never T4 (counseling notes stay with their author).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

from access.tiers import Tier
from org.models import Student, User

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Measure:
    """A score to chart year over year: one chart per ``chart`` (an instrument, "PHQ-A"), one line per
    ``series`` (a score of it, "total"). T3 only."""

    chart: str
    series: str
    value: float


@dataclass
class Entry:
    """One line of the file's timeline."""

    at: dt.datetime  # timezone-aware
    kind: str  # a code registered with the provider ("screening", "level", "case", "report", …)
    title: str  # short, translated; no clinical free text below T3
    school_id: int | None  # the school whose record this is (the "own records" rule after a transfer)
    tier: Tier = Tier.T3  # the tier a viewer needs to see this entry
    summary: str = ""  # one short line under the title
    level: str = ""  # a risk level shown as its colour ("red", "orange", "yellow", "none"), if any
    url: str | None = None  # where the record itself lives (its own page checks access again)
    template: str = ""  # optional detail template, included with ``ctx`` = ``context``
    context: dict[str, Any] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()  # scores for the year-over-year charts (T3)


@dataclass(frozen=True)
class Filters:
    """What the viewer asked for and what they may see."""

    kinds: frozenset[str] | None = None  # None: every kind
    year: int | None = None  # a school year by its start year (2025 → 2025-09-01 … 2026-08-31)
    schools: frozenset[int] | None = None  # None: every school's records; else only these schools' own
    since: int | None = (
        None  # this school year and later only (the file's newest year first); ignored with year
    )

    def wants(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def wants_any(self, kinds: Iterable[str]) -> bool:
        return self.kinds is None or bool(self.kinds & set(kinds))

    def bounds(self) -> tuple[dt.datetime, dt.datetime | None] | None:
        """(start, end) of the year asked for, (start, None) for ``since``, or None for every year."""
        if self.year is not None:
            return school_year_bounds(self.year)
        if self.since is not None:
            return school_year_bounds(self.since)[0], None
        return None

    def range(self, at_field: str, school_field: str | None = "school_id") -> dict[str, Any]:
        """Queryset keyword filters for the year and the schools: ``Model.objects.filter(**f.range("at"))``."""
        out: dict[str, Any] = {}
        b = self.bounds()
        if b is not None:
            out[f"{at_field}__gte"] = b[0]
            if b[1] is not None:
                out[f"{at_field}__lt"] = b[1]
        if self.schools is not None and school_field:
            out[f"{school_field}__in"] = sorted(self.schools)
        return out


def school_year_bounds(start_year: int) -> tuple[dt.datetime, dt.datetime]:
    """A school year runs from 1 September to the next 1 September, Beijing time."""
    return (
        dt.datetime(start_year, 9, 1, tzinfo=SHANGHAI),
        dt.datetime(start_year + 1, 9, 1, tzinfo=SHANGHAI),
    )


def school_year_of(at: dt.datetime) -> int:
    local = at.astimezone(SHANGHAI)
    return local.year if local.month >= 9 else local.year - 1


Provider = Callable[[User, Student, Tier, Filters], Iterable[Entry]]


@dataclass(frozen=True)
class _Registered:
    fn: Provider
    kinds: dict[str, Any]  # code → label (lazy string)
    charted: bool = False  # gives the measures of the year-over-year charts: asked for every year


_providers: list[_Registered] = []


def register_timeline_provider(
    fn: Provider, *, kinds: dict[str, Any] | None = None, charted: bool = False
) -> Provider:
    """Add a provider of timeline entries (idempotent; usable as a decorator). ``kinds`` (code → label) names
    the kinds it produces: they appear in the file's kind filter, and the provider is not called when the
    viewer filters them all out. ``charted``: its entries carry the ``measures`` of the year-over-year charts,
    so it is asked for every year even when the page shows the newest year first (``Filters.since``)."""
    if all(r.fn is not fn for r in _providers):
        _providers.append(_Registered(fn, dict(kinds or {}), charted))
    return fn


def unregister_timeline_provider(fn: Provider) -> None:
    _providers[:] = [r for r in _providers if r.fn is not fn]


def kinds() -> dict[str, Any]:
    """Every registered kind, code → label, in registration order."""
    out: dict[str, Any] = {}
    for r in _providers:
        out.update(r.kinds)
    return out


def gather(
    viewer: User, student: Student, tier: Tier, filters: Filters, *, history: list[Entry] | None = None
) -> list[Entry]:
    """Every provider's entries the viewer may see, newest first. Entries above ``tier``, of kinds not asked
    for, of schools outside ``filters.schools`` or outside ``filters.year`` / ``filters.since`` are dropped here
    too, so a provider that forgets a filter cannot leak.

    ``history``, when given, receives the entries for the charts as well: a ``charted`` provider is then asked
    for every year (one query either way) and its older entries go to ``history`` only, so a page showing the
    newest year first still charts every year's scores."""
    bounds = filters.bounds()
    whole = replace(filters, since=None)
    out: list[Entry] = []
    for r in list(_providers):
        if r.kinds and not filters.wants_any(r.kinds):
            continue
        every_year = history is not None and r.charted and filters.year is None and filters.since is not None
        for e in r.fn(viewer, student, tier, whole if every_year else filters):
            if e.tier > tier or not filters.wants(e.kind):
                continue
            if filters.schools is not None and e.school_id not in filters.schools:
                continue
            inside = bounds is None or (bounds[0] <= e.at and (bounds[1] is None or e.at < bounds[1]))
            if history is not None and (inside or every_year):
                history.append(e)
            if inside:
                out.append(e)
    out.sort(key=lambda e: e.at, reverse=True)
    return out
