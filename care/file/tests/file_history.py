"""Test and benchmark helper: years of a student's history for the file (一人一档) — per school year a
screening (PHQ-A and GAD-7 results), a confirmed level, an alert and a case with its history. Screening rows
are made through the app registry (care may not import screening)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from care.file.timeline import SHANGHAI
from care.models import (
    AbnormalityReport,
    Alert,
    Case,
    CaseEvent,
    CrisisStep,
    Disclosure,
    FollowUp,
    GuardianContact,
    Institution,
    LevelRecord,
    Plan,
    PlanAction,
    Referral,
    ReferralEvent,
)
from org.models import Node, SchoolYear, Student, User

LEVELS = ["yellow", "orange", "red", "none"]


def school_year(start: int) -> SchoolYear:
    year, _ = SchoolYear.objects.get_or_create(
        start_year=start,
        defaults={"starts_on": dt.date(start, 9, 1), "ends_on": dt.date(start + 1, 8, 31)},
    )
    return year


def add_year(
    student: Student,
    school: Node,
    start: int,
    *,
    organiser: Node,
    by: User | None = None,
    current: bool = False,
) -> None:
    """One school year of history, dated in the autumn term of ``start``."""
    model = apps.get_model
    at = dt.datetime(start, 10, 15, 9, 0, tzinfo=SHANGHAI)
    campaign = model("screening", "Campaign").objects.create(
        organiser=organiser, school_year=school_year(start), name=f"{start} 秋季测评", starts_at=at,
        ends_at=at + dt.timedelta(days=14), status="closed",
    )  # fmt: skip
    assignment = model("screening", "Assignment").objects.create(
        campaign=campaign, student=student, school=school, grade=5, needs_consent=False
    )
    total = 6 + (start % 7)
    for order, (inst, score, band) in enumerate((("phq-a", total, "mild"), ("gad-7", total - 2, "mild"))):
        response = model("screening", "Response").objects.create(
            assignment=assignment, instrument_id=inst, instrument_version="1.0", order=order,
            submitted_at=at + dt.timedelta(minutes=10 * order), status="submitted",
        )  # fmt: skip
        model("screening", "Result").objects.create(
            response=response, instrument_id=inst, instrument_version="1.0", valid=True,
            scores={"total": score}, bands={"total": band}, level="yellow", computed_at=at,
        )  # fmt: skip
    level = LEVELS[start % len(LEVELS)]
    if current:
        LevelRecord.objects.filter(student=student, is_current=True).update(is_current=False)
    LevelRecord.objects.create(
        student=student, level=level if level != "none" else "yellow", reasons=[], note="谈话后确认",
        source_type="screening.review", school=school, confirmed_by=by, confirmed_at=at + dt.timedelta(days=3),
        is_current=current,
    )  # fmt: skip
    Alert.objects.create(
        student=student, school=school, level="orange", reasons=[], source_type="file.test",
        source_id=f"{student.pk}-{start}", raised_at=at + dt.timedelta(hours=1),
        acknowledged_by=by, acknowledged_at=at + dt.timedelta(hours=2),
    )  # fmt: skip
    case = Case.objects.create(
        student=student, school=school, level="orange", owner=by, source_type="screening",
        opened_by=by, opened_at=at + dt.timedelta(days=3), status="closed", closed_by=by,
        closed_at=at + dt.timedelta(days=60), summary="个案摘要",
    )  # fmt: skip
    for i, (kind, before, after) in enumerate(
        (("opened", "", "orange"), ("status", "open", "intervening"), ("closed", "intervening", "closed"))
    ):
        CaseEvent.objects.create(
            case=case, kind=kind, at=at + dt.timedelta(days=3 + 20 * i), actor=by, before=before, after=after,
            reason="第二阶段访谈" if i == 1 else "",
        )  # fmt: skip
    pathway(case, at + dt.timedelta(days=5), by=by)
    if by is not None:
        report = AbnormalityReport.objects.create(
            student=student, school=school, reporter=by, key=f"{student.pk}-{start}", category="emotion",
            observed="课间哭泣", urgency="high", reported_at=at - dt.timedelta(days=1),
            triage_deadline=at, outcome="case", triage_note="开案", triaged_by=by, triaged_at=at, case=case,
        )  # fmt: skip
        assert report.pk
    CrisisStep.objects.create(
        case=case,
        kind="accompanied",
        due_at=at + dt.timedelta(days=3),
        done_at=at + dt.timedelta(days=3),
        done_by=by,
    )
    CrisisStep.objects.create(
        case=case, kind="referral", due_at=at + dt.timedelta(days=4), skipped_at=at + dt.timedelta(days=4),
        skipped_reason="无需紧急转介",
    )  # fmt: skip
    FollowUp.objects.create(
        case=case, due_on=(at + dt.timedelta(days=30)).date(), done_at=at + dt.timedelta(days=30), done_by=by,
        outcome="情绪平稳", level="yellow",
    )  # fmt: skip
    Disclosure.objects.create(
        case=case, department="health", recipient="区卫健委", legal_basis="未成年人保护法", shared="姓名、风险等级",
        disclosed_at=at + dt.timedelta(days=6), recorded_by=by, recorded_at=at + dt.timedelta(days=6),
    )  # fmt: skip


def build_history(student: Student, school: Node, *, years: int, last: int, organiser: Node, by=None) -> None:
    """``years`` school years of history ending with the school year starting in ``last``."""
    for start in range(last - years + 1, last + 1):
        add_year(student, school, start, organiser=organiser, by=by, current=start == last)


def pathway(case: Case, at: dt.datetime, *, by: User | None) -> None:
    """A plan agreed with the guardians (one action), a guardian contact and a referral with feedback."""
    plan = Plan.objects.create(
        case=case, goals="恢复规律作息", warning_signs="失眠", review_on=(at + dt.timedelta(days=30)).date(),
        agreed_on=(at + dt.timedelta(days=1)).date(), agreement_meeting="家长会谈", agreed_with="母亲",
        created_by=by, created_at=at, updated_by=by, updated_at=at,
    )  # fmt: skip
    if by is not None:
        PlanAction.objects.create(
            plan=plan, text="每周谈话", owner=by, due_on=(at + dt.timedelta(days=7)).date(), created_by=by,
            created_at=at,
        )  # fmt: skip
    GuardianContact.objects.create(
        case=case, channel="phone", at=at + dt.timedelta(hours=2), by=by, guardian_name="母亲", reached=True,
        outcome="家长同意配合", created_at=at,
    )  # fmt: skip
    district = case.school.parent
    institution, _ = Institution.objects.get_or_create(
        district=district, name="安定医院", defaults={"kind": "hospital", "created_at": at}
    )
    referral = Referral.objects.create(
        case=case, student=case.student, school=case.school, institution=institution, reason="持续低落",
        status="returned", status_at=at + dt.timedelta(days=20), consent_by="母亲",
        consent_on=(at + dt.timedelta(days=2)).date(), feedback="门诊随访", feedback_at=at + dt.timedelta(days=15),
        proposed_by=by, proposed_at=at + dt.timedelta(days=1),
    )  # fmt: skip
    steps = ["proposed", "consented", "sent", "appointment", "seen", "feedback", "returned"]
    for i, (before, after) in enumerate(zip(["", *steps[:-1]], steps, strict=True)):
        ReferralEvent.objects.create(
            referral=referral, before=before, after=after, at=at + dt.timedelta(days=1 + 3 * i), actor=by
        )
