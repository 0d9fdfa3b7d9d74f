"""Reads of abnormality reports. The triage queue starts from ``access.policy`` at T3 (psychological teachers
of the school or campus); the school leader sees the queue's late rows without what was reported; a reporter
sees their own reports' state only ("received" / "handled")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access.policy import roles_of, visible_students
from access.tiers import Tier
from care.models import AbnormalityReport
from org.models import Enrollment, EnrollmentStatus, Role, Student, User

QUEUE_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})


def may_see_queue(user: User) -> bool:
    return bool(roles_of(user) & QUEUE_ROLES)


def triage_queue(user: User) -> QuerySet[AbnormalityReport]:
    """Reports about the user's students: waiting ones first (nearest deadline first), then the handled ones.
    A psychological teacher sees their school's (or campus's) reports; a school leader sees only the reports
    escalated to them (triage late). Everyone else: nothing."""
    roles = roles_of(user)
    if Role.PSYCH_TEACHER in roles:
        students = visible_students(user, Tier.T3)
        qs = AbnormalityReport.objects.filter(student__in=students.values("pk"))
    elif Role.SCHOOL_LEADER in roles:
        qs = AbnormalityReport.objects.filter(
            student__in=visible_students(user, Tier.T2).values("pk"), escalated_at__isnull=False
        )
    else:
        return AbnormalityReport.objects.none()
    return qs.select_related("student", "reporter", "triaged_by").order_by(
        "triaged_at", "triage_deadline", "-reported_at", "-pk"
    )


def report_for_triage_or_none(user: User, pk: int) -> AbnormalityReport | None:
    """One report for its triage page: only a psychological teacher with T3 over the student."""
    if Role.PSYCH_TEACHER not in roles_of(user):
        return None
    return (
        AbnormalityReport.objects.filter(pk=pk, student__in=visible_students(user, Tier.T3).values("pk"))
        .select_related("student", "reporter", "triaged_by", "school", "case")
        .first()
    )


def my_reports(user: User) -> QuerySet[AbnormalityReport]:
    """The reports ``user`` filed. Only the state is shown (received / handled), never the outcome."""
    return (
        AbnormalityReport.objects.filter(reporter=user)
        .select_related("student")
        .only("pk", "student__name", "category", "urgency", "reported_at", "triaged_at", "student_id")
    )


@dataclass
class ReportCounts:
    waiting: int
    overdue: int


def waiting_counts(user: User, now: dt.datetime | None = None) -> ReportCounts:
    now = now or timezone.now()
    got = (
        triage_queue(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=Q(triaged_at__isnull=True)),
            overdue=Count("pk", filter=Q(triaged_at__isnull=True, triage_deadline__lt=now)),
        )
    )
    return ReportCounts(waiting=got["waiting"] or 0, overdue=got["overdue"] or 0)


def my_report_counts(user: User) -> tuple[int, int]:
    """(received and waiting, handled) of the user's own reports."""
    got = AbnormalityReport.objects.filter(reporter=user).aggregate(
        waiting=Count("pk", filter=Q(triaged_at__isnull=True)),
        handled=Count("pk", filter=Q(triaged_at__isnull=False)),
    )
    return got["waiting"] or 0, got["handled"] or 0


PICK_SHOWN = 20  # the picker's first answers; the report form says when there are more and offers them all


def matching_students(students: QuerySet[Student], query: str) -> QuerySet:
    """The quick student picker's matches: name or class contains ``query``; name and class only (a plain
    teacher's T1), as rows for :func:`picked_rows`."""
    # A name or a class name is short; a pasted page is not a search (SQLite refuses a long LIKE pattern).
    query = (query or "").replace("\x00", "").strip()[:50]
    if not query:
        return Enrollment.objects.none().values("student_id")
    return (
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, student__in=students.values("pk"))
        .filter(Q(student__name__icontains=query) | Q(school_class__name__icontains=query))
        .values("student_id", "student__name", "school_class__name")
        .order_by("student__name", "student_id")
    )


def picked_rows(rows: Iterable[dict]) -> list[dict]:
    return [
        {"pk": r["student_id"], "name": r["student__name"], "class_name": r["school_class__name"] or ""}
        for r in rows
    ]


def pick_students(students: QuerySet[Student], query: str, limit: int = PICK_SHOWN) -> list[dict]:
    """The first ``limit`` matches of the picker (the API's answer; a client asks a narrower question)."""
    return picked_rows(matching_students(students, query)[:limit])
