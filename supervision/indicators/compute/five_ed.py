"""Five-education indicators (R6, R7): days of a full hour of physical activity in and out of school, students
in an arts practice this school year — counted as ``schoolwork.programs.selectors.five_educations`` does per
class, summed per school."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from org.models import Enrollment, EnrollmentStatus
from schoolwork.programs.models import ActivityKind, ClassActivity
from schoolwork.programs.selectors import activity_days_by_school
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import ids_filter
from supervision.indicators.models import Period


def physical_activity_days(
    period: Period, node_ids: Iterable[int] | None, today: dt.date | None = None
) -> dict[int, Cell]:
    """R6 (every school day counts): class days with at least 60 minutes of physical activity in school and 60
    outside (``PE_MINUTES``), over every school day of the period so far (up to yesterday, each class's campus
    calendar) times the school year's classes — a day not recorded counts as missing, so a class cannot pass by
    recording only its good days (``schoolwork.programs.selectors.activity_days_by_school``)."""
    last = min(period.ends_on, (today or timezone.localdate()) - dt.timedelta(days=1))
    if last < period.starts_on:
        return {}
    return activity_days_by_school(node_ids, period.school_year_id, period.starts_on, last)


def arts_participation(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R7: active students of the school year's classes who took part in an arts practice of their class this
    school year (the ``with_arts`` of ``five_educations``), over those students. One grouped query."""
    in_arts = Exists(
        ClassActivity.participants.through.objects.filter(
            student_id=OuterRef("student_id"),
            classactivity__school_class_id=OuterRef("school_class_id"),
            classactivity__kind=ActivityKind.ARTS,
            classactivity__school_year_id=period.school_year_id,
        )
    )
    rows = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE,
            school_class__school_year_id=period.school_year_id,
            **ids_filter("school_id", node_ids),
        )
        .values("school_id")
        .annotate(
            n=Count("student_id", distinct=True), k=Count("student_id", distinct=True, filter=Q(in_arts))
        )
    )
    return {r["school_id"]: (r["k"], r["n"]) for r in rows}


WATCHES = {
    "schoolwork.ClassDay": lambda d: [d.school_id],
    "schoolwork.ClassActivity": lambda a: [a.school_id],
}
