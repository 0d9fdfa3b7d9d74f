"""Monitoring indicators (R5.1, R5.2): screening coverage of the eligible students, positive screens followed
up in time by the second stage, and students whose file (一人一档) holds a level or a screening result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, Min, OuterRef, Q, Value, When
from django.utils import timezone

from care.models import LevelRecord
from org.models import Enrollment, EnrollmentStatus, Node
from screening.models import Assignment, CampaignStatus, Level, Response, ResponseStatus, Result, Review
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import ids_filter
from supervision.indicators.models import Period

ELIGIBLE_FROM_GRADE = 4  # R5.1: primary grade 4 and up, junior and senior high
# R5.1 second stage: calendar days from the submitted screen to the psychological teacher's review talk, by the
# screen's most severe suggested level. No deployment setting existed; XINYU_SCREEN_REVIEW_DAYS overrides.
DEFAULT_REVIEW_DAYS = {Level.RED: 1, Level.ORANGE: 3, Level.YELLOW: 10}
_RUN = [CampaignStatus.LAUNCHED, CampaignStatus.CLOSED]  # a draft campaign screened nobody


def review_days() -> dict[str, int]:
    return {**DEFAULT_REVIEW_DAYS, **getattr(settings, "XINYU_SCREEN_REVIEW_DAYS", {})}


def _eligible(period: Period, node_ids: Iterable[int] | None):
    return Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE,
        school_year_id=period.school_year_id,
        grade__gte=ELIGIBLE_FROM_GRADE,
        **ids_filter("school_id", node_ids),
    )


def _screened(period: Period) -> Exists:
    """Over an enrollment: the student has a submitted sheet in a campaign of the period's school year — the
    "submitted" column of ``screening.campaigns.selectors.coverage`` (at least one response, none still open)."""
    some = Response.objects.filter(assignment=OuterRef("pk"))
    still_open = Response.objects.filter(assignment=OuterRef("pk"), status=ResponseStatus.OPEN)
    return Exists(
        Assignment.objects.filter(
            student_id=OuterRef("student_id"),
            campaign__school_year_id=period.school_year_id,
            campaign__status__in=_RUN,
        )
        .filter(Exists(some))
        .exclude(Exists(still_open))
    )


def screening_coverage(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R5.1: students enrolled (active) in grade 4+ in the period's school year who submitted a screening in a
    launched or closed campaign of that year, over those students. One grouped query."""
    rows = (
        _eligible(period, node_ids)
        .annotate(done=_screened(period))
        .values("school_id")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(done=True)))
    )
    return {r["school_id"]: (r["k"], r["n"]) for r in rows}


def coverage_by_grade(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R5.1 coverage: per grade of the school, eligible students and how many were screened
    (counts; participation, not results)."""
    rows = (
        _eligible(period, [school.pk])
        .annotate(done=_screened(period))
        .values("grade")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(done=True)))
        .order_by("grade")
    )
    return [{"grade": r["grade"], "eligible": r["n"], "screened": r["k"]} for r in rows]


_SEVERITY = Case(
    When(level=Level.RED, then=Value(0)),
    When(level=Level.ORANGE, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_BY_RANK = {0: Level.RED, 1: Level.ORANGE, 2: Level.YELLOW}


def _positive_screens(period: Period, node_ids: Iterable[int] | None):
    """One row per positive screen of the year: the assignment's school, its most severe suggested level (red,
    orange or yellow — the rows of ``screening.campaigns.selectors.review_queue``), when it was first submitted and the
    first second-stage review talk. One grouped query."""
    return (
        Result.objects.filter(
            level__in=[Level.RED, Level.ORANGE, Level.YELLOW],
            response__status=ResponseStatus.SUBMITTED,
            response__assignment__campaign__school_year_id=period.school_year_id,
            response__assignment__campaign__status__in=_RUN,
            **ids_filter("response__assignment__school_id", node_ids),
        )
        .values("response__assignment_id", "response__assignment__school_id")
        .annotate(
            rank=Min(_SEVERITY),
            submitted=Min("response__submitted_at"),
            reviewed=Min("response__assignment__reviews__talked_at"),
        )
        .order_by()
    )


def positive_followed_up(period: Period, node_ids: Iterable[int] | None, now: dt.datetime | None = None):
    """R5.1 (sensitive): positive screens (a red, orange or yellow suggested level) whose second-stage review talk
    took place within the level's days of the submission (``review_days``), over the positive screens that are
    due — reviewed, or past their deadline; a screen still inside its time without a review is not counted yet."""
    now = now or timezone.now()
    days = review_days()
    out: dict[int, list[int]] = {}
    for r in _positive_screens(period, node_ids):
        due = r["submitted"] + dt.timedelta(days=days[_BY_RANK[r["rank"]]])
        reviewed = r["reviewed"]
        if reviewed is None and now <= due:
            continue
        cell = out.setdefault(r["response__assignment__school_id"], [0, 0])
        cell[1] += 1
        cell[0] += reviewed is not None and reviewed <= due
    return {pk: (n, d) for pk, (n, d) in out.items()}


def students_with_file(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R5.2 (一人一档): every enrolled student has a file by construction (care.file.selectors gathers it from the timeline
    providers), so the indicator counts the files with content: active enrollments of the period's school year
    whose student has a confirmed level record or a submitted, scored screening (any year), over those
    enrollments. One grouped query."""
    has_level = Exists(LevelRecord.objects.filter(student_id=OuterRef("student_id")))
    has_result = Exists(
        Result.objects.filter(
            response__assignment__student_id=OuterRef("student_id"), response__status=ResponseStatus.SUBMITTED
        )
    )
    rows = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE,
            school_year_id=period.school_year_id,
            **ids_filter("school_id", node_ids),
        )
        .values("school_id")
        .annotate(n=Count("pk"), k=Count("pk", filter=Q(has_level) | Q(has_result)))
    )
    return {r["school_id"]: (r["k"], r["n"]) for r in rows}


def _response_school(response: Response) -> list[int]:
    if response.status != ResponseStatus.SUBMITTED:  # answering does not change a figure; submitting does
        return []
    return [response.assignment.school_id]


def _review_school(review: Review) -> list[int]:
    return [review.assignment.school_id]


def _level_school(record: LevelRecord) -> list[int]:
    if record.school_id:
        return [record.school_id]
    return list(
        Enrollment.objects.filter(student_id=record.student_id, status=EnrollmentStatus.ACTIVE).values_list(
            "school_id", flat=True
        )
    )


WATCHES = {
    "screening.Response": _response_school,
    "screening.Review": _review_school,
    "care.LevelRecord": _level_school,
    "org.Enrollment": lambda e: [e.school_id],
}
