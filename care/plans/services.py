"""Writes of plans, guardian contacts, partner institutions and referrals (issue 4 items 5–7; R12, R13).

Keyword-only, policy first (a write outside the writer's scope is ``PermissionDenied``; the views have already
answered 404 for what the user cannot see), one transaction, audited without clinical text. Bad input raises
:class:`PathwayError` with a message for the user and changes nothing. A closed case's plan, contacts and
referrals are frozen.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care.alerts.services import notify
from care.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ContactChannel,
    GuardianContact,
    Institution,
    InstitutionKind,
    InstitutionMember,
    Plan,
    PlanAction,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from care.plans import selectors
from org.models import Node, User

TEXT_MAX = 4000


class PathwayError(Exception):
    """Bad input a user can cause: shown to them, nothing changed."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _require_writer(user: User, case: Case) -> None:
    if not selectors.may_write(user, case):
        raise PermissionDenied


def _require_open(case: Case) -> None:
    if not case.is_open:
        raise PathwayError(
            _("This case is closed: its plan, contacts and referrals can no longer be changed."), 409
        )


def _text(value: str, label: str, *, required: bool = False, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise PathwayError(
            _("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": max_length}
        )
    return value


def _locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("school").get(pk=case.pk)


# --- Plans (干预方案) ------------------------------------------------------------------------------------------


def _plan_for_update(case: Case, by: User, now: dt.datetime) -> Plan:
    plan, _created = Plan.objects.select_for_update().get_or_create(
        case=case, defaults={"created_by": by, "created_at": now, "updated_by": by, "updated_at": now}
    )
    return plan


def _save_plan(plan: Plan, by: User, now: dt.datetime, fields: list[str], action: str, detail: dict) -> Plan:
    plan.updated_by, plan.updated_at = by, now
    plan.save(update_fields=[*fields, "updated_by", "updated_at"])
    audit.record(actor=by, action=action, obj=plan, student_id=plan.case.student_id, detail=detail)
    return plan


def save_goals(
    *, case: Case, by: User, goals: str, review_on: dt.date | None, now: dt.datetime | None = None
) -> Plan:
    """The plan's goals and its next review date (R12)."""
    _require_writer(by, case)
    now = now or timezone.now()
    goals = _text(goals, _("Goals"), required=True)
    if review_on is not None and review_on < timezone.localdate(now):
        raise PathwayError(_("The review date cannot be in the past."))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        plan = _plan_for_update(case, by, now)
        plan.goals, plan.review_on = goals, review_on
        return _save_plan(
            plan, by, now, ["goals", "review_on"], "care.plan.goals",
            {"case": case.pk, "review_on": review_on.isoformat() if review_on else None},
        )  # fmt: skip


SAFETY_PARTS = ("warning_signs", "coping_steps", "people_and_places", "professionals", "safe_environment")


def save_safety_plan(*, case: Case, by: User, parts: dict[str, str], now: dt.datetime | None = None) -> Plan:
    """安全计划 — warning signs, coping steps, people and places, professionals and hotlines, making the
    environment safe (T3, encrypted). At least one part must be written."""
    _require_writer(by, case)
    now = now or timezone.now()
    labels = {f: str(Plan._meta.get_field(f).verbose_name) for f in SAFETY_PARTS}
    cleaned = {f: _text(parts.get(f, ""), labels[f]) for f in SAFETY_PARTS}
    if not any(cleaned.values()):
        raise PathwayError(_("Write at least one part of the safety plan."))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        plan = _plan_for_update(case, by, now)
        for f, v in cleaned.items():
            setattr(plan, f, v)
        filled = sorted(f for f, v in cleaned.items() if v)
        return _save_plan(
            plan, by, now, list(SAFETY_PARTS), "care.plan.safety", {"case": case.pk, "parts": filled}
        )


def record_agreement(
    *,
    case: Case,
    by: User,
    agreed_on: dt.date | None,
    meeting: str,
    agreed_with: str,
    now: dt.datetime | None = None,
) -> Plan:
    """家长同意 — the guardians agreed the plan: at which meeting, on which date, who took part (R12)."""
    _require_writer(by, case)
    now = now or timezone.now()
    meeting = _text(meeting, _("Meeting"), required=True, max_length=100)
    agreed_with = _text(agreed_with, _("Who took part"), required=True, max_length=200)
    if agreed_on is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Agreed on")})
    if agreed_on > timezone.localdate(now):
        raise PathwayError(_("The agreement cannot be dated in the future."))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        plan = _plan_for_update(case, by, now)
        if not plan.goals:
            raise PathwayError(_("Write the plan's goals before recording the guardians' agreement."))
        plan.agreed_on, plan.agreement_meeting, plan.agreed_with = agreed_on, meeting, agreed_with
        CaseEvent.objects.create(case=case, kind=CaseEventKind.NOTE, at=now, actor=by, after="plan.agreed")
        return _save_plan(
            plan, by, now, ["agreed_on", "agreement_meeting", "agreed_with"], "care.plan.agree",
            {"case": case.pk, "agreed_on": agreed_on.isoformat()},
        )  # fmt: skip


def add_action(
    *,
    case: Case,
    by: User,
    text: str,
    owner: User | None,
    due_on: dt.date | None,
    now: dt.datetime | None = None,
) -> PlanAction:
    """An action of the plan with its owner and due date; the owner is told at once and it lands on their home
    page ("my tasks")."""
    _require_writer(by, case)
    now = now or timezone.now()
    text = _text(text, _("Action"), required=True, max_length=500)
    if owner is None or not selectors.owner_choices(case).filter(pk=owner.pk).exists():
        raise PathwayError(_("Choose an owner from the staff of the student's school."))
    if due_on is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Due on")})
    if due_on < timezone.localdate(now):
        raise PathwayError(_("The due date cannot be in the past."))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        plan = _plan_for_update(case, by, now)
        action = PlanAction.objects.create(
            plan=plan, text=text, owner=owner, due_on=due_on, created_by=by, created_at=now
        )
        audit.record(
            actor=by, action="care.task.add", obj=action, student_id=case.student_id,
            detail={"case": case.pk, "owner": owner.pk, "due_on": due_on.isoformat()},
        )  # fmt: skip
        notify(
            users=[owner], kind="care.task", subject=_("A task of an intervention plan was given to you"),
            url=reverse("care:my_tasks"), key=f"care.task.{action.pk}.assigned", now=now,
        )  # fmt: skip
    return action


def complete_action(*, action: PlanAction, by: User, now: dt.datetime | None = None) -> PlanAction:
    """Mark an action done — its owner or the school's psychological teacher. Done twice changes nothing."""
    case = action.plan.case
    if action.owner_id != by.pk and not selectors.may_write(by, case):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        action = PlanAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is None:
            action.done_at, action.done_by = now, by
            action.save(update_fields=["done_at", "done_by"])
            audit.record(
                actor=by,
                action="care.task.done",
                obj=action,
                student_id=case.student_id,
                detail={"case": case.pk},
            )
    return action


def send_task_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the owners of open actions due tomorrow or today, and again once overdue, and the case's owner of a
    plan's review date — each reminder once (notify's key). Run by Celery beat (CELERY_BEAT_SCHEDULE "care-task-reminders"). Returns reminders written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    due = (
        PlanAction.objects.filter(done_at__isnull=True, due_on__lte=today + dt.timedelta(days=1))
        .exclude(plan__case__status=CaseStatus.CLOSED)
        .select_related("owner")
    )
    url = reverse("care:my_tasks")
    for action in due:
        if action.due_on < today:
            key, subject = f"care.task.{action.pk}.overdue", _("A task of an intervention plan is overdue")
        else:
            key, subject = f"care.task.{action.pk}.due", _("A task of an intervention plan is due soon")
        with transaction.atomic():
            sent += notify(users=[action.owner], kind="care.task", subject=subject, url=url, key=key, now=now)
    # Review dates (复查): the case's owner is reminded the day before, once per review date.
    reviews = (
        Plan.objects.filter(review_on__isnull=False, review_on__lte=today + dt.timedelta(days=1))
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__owner")
    )
    for plan in reviews:
        if plan.case.owner is None:
            continue
        with transaction.atomic():
            sent += notify(
                users=[plan.case.owner], kind="care.plan", subject=_("An intervention plan is due for review"),
                url=reverse("care:plan", args=[plan.case_id]), key=f"care.plan.{plan.pk}.review.{plan.review_on}",
                now=now,
            )  # fmt: skip
    return sent


# --- Guardian contacts (家校联系) -------------------------------------------------------------------------------


def log_contact(
    *,
    case: Case,
    by: User,
    channel: str,
    at: dt.datetime | None,
    guardian_name: str,
    reached: bool,
    outcome: str,
    now: dt.datetime | None = None,
) -> GuardianContact:
    """One contact with the guardians: channel, time, who, whether they were reached, outcome (T3, encrypted).
    The school's psychological teacher or the student's class teacher logs it."""
    if not selectors.contact_cases(by).filter(pk=case.pk).exists() or not (
        selectors.may_write(by, case) or _is_class_teacher_of(by, case)
    ):
        raise PermissionDenied
    now = now or timezone.now()
    if channel not in ContactChannel.values:
        raise PathwayError(_("Choose how the guardians were contacted."))
    if at is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("When")})
    if at > now + dt.timedelta(minutes=5):
        raise PathwayError(_("A contact cannot be in the future."))
    guardian_name = _text(guardian_name, _("Guardian contacted"), required=True, max_length=50)
    outcome = _text(outcome, _("Outcome"))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        if at < case.opened_at - dt.timedelta(days=1):
            raise PathwayError(_("This contact is dated before the case was opened."))
        contact = GuardianContact.objects.create(
            case=case, channel=channel, at=at, by=by, guardian_name=guardian_name, reached=reached,
            outcome=outcome, created_at=now,
        )  # fmt: skip
        audit.record(
            actor=by, action="care.contact.add", obj=contact, student_id=case.student_id,
            detail={"case": case.pk, "channel": channel, "reached": reached},
        )  # fmt: skip
    return contact


def _is_class_teacher_of(user: User, case: Case) -> bool:
    from access.policy import role_student_q
    from access.tiers import Tier
    from org.models import Role, Student

    return Student.objects.filter(
        role_student_q(user, Tier.T2, {Role.CLASS_TEACHER}), pk=case.student_id
    ).exists()


# --- Partner institutions (合作机构) ----------------------------------------------------------------------------


def _require_registry_keeper(user: User, district: Node) -> None:
    if district.pk not in {d.pk for d in selectors.managed_districts(user)}:
        raise PermissionDenied


def add_institution(
    *,
    by: User,
    district: Node,
    name: str,
    kind: str,
    address: str = "",
    phone: str = "",
    now: dt.datetime | None = None,
) -> Institution:
    """Add a partner institution to the district's registry (R13) — the district administrator."""
    _require_registry_keeper(by, district)
    name = _text(name, _("Name"), required=True, max_length=100)
    if kind not in InstitutionKind.values:
        raise PathwayError(_("Choose the kind of institution."))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            inst = Institution.objects.create(
                district=district, name=name, kind=kind, address=_text(address, _("Address"), max_length=200),
                phone=_text(phone, _("Phone"), max_length=40), created_by=by, created_at=now,
            )  # fmt: skip
            audit.record(actor=by, action="care.institution.add", obj=inst, detail={"district": district.pk})
    except IntegrityError:
        raise PathwayError(_("This district already has an institution of that name.")) from None
    return inst


def set_institution_active(*, by: User, institution: Institution, active: bool) -> Institution:
    """Withdraw an institution from the registry (its clinicians lose its referrals) or bring it back."""
    _require_registry_keeper(by, institution.district)
    with transaction.atomic():
        institution.is_active = active
        institution.save(update_fields=["is_active"])
        audit.record(actor=by, action="care.institution.active", obj=institution, detail={"active": active})
    return institution


def add_clinician(
    *, by: User, institution: Institution, user: User | None, now: dt.datetime | None = None
) -> None:
    """Make ``user`` (who holds an institution-clinician post) a clinician of ``institution``."""
    _require_registry_keeper(by, institution.district)
    if user is None or not selectors.clinician_choices().filter(pk=user.pk).exists():
        raise PathwayError(_("Choose a user with an institution clinician post."))
    with transaction.atomic():
        _m, created = InstitutionMember.objects.get_or_create(
            institution=institution, user=user, defaults={"added_at": now or timezone.now()}
        )
        if created:
            audit.record(
                actor=by, action="care.institution.member", obj=institution, detail={"user": user.pk}
            )


# --- Referrals (转介) -----------------------------------------------------------------------------------------


def _move(referral: Referral, to: str, by: User, now: dt.datetime) -> None:
    ReferralEvent.objects.create(referral=referral, before=referral.status, after=to, at=now, actor=by)
    referral.status, referral.status_at = to, now


def _check_consent(consent_by: str, consent_on: dt.date | None, consent_via: str, now: dt.datetime) -> tuple:
    consent_by = _text(consent_by, _("Consent given by"), required=True, max_length=50)
    consent_via = _text(consent_via, _("Consent given how"), required=True, max_length=50)
    if consent_on is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Consent given on")})
    if consent_on > timezone.localdate(now):
        raise PathwayError(_("The consent cannot be dated in the future."))
    return consent_by, consent_on, consent_via


def propose_referral(
    *,
    case: Case,
    by: User,
    institution: Institution | None,
    reason: str,
    shared: str = "",
    urgent: bool = False,
    now: dt.datetime | None = None,
) -> Referral:
    """拟转介 — propose a referral of the case's student to a partner institution of the district, with the
    reason and what the school chooses to share (T3, encrypted). Nothing reaches the institution before the
    guardians' consent is recorded and the referral is sent."""
    _require_writer(by, case)
    now = now or timezone.now()
    reason = _text(reason, _("Reason"), required=True)
    shared = _text(shared, _("Shared with the institution"))
    if institution is None or not selectors.institutions_for_case(case).filter(pk=institution.pk).exists():
        raise PathwayError(_("Choose a partner institution of the school's district."))
    with transaction.atomic():
        case = _locked_case(case)
        _require_open(case)
        referral = Referral.objects.create(
            case=case, student_id=case.student_id, school_id=case.school_id, institution=institution,
            urgent=urgent, reason=reason, shared=shared, status=ReferralStatus.PROPOSED, status_at=now,
            proposed_by=by, proposed_at=now,
        )  # fmt: skip
        ReferralEvent.objects.create(referral=referral, after=ReferralStatus.PROPOSED, at=now, actor=by)
        audit.record(
            actor=by, action="care.referral.propose", obj=referral, student_id=case.student_id,
            detail={"case": case.pk, "institution": institution.pk, "urgent": urgent},
        )  # fmt: skip
    return referral


# The moves the school makes, from → to. The clinician's feedback is ``post_feedback``.
SCHOOL_MOVES: dict[str, set[str]] = {
    ReferralStatus.SENT: {ReferralStatus.CONSENTED},
    ReferralStatus.APPOINTMENT: {ReferralStatus.SENT},
    ReferralStatus.SEEN: {ReferralStatus.SENT, ReferralStatus.APPOINTMENT},
    ReferralStatus.RETURNED: {ReferralStatus.SEEN, ReferralStatus.FEEDBACK},
    ReferralStatus.CANCELLED: {ReferralStatus.PROPOSED, ReferralStatus.CONSENTED, ReferralStatus.SENT,
                               ReferralStatus.APPOINTMENT},
}  # fmt: skip


def record_consent(
    *,
    referral: Referral,
    by: User,
    consent_by: str,
    consent_on: dt.date | None,
    consent_via: str,
    now: dt.datetime | None = None,
) -> Referral:
    """监护人同意 — the guardians' consent to the referral: who, when, how. Without it, nothing is stored."""
    _require_writer(by, referral.case)
    now = now or timezone.now()
    consent = _check_consent(consent_by, consent_on, consent_via, now)
    with transaction.atomic():
        case = _locked_case(referral.case)
        _require_open(case)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.status != ReferralStatus.PROPOSED:
            raise PathwayError(_("The guardians' consent is recorded on a proposed referral only."), 409)
        referral.consent_by, referral.consent_on, referral.consent_via = consent
        _move(referral, ReferralStatus.CONSENTED, by, now)
        referral.save()
        audit.record(
            actor=by, action="care.referral.consent", obj=referral, student_id=referral.student_id,
            detail={"case": case.pk, "consent_on": consent[1].isoformat()},
        )  # fmt: skip
    return referral


def move_referral(
    *,
    referral: Referral,
    by: User,
    to: str,
    appointment_at: dt.datetime | None = None,
    support_plan: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    """The school moves a referral one step: sent (only with the guardians' consent recorded; the case becomes
    "referred"), appointment (with its date), seen, back at school (with the support plan; the case goes on to
    "monitoring" when no other referral is under way), or cancelled. Each move is a ReferralEvent, audited."""
    _require_writer(by, referral.case)
    now = now or timezone.now()
    if to not in SCHOOL_MOVES:
        raise PathwayError(_("This step cannot be recorded here."))
    if to == ReferralStatus.APPOINTMENT and appointment_at is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Appointment at")})
    if to == ReferralStatus.RETURNED:
        support_plan = _text(support_plan, _("Support plan at school"), required=True)
    with transaction.atomic():
        case = _locked_case(referral.case)
        _require_open(case)
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if to == ReferralStatus.SENT and not (referral.consent_on and referral.consent_by):
            raise PathwayError(_("A referral cannot be sent without the guardians' recorded consent."), 409)
        if referral.status not in SCHOOL_MOVES[to]:
            raise PathwayError(
                _("A referral that is “%(now)s” cannot move to “%(to)s”.")
                % {"now": referral.get_status_display(), "to": ReferralStatus(to).label},
                409,
            )
        _move(referral, to, by, now)
        if to == ReferralStatus.APPOINTMENT:
            referral.appointment_at = appointment_at
        if to == ReferralStatus.RETURNED:
            referral.support_plan = support_plan
        referral.save()
        if to == ReferralStatus.SENT and case.status != CaseStatus.REFERRED:
            _case_status(case, CaseStatus.REFERRED, by, now, _("Referral #%(pk)s sent") % {"pk": referral.pk})
        elif to in (ReferralStatus.RETURNED, ReferralStatus.CANCELLED) and case.status == CaseStatus.REFERRED:
            busy = case.referrals.filter(status__in=selectors.AT_INSTITUTION).exclude(pk=referral.pk).exists()
            if not busy:
                after = CaseStatus.MONITORING if to == ReferralStatus.RETURNED else CaseStatus.INTERVENING
                _case_status(
                    case,
                    after,
                    by,
                    now,
                    _("Referral #%(pk)s: %(step)s") % {"pk": referral.pk, "step": ReferralStatus(to).label},
                )
        audit.record(
            actor=by, action="care.referral.move", obj=referral, student_id=referral.student_id,
            detail={"case": case.pk, "to": to},
        )  # fmt: skip
    return referral


def _case_status(case: Case, status: str, by: User, now: dt.datetime, reason: str) -> None:
    from care.cases.services import change_status

    change_status(case=case, status=status, by=by, reason=reason, now=now)
    case.status = status


def post_feedback(*, referral: Referral, by: User, feedback: str, now: dt.datetime | None = None) -> Referral:
    """The institution's clinician posts feedback (T3, encrypted) on a referral sent to their institution; the
    referral moves to "feedback received" and the school's psychological teachers are told. Another
    institution's clinician is refused and nothing changes."""
    if not selectors.is_member(by, referral.institution):
        raise PermissionDenied
    now = now or timezone.now()
    feedback = _text(feedback, _("Feedback"), required=True)
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("case").get(pk=referral.pk)
        if referral.status not in (ReferralStatus.SENT, ReferralStatus.APPOINTMENT, ReferralStatus.SEEN):
            raise PathwayError(_("Feedback can be posted once the referral is with your institution."), 409)
        referral.feedback, referral.feedback_by, referral.feedback_at = feedback, by, now
        _move(referral, ReferralStatus.FEEDBACK, by, now)
        referral.save()
        audit.record(
            actor=by, action="care.referral.feedback", obj=referral, student_id=referral.student_id,
            detail={"institution": referral.institution_id},
        )  # fmt: skip
        owner = referral.case.owner
        notify(
            users=[owner] if owner else [], kind="care.referral", url=reverse("care:referral", args=[referral.pk]),
            subject=_("A partner institution posted feedback on a referral"),
            key=f"care.referral.{referral.pk}.feedback", now=now,
        )  # fmt: skip
    return referral
