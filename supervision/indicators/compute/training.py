"""Whole-staff indicators (R2.2, R2.3): staff trained this semester, abnormality reports triaged in time."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from care.models import AbnormalityReport
from org.models import Node
from schoolwork.programs.models import Training, TrainingAttendance
from schoolwork.programs.selectors import training_coverage, training_hours
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import as_of, bounds, ids_filter, not_started, schools
from supervision.indicators.models import Period


def staff_trained(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R2.2: staff (teachers, class teachers, psychological teachers, leaders with a post in force during the
    semester up to today) who attended at least one mental-health training of the semester, over the staff —
    ``schoolwork.programs.selectors.training_coverage``, the training coverage page's own rule (three queries
    whatever the number of schools). Only semesters: another period counts nothing."""
    if period.semester_id is None or not_started(period):
        return {}
    covered = training_coverage(list(schools(node_ids, period)), period.semester, on=as_of(period))
    return {c.school.pk: (c.trained, c.staff) for c in covered}


def staff_with_training_hours(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R2.2 in hours: staff (teaching or not) with the semester's hours of mental-health training — sessions
    signed in at and certificates, ``schoolwork.programs.selectors.required_hours()`` — and, if new this semester,
    the pre-service hours; over the staff. ``training_hours``, the training hours page's own rule (four queries).
    Only semesters."""
    if period.semester_id is None or not_started(period):
        return {}
    rows = training_hours(list(schools(node_ids)), period.semester, on=as_of(period))
    return {r.school.pk: (r.met, len(r.staff)) for r in rows}


def training_hours_details(school: Node, period: Period) -> list[dict]:
    """Drill-down for R2.2 hours (counts): staff, with enough hours, short; new staff and those without
    pre-service training."""
    if period.semester_id is None:
        return []
    (r,) = training_hours([school], period.semester, on=as_of(period))
    no_pre = sum(1 for s in r.staff if s.lacks_pre_service(r.pre_required))
    return [
        {"group": gettext("All staff"), "staff": len(r.staff), "trained": r.met, "short": len(r.short)},
        {
            "group": gettext("New this semester"),
            "staff": r.new_staff,
            "trained": r.new_staff - no_pre,
            "short": no_pre,
        },
    ]


training_hours_details.columns = {"trained": _("Enough hours"), "short": _("Short")}  # type: ignore[attr-defined]


def untrained_staff_details(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R2.2: how many staff, of whom class teachers, were trained this semester (counts)."""
    if period.semester_id is None:
        return []
    (c,) = training_coverage([school], period.semester, on=as_of(period))
    return [
        {"group": "all_staff", "staff": c.staff, "trained": c.trained},
        {"group": "class_teachers", "staff": c.class_teachers, "trained": c.class_teachers_trained},
    ]


def reports_triaged_in_time(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R2.3 (sensitive): abnormality reports filed during the period and triaged by their deadline
    (``triaged_at <= triage_deadline``, the deadline set by urgency when filed), over the reports that are due —
    triaged, or untriaged past their deadline (the triage queue's "overdue"). One grouped query."""
    lo, hi = bounds(period)
    now = timezone.now()
    due = Q(triaged_at__isnull=False) | Q(triage_deadline__lt=now)
    rows = (
        AbnormalityReport.objects.filter(
            reported_at__gte=lo, reported_at__lt=hi, **ids_filter("school_id", node_ids)
        )
        .filter(due)
        .values("school_id")
        .annotate(
            n=Count("pk"),
            k=Count("pk", filter=Q(triaged_at__isnull=False, triaged_at__lte=F("triage_deadline"))),
        )
    )
    return {r["school_id"]: (r["k"], r["n"]) for r in rows}


def _training_schools(training: Training) -> list[int]:
    return list(
        TrainingAttendance.objects.filter(training=training).values_list("school_id", flat=True).distinct()
    )


WATCHES = {
    "schoolwork.TrainingAttendance": lambda a: [a.school_id],
    "schoolwork.TrainingCertificate": lambda c: [c.school_id],
    "schoolwork.Training": _training_schools,  # a changed kind or semester moves its attendance
    "care.AbnormalityReport": lambda r: [r.school_id],
}
