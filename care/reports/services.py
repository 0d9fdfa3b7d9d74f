"""Writes of abnormality reports (学生异常情况报告, R2.3): file a report, triage it, escalate a late triage.

A report is T3 (what the reporter saw is clinical): stored encrypted, shown only to the psychological teachers
who triage it. The reporter is told only "received" or "handled" (issue 4 Rules).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import roles_of, visible_students
from access.tiers import Tier
from care.alerts import deadlines
from care.alerts.services import _school_of, notify, stage_recipients
from care.cases.services import CASE_LEVELS, open_or_update_case
from care.models import (
    AbnormalityReport,
    AlertStage,
    Case,
    CaseSource,
    ReportCategory,
    ReportUrgency,
    TriageOutcome,
)
from org.models import Role, SchoolClass, Student, User

# Who may file a report: any staff member of the student's school (DESIGN.md: "any staff member").
REPORTING_ROLES = frozenset({Role.TEACHER, Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
TRIAGE_ROLES = frozenset({Role.PSYCH_TEACHER})

# Triage deadlines by urgency (settings XINYU_REPORT_TRIAGE_DEADLINES overrides): urgent within 15 minutes day
# and night (as a red alert), "today" within 2 school hours, "this week" within 2 school days (2 × 9.5 h).
DEFAULT_TRIAGE_DEADLINES: dict[str, dict] = {
    ReportUrgency.URGENT: {"minutes": 15, "clock": "wall"},
    ReportUrgency.HIGH: {"minutes": 120, "clock": "school"},
    ReportUrgency.NORMAL: {"minutes": 1140, "clock": "school"},
}
OBSERVED_MAX = 4000


class ReportError(ValueError):
    """Bad input to a report or a triage: the message is for the user (translated)."""


def triage_rule(urgency: str) -> dict:
    table = {**DEFAULT_TRIAGE_DEADLINES, **getattr(settings, "XINYU_REPORT_TRIAGE_DEADLINES", {})}
    return table[urgency]


def may_report(user: User) -> bool:
    return bool(roles_of(user) & REPORTING_ROLES)


def may_triage(user: User) -> bool:
    return bool(roles_of(user) & TRIAGE_ROLES)


def reportable_students(user: User):
    """The students ``user`` may report on: T1 students of their school reached through a staff post. A plain
    teacher's T1 is name and class only, which is all the report form shows."""
    if not may_report(user):
        return Student.objects.none()
    return visible_students(user, Tier.T1)


def file_report(
    *,
    reporter: User,
    student_id: int,
    category: str,
    observed: str,
    urgency: str,
    key: str,
    now: dt.datetime | None = None,
) -> tuple[AbnormalityReport, bool]:
    """报告 — a staff member reports a student's abnormal state. The class teacher and the psychological
    teachers (school and the student's campus) are told at once. Idempotent per (reporter, key): a second
    submit of the same form returns the first report. Returns ``(report, created)``.

    A student outside the reporter's school is ``Student.DoesNotExist`` (the view answers 404: no leak)."""
    if not may_report(reporter):
        raise PermissionDenied
    student = reportable_students(reporter).get(pk=student_id)
    if any("\x00" in (v or "") for v in (category, observed, urgency, key)):
        raise ReportError(
            _("Please check the form.")
        )  # a NUL cannot be stored (PostgreSQL) and is never typed
    observed = (observed or "").strip()
    if category not in ReportCategory.values:
        raise ReportError(_("Choose what kind of concern it is."))
    if urgency not in ReportUrgency.values:
        raise ReportError(_("Choose how urgent it is."))
    if not observed:
        raise ReportError(_("Write in a few words what you saw."))
    if len(observed) > OBSERVED_MAX:
        raise ReportError(_("Please keep what you saw under %(n)d characters.") % {"n": OBSERVED_MAX})
    key = (key or "").strip()[:64]
    if not key:
        raise ReportError(_("The form has expired: please open it again."))
    existing = AbnormalityReport.objects.filter(reporter=reporter, key=key).first()
    if existing is not None:
        return existing, False
    school = _school_of(student)
    if school is None:
        raise ReportError(_("This student is not enrolled at a school now."))
    now = now or timezone.now()
    report = AbnormalityReport(
        student=student,
        school=school,
        reporter=reporter,
        key=key,
        category=category,
        observed=observed,
        urgency=urgency,
        reported_at=now,
        triage_deadline=deadlines.due(triage_rule(urgency), now),
    )
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            _tell_on_file(report, now)
            audit.record(
                actor=reporter,
                action="care.report.create",
                obj=report,
                student_id=student.pk,
                detail={"category": category, "urgency": urgency},
            )
    except IntegrityError:  # the same form submitted twice at once: the other request stored it
        return AbnormalityReport.objects.get(reporter=reporter, key=key), False
    return report, True


def _class_teacher_of(student: Student) -> User | None:
    cls = (
        SchoolClass.objects.filter(enrollments__student=student, enrollments__status="active")
        .select_related("class_teacher")
        .first()
    )
    return cls.class_teacher if cls else None


def _tell_on_file(report: AbnormalityReport, now: dt.datetime) -> None:
    """R2.3: the class teacher and the psychological teachers are told at once (no clinical text in it)."""
    psych = stage_recipients(school=report.school, student=report.student, stage=AlertStage.PSYCH_TEACHERS)
    subject = _("A concern was reported about %(name)s (%(urgency)s)") % {
        "name": report.student.name,
        "urgency": report.get_urgency_display(),
    }
    notify(
        users=psych,
        kind="care.report",
        subject=subject,
        url=reverse("care:report_detail", args=[report.pk]),
        key=f"care.report:{report.pk}",
        email=True,
        now=now,
    )
    teacher = _class_teacher_of(report.student)
    if teacher is not None and teacher.pk != report.reporter_id and teacher not in psych:
        notify(
            users=[teacher],
            kind="care.report",
            subject=subject,
            url=reverse("org:student_detail", args=[report.student_id]),
            key=f"care.report:{report.pk}",
            email=True,
            now=now,
        )


def triage_report(
    *,
    report: AbnormalityReport,
    by: User,
    outcome: str,
    note: str = "",
    level: str = "",
    now: dt.datetime | None = None,
) -> AbnormalityReport:
    """研判 — a psychological teacher decides: no action, watch, or open a case (joining the student's open case
    if there is one, source "report"). Once triaged a report is not triaged again."""
    if not may_triage(by) or not visible_students(by, Tier.T3).filter(pk=report.student_id).exists():
        raise PermissionDenied
    if outcome not in TriageOutcome.values:
        raise ReportError(_("Choose what happens next."))
    if outcome == TriageOutcome.CASE and level not in CASE_LEVELS:
        raise ReportError(_("A case needs a level: red, orange or yellow."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = AbnormalityReport.objects.select_for_update().get(pk=report.pk)
        if locked.triaged_at is not None:
            raise ReportError(_("This report has already been triaged."))
        case: Case | None = None
        if outcome == TriageOutcome.CASE:
            case, _created = open_or_update_case(
                student=locked.student,
                level=level,
                source_type=CaseSource.REPORT,
                source_id=str(locked.pk),
                actor=by,
                reason=note,
                now=now,
            )
            from care.cases.services import confirm_case_level

            confirm_case_level(case, by, note, now)
        locked.outcome, locked.triage_note, locked.case = outcome, note.strip(), case
        locked.triaged_by, locked.triaged_at = by, now
        locked.save(update_fields=["outcome", "triage_note", "case", "triaged_by", "triaged_at"])
        audit.record(
            actor=by,
            action="care.report.triage",
            obj=locked,
            student_id=locked.student_id,
            detail={"outcome": outcome, "case": case.pk if case else None},
        )
    return locked


def escalate_late_triage(*, now: dt.datetime | None = None) -> int:
    """A report not triaged by its deadline goes to the school leader (once, with the leader notified; the
    timer of ``care.alerts.tasks.escalate_alerts`` runs this). Returns how many were escalated."""
    now = now or timezone.now()
    moved = 0
    late = AbnormalityReport.objects.filter(
        triaged_at__isnull=True, escalated_at__isnull=True, triage_deadline__lte=now
    ).select_related("school", "student")
    for report in late[:500]:
        with transaction.atomic():
            if not AbnormalityReport.objects.filter(pk=report.pk, escalated_at__isnull=True).update(
                escalated_at=now
            ):
                continue  # another timer got it
            leaders = stage_recipients(
                school=report.school, student=report.student, stage=AlertStage.SCHOOL_LEADER
            )
            notify(
                users=leaders,
                kind="care.report.late",
                subject=_("A concern reported at %(at)s has not been triaged in time")
                % {"at": timezone.localtime(report.reported_at).strftime("%m-%d %H:%M")},
                url=reverse("care:report_queue"),
                key=f"care.report.late:{report.pk}",
                email=True,
                now=now,
            )
            audit.record(
                actor=None,
                action="care.report.escalate",
                obj=report,
                student_id=report.student_id,
                detail={"to": int(AlertStage.SCHOOL_LEADER), "urgency": report.urgency},
            )
        moved += 1
    return moved
