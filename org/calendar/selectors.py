"""The one answer to "is this a school day?" (R3, R4.2, R1.3): everything that counts school days or school hours
— alert and guardian-contact deadlines, lesson fortnights, key times, room slots, the centre's service days —
reads it here.

A day is a school day when it is Monday–Friday or a make-up working day (调休上班), and no holiday. What a day is
comes from the deepest node that says anything about it: the school's own row, else its district's, else the
national calendar (``CalendarDay`` without a node), else the holidays written in ``Semester.calendar``, else the
ordinary week. Vacations between semesters are *not* excluded here: an alert raised in the summer never waits for
the next term (care.alerts.deadlines); callers that count teaching days bound them by the semester themselves.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable

from django.db.models import (
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from org.calendar.models import CalendarDay, DayKind, DistrictSemester
from org.models import Node, SchoolYear, Semester

ONE_DAY = dt.timedelta(days=1)
SCHOOL_DAY, WEEKEND, HOLIDAY = "school_day", "weekend", "holiday"
SEMESTER = "semester"  # marks a semester's row in the window's one statement


def _ancestor_ids(node: Node | None) -> list[int]:
    """The node and the levels above it that keep a calendar (school, district), deepest first — from the
    node's denormalised columns, no query. (An education group keeps no calendar of its own.)"""
    if node is None:
        return []
    chain: list[int] = []
    for pk in (node.pk, node.school_id, node.district_id):
        if pk is not None and pk not in chain:
            chain.append(pk)
    return chain


def _span_days(entry: dict) -> Iterable[dt.date]:
    try:
        day = dt.date.fromisoformat(entry["date"])
        last = dt.date.fromisoformat(entry.get("until") or entry["date"])
    except (KeyError, TypeError, ValueError):
        return  # a malformed entry must not stop an alert
    while day <= last:
        yield day
        day += ONE_DAY


class SchoolCalendar:
    """The calendar of ``node`` (``None``: the national calendar) from ``start`` for ``days`` days: two queries,
    then answered in memory. Days outside the window are read on demand (one query per further window)."""

    def __init__(
        self,
        start: dt.date,
        days: int = 120,
        node: Node | None = None,
        *,
        chain: list[int] | None = None,
        rows: list[tuple] | None = None,
    ) -> None:
        self.node = node
        self._chain = _ancestor_ids(node) if chain is None else chain
        self._kinds: dict[dt.date, str] = {}
        self._names: dict[dt.date, str] = {}
        self._loaded: list[tuple[dt.date, dt.date]] = []
        self._load(start, start + dt.timedelta(days=days), rows)

    @staticmethod
    def _rows(first: dt.date, last: dt.date, node_ids: Iterable[int]) -> list[tuple]:
        # One statement: the calendar's rows of the window, and the semesters' own holiday entries as the lowest
        # layer (kept for calendars written before the CalendarDay rows existed; the demo writes them). The
        # responder check of every answer page pays for it (tests/critical_path/test_off_hours.py).
        days = CalendarDay.objects.filter(
            Q(node__isnull=True) | Q(node_id__in=list(node_ids)), date__gte=first, date__lte=last
        ).annotate(cal=Value("", output_field=TextField()))
        semesters = Semester.objects.filter(starts_on__lte=last, ends_on__gte=first).annotate(
            n=Value(None, output_field=IntegerField()),
            k=Value(SEMESTER, output_field=CharField()),
            nm=Value("", output_field=CharField()),
            cal=Cast("calendar", TextField()),
        )
        return list(
            days.order_by()
            .values_list("date", "node_id", "kind", "name", "cal")
            .union(semesters.order_by().values_list("starts_on", "n", "k", "nm", "cal"), all=True)
        )

    def _load(self, first: dt.date, last: dt.date, rows: list[tuple] | None = None) -> None:
        if rows is None:
            rows = self._rows(first, last, self._chain)
        else:  # rows read for many nodes at once (calendars_for): this node's chain, the nation and semesters
            chain = set(self._chain)
            rows = [r for r in rows if r[1] is None or r[1] in chain]
        rank = {pk: i for i, pk in enumerate(self._chain)}  # 0 = the node itself
        best: dict[dt.date, int] = {}
        below = len(self._chain) + 1  # the semesters' entries rank under the national rows
        for day, node_id, kind, name, cal in rows:
            if kind == SEMESTER:
                try:
                    entries = json.loads(cal or "[]")
                except ValueError:
                    continue
                for entry in entries if isinstance(entries, list) else []:
                    if not isinstance(entry, dict) or entry.get("kind") != "holiday":
                        continue
                    for d in _span_days(entry):
                        if first <= d <= last and d not in best:
                            best[d] = below
                            self._kinds[d] = DayKind.HOLIDAY
                            self._names[d] = entry.get("name", "")
                continue
            r = len(self._chain) if node_id is None else rank[node_id]
            if day not in best or r < best[day]:
                best[day] = r
                self._kinds[day] = kind
                self._names[day] = name
        self._loaded.append((first, last))

    def _ensure(self, day: dt.date) -> None:
        if not any(a <= day <= b for a, b in self._loaded):
            self._load(day, day + dt.timedelta(days=120))

    def kind(self, day: dt.date) -> str | None:
        """The calendar's word for ``day`` ("holiday", "workday", "exam") or ``None`` for an ordinary day."""
        self._ensure(day)
        return self._kinds.get(day)

    def name(self, day: dt.date) -> str:
        self._ensure(day)
        return self._names.get(day, "")

    def is_school_day(self, day: dt.date) -> bool:
        kind = self.kind(day)
        if kind == DayKind.HOLIDAY:
            return False
        return kind in (DayKind.WORKDAY, DayKind.EXAM) or day.weekday() < 5

    def day_kind(self, day: dt.date) -> str:
        """ "school_day", "weekend" or "holiday" (the district centre's service hours differ by it, R4.2)."""
        if self.kind(day) == DayKind.HOLIDAY:
            return HOLIDAY
        return SCHOOL_DAY if self.is_school_day(day) else WEEKEND

    def holidays(self, first: dt.date, last: dt.date) -> set[dt.date]:
        return {d for d in _days(first, last) if self.kind(d) == DayKind.HOLIDAY}


def _days(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def calendar_for(node: Node | None, start: dt.date, end: dt.date) -> SchoolCalendar:
    return SchoolCalendar(start, max((end - start).days, 0), node)


def calendars_for(nodes: Iterable[Node], start: dt.date, end: dt.date) -> dict[int, SchoolCalendar]:
    """The calendars of many nodes over one window in one statement (a rollup over every school of a city must
    not cost a query per school): {node id: calendar}."""
    nodes = list(nodes)
    chains = {n.pk: _ancestor_ids(n) for n in nodes}
    rows = SchoolCalendar._rows(start, end, {i for c in chains.values() for i in c})
    days = max((end - start).days, 0)
    return {n.pk: SchoolCalendar(start, days, n, chain=chains[n.pk], rows=rows) for n in nodes}


def is_school_day(node: Node | None, day: dt.date) -> bool:
    """Is ``day`` a school day at ``node`` (a school, campus or district; ``None``: the national calendar)?"""
    return SchoolCalendar(day, 0, node).is_school_day(day)


def school_days(node: Node | None, start: dt.date, end: dt.date) -> list[dt.date]:
    """The school days at ``node`` from ``start`` to ``end``, both included."""
    cal = calendar_for(node, start, end)
    return [d for d in _days(start, end) if cal.is_school_day(d)]


def special_days(node: Node | None, start: dt.date, end: dt.date) -> list[CalendarDay]:
    """The rows that hold at ``node`` from ``start`` to ``end`` (the deepest per day), for the calendar page."""
    chain = _ancestor_ids(node)
    rank = {pk: i for i, pk in enumerate(chain)}
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).select_related("node")
    best: dict[dt.date, CalendarDay] = {}
    for row in rows:
        if row.node_id is not None and row.node_id not in rank:
            continue
        r = len(chain) if row.node_id is None else rank[row.node_id]
        held = best.get(row.date)
        if held is None or r < (len(chain) if held.node_id is None else rank[held.node_id]):
            best[row.date] = row
    return [best[d] for d in sorted(best)]


def own_days(node: Node | None, start: dt.date, end: dt.date) -> list[CalendarDay]:
    """The rows written at ``node`` itself (``None``: the national rows)."""
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end)
    return list(rows.filter(node__isnull=True) if node is None else rows.filter(node=node))


def exam_spans(
    node: Node | None, semester: Semester, cal: SchoolCalendar | None = None
) -> list[tuple[dt.date, dt.date]]:
    """Runs of consecutive exam days the calendar gives ``node`` inside ``semester`` (weekends bridge a run).
    ``cal``: the node's calendar over the semester when the caller has it (``calendars_for``)."""
    cal = cal or calendar_for(node, semester.starts_on, semester.ends_on)
    spans: list[tuple[dt.date, dt.date]] = []
    for d in _days(semester.starts_on, semester.ends_on):
        if cal.kind(d) != DayKind.EXAM:
            continue
        if spans and (d - spans[-1][1]).days <= 3:
            spans[-1] = (spans[-1][0], d)
        else:
            spans.append((d, d))
    return spans


def school_years() -> list[SchoolYear]:
    return list(SchoolYear.objects.prefetch_related("semesters"))


# --- which semester is it: the district's own dates, else the city's (issue 18) ----------------------------------


def district_id_of(node: Node | None) -> int | None:
    """The district whose semesters hold at ``node`` (a district, group, school or campus); ``None``: the city."""
    return None if node is None else node.district_id


def _with_own_dates(qs: QuerySet[Semester], district_id: int | None) -> QuerySet[Semester]:
    # Whether any district keeps its own dates for the semester: when none does, ``local_semester`` asks nothing.
    qs = qs.annotate(has_district_dates=Exists(DistrictSemester.objects.filter(semester=OuterRef("pk"))))
    if district_id is None:
        return qs
    own = DistrictSemester.objects.filter(semester=OuterRef("pk"), district_id=district_id)
    return qs.annotate(
        own_starts=Subquery(own.values("starts_on")[:1]),
        own_ends=Subquery(own.values("ends_on")[:1]),
        own_weeks=Subquery(own.values("teaching_weeks")[:1]),
    )


def _apply(sem: Semester | None, district_id: int | None) -> Semester | None:
    if sem is not None:
        if district_id is not None and getattr(sem, "own_starts", None) is not None:
            sem.starts_on, sem.ends_on, sem.teaching_weeks = sem.own_starts, sem.own_ends, sem.own_weeks
            sem.dates_of = district_id
        sem.held_in = district_id  # the district whose dates were asked for (None: the city's)
    return sem


def semesters_of(node: Node | None = None, *, year: SchoolYear | None = None) -> list[Semester]:
    """The semesters as they hold at ``node`` (its district's own dates, else the city's), in date order; of
    ``year`` only when given. A semester with its district's dates has ``dates_of`` set (and is never saved)."""
    district = district_id_of(node)
    qs = Semester.objects.select_related("school_year")
    if year is not None:
        qs = qs.filter(school_year=year)
    return sorted((_apply(s, district) for s in _with_own_dates(qs, district)), key=lambda s: s.starts_on)


def semester_for(day: dt.date, node: Node | None = None) -> Semester | None:
    """The semester holding ``day`` at ``node`` (its district's dates, else the city's); ``None`` in a vacation."""
    district = district_id_of(node)
    qs = _with_own_dates(Semester.objects.select_related("school_year"), district)
    if district is None:
        return qs.filter(starts_on__lte=day, ends_on__gte=day).first()
    qs = qs.annotate(held_from=Coalesce("own_starts", "starts_on"), held_to=Coalesce("own_ends", "ends_on"))
    return _apply(qs.filter(held_from__lte=day, held_to__gte=day).first(), district)


def current_semester(node: Node | None = None, today: dt.date | None = None) -> Semester | None:
    """The semester running today at ``node``, else the last one that started (in a vacation), else the first."""
    today = today or timezone.localdate()
    found = semester_for(today, node)
    if found is not None:
        return found
    sems = semesters_of(node)
    started = [s for s in sems if s.starts_on <= today]
    return started[-1] if started else (sems[0] if sems else None)


def semester_by_pk(pk: int) -> Semester | None:
    """One semester with the city's dates (and whether any district keeps its own, so that ``local_semester``
    asks again only then)."""
    return _with_own_dates(Semester.objects.select_related("school_year").filter(pk=pk), None).first()


def local_semesters(semester: Semester, district_ids: Iterable[int | None]) -> dict[int | None, Semester]:
    """``semester`` as it holds in each district (``None``: the city): one query, none when no district keeps
    dates of its own for it."""
    ids = set(district_ids)
    own: dict[int, DistrictSemester] = {}
    if semester.dates_of is not None or getattr(semester, "has_district_dates", None) is not False:
        wanted = [d for d in ids if d]
        own = {
            r.district_id: r
            for r in DistrictSemester.objects.filter(semester_id=semester.pk, district_id__in=wanted)
        }
    city = semester
    if semester.dates_of is not None:
        city = Semester.objects.select_related("school_year").get(pk=semester.pk)
    out: dict[int | None, Semester] = {}
    for d in ids:
        # Each district's own instance, marked with the district it holds in: ``local_semester`` asks nothing more.
        held = copy.copy(city)
        held.dates_of, held.held_in = None, d
        row = own.get(d)
        if row is not None:
            held.starts_on, held.ends_on, held.teaching_weeks = row.starts_on, row.ends_on, row.teaching_weeks
            held.dates_of = d
        out[d] = held
    return out


def local_semester(semester: Semester, node: Node | None) -> Semester:
    """``semester`` with the dates it has at ``node`` (its district's own, else the city's): callers that were
    handed a semester (a lesson's, a page's choice) count its days where the school is."""
    district = district_id_of(node)
    if getattr(semester, "held_in", semester.dates_of) == district:
        return semester
    if semester.dates_of is None and getattr(semester, "has_district_dates", None) is False:
        return semester  # no district keeps dates of its own for it: the city's hold everywhere
    found = _apply(_with_own_dates(Semester.objects.filter(pk=semester.pk), district).first(), district)
    if found is None:
        return semester
    found.school_year = semester.school_year
    return found
