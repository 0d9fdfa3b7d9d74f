"""Home–school and governance indicators (R10, R11, R14): home-visit coverage, parent sessions, leadership-group
meetings every quarter, district implementation plans submitted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from org.models import Node, SchoolClass
from schoolwork.home.models import DistrictPlan, LeadershipMeeting, ParentSession, PlanStatus
from schoolwork.home.selectors import quarters_of, visit_coverage_by_class, visit_coverage_by_school
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import districts, ids_filter, not_started, schools
from supervision.indicators.models import Period, PeriodKind


def home_visits(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R10: active students of the school year's classes with at least one home visit this school year, over
    those students — ``schoolwork.home.selectors.visit_coverage_by_school``, the rule the home-visit pages use
    (three queries whatever the number of schools)."""
    rows = visit_coverage_by_school(schools(node_ids, period), period.school_year)
    return {r.school.pk: (r.visited, r.students) for r in rows}


def classes_missing_visits(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R10: the school's classes with students not yet visited this school year — class,
    grade, students, visited (``visit_coverage_by_class``; counts only, nobody named)."""
    rows = visit_coverage_by_class(SchoolClass.objects.filter(school=school), period.school_year)
    return [
        {
            "class": r.school_class.name,
            "grade": r.school_class.grade,
            "students": r.students,
            "visited": r.visited,
        }
        for r in rows
        if r.missing
    ]


def parent_sessions(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R11: 1/1 for a school that held at least one mental-health session for parents in the semester (the rule
    of ``schoolwork.home.selectors.session_coverage``: a school with none is missing), 0/1 otherwise. Two
    queries; semesters only."""
    if period.semester_id is None or not_started(period):
        return {}
    held = set(
        ParentSession.objects.filter(semester_id=period.semester_id, **ids_filter("school_id", node_ids))
        .values_list("school_id", flat=True)
        .distinct()
    )
    return {pk: (int(pk in held), 1) for pk in schools(node_ids, period).values_list("pk", flat=True)}


def _quarters(period: Period) -> list[tuple[dt.date, dt.date]]:
    return quarters_of(period.school_year)


def _meetings_per_quarter(period: Period, node_ids: Iterable[int] | None) -> dict[int, set[int]]:
    """school → the quarters (0–3) of the school year with at least one leadership-group meeting. One query."""
    quarters = _quarters(period)
    out: dict[int, set[int]] = defaultdict(set)
    rows = (
        LeadershipMeeting.objects.filter(
            held_on__gte=period.school_year.starts_on,
            held_on__lte=period.school_year.ends_on,
            **ids_filter("school_id", node_ids),
        )
        .values_list("school_id", "held_on")
        .distinct()
    )
    for school_id, held_on in rows:
        for i, (a, b) in enumerate(quarters):
            if a <= held_on <= b:
                out[school_id].add(i)
    return out


def _quarters_counted(period: Period, today: dt.date) -> list[int]:
    """The quarters a period asks a meeting of: a quarter itself; for the school year, the quarters over by
    ``today`` (all four once the year is over)."""
    quarters = _quarters(period)
    if period.kind == PeriodKind.QUARTER:
        return [i for i, (a, b) in enumerate(quarters) if (a, b) == (period.starts_on, period.ends_on)]
    return [i for i, (_a, b) in enumerate(quarters) if b < today]


def quarterly_meetings(
    period: Period, node_ids: Iterable[int] | None, today: dt.date | None = None
) -> dict[int, Cell]:
    """R14: a quarter — 1/1 for a school whose leadership group met at least once in it, 0/1 otherwise; the school
    year — 1/1 for a school that met in every quarter over so far (all four at the year's end), 0/1 otherwise,
    and nothing counted before the first quarter is over. Quarters as ``schoolwork.home.selectors.quarters_of``
    (Sep–Nov, Dec–Feb, Mar–May, Jun–Aug). Two queries."""
    wanted = _quarters_counted(period, today or timezone.localdate())
    if not wanted or not_started(period, today):
        return {}
    met = _meetings_per_quarter(period, node_ids)
    return {
        pk: (int(all(q in met.get(pk, ()) for q in wanted)), 1)
        for pk in schools(node_ids, period).values_list("pk", flat=True)
    }


def quarters_without_meeting(school: Node, period: Period, today: dt.date | None = None) -> list[dict]:
    """Drill-down rows for R14: the quarters counted for the period and whether the leadership group met."""
    quarters = _quarters(period)
    met = _meetings_per_quarter(period, [school.pk]).get(school.pk, set())
    return [
        {"quarter": i + 1, "starts_on": quarters[i][0], "ends_on": quarters[i][1], "met": i in met}
        for i in _quarters_counted(period, today or timezone.localdate())
    ]


def district_plan(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R14 (district level): 1/1 for a district whose implementation plan for the school year was submitted to
    the city (submitted or accepted; a draft or a plan returned for revision is not), 0/1 otherwise. Two
    queries."""
    done = set(
        DistrictPlan.objects.filter(
            school_year_id=period.school_year_id,
            status__in=[PlanStatus.SUBMITTED, PlanStatus.ACCEPTED],
            **ids_filter("district_id", node_ids),
        ).values_list("district_id", flat=True)
    )
    return {pk: (int(pk in done), 1) for pk in districts(node_ids).values_list("pk", flat=True)}


WATCHES = {
    "schoolwork.HomeVisit": lambda v: [v.school_id],
    "schoolwork.ParentSession": lambda s: [s.school_id],
    "schoolwork.LeadershipMeeting": lambda m: [m.school_id],
    "schoolwork.DistrictPlan": lambda p: [p.district_id],
}
