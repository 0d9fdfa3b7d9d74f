"""Writes of partner institutions (合作机构) and referrals (转介; issue 4 item 7, R13). Keyword-only, policy first,
one transaction, audited without clinical text; bad input raises ``PathwayError`` (care.plans.services). Nothing
reaches an institution before the guardians' consent is recorded."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from access import audit
from care.alerts.services import notify
from care.models import (
    Case,
    CaseStatus,
    Institution,
    InstitutionKind,
    InstitutionMember,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from care.plans.services import PathwayError, clean_text, locked_case, require_open, require_writer
from care.referrals import selectors
from org.models import Node, Role, User
from xinyu.web.orgadmin.services import NewAccount, OrgAdminError, appoint


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
    name = clean_text(name, pgettext("of a thing", "Name"), required=True, max_length=100)
    if kind not in InstitutionKind.values:
        raise PathwayError(_("Choose the kind of institution."))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            inst = Institution.objects.create(
                district=district, name=name, kind=kind, address=clean_text(address, _("Address"), max_length=200),
                phone=clean_text(phone, _("Phone"), max_length=40), created_by=by, created_at=now,
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


def add_new_clinician(
    *, by: User, institution: Institution, account: NewAccount, now: dt.datetime | None = None
) -> User:
    """A clinician's account in one step (issue 18 build 1): a new login with an institution-clinician post at the
    institution's district (through the organisation service, which asks the policy and keeps its rules) and
    membership of ``institution``. All or nothing."""
    _require_registry_keeper(by, institution.district)
    with transaction.atomic():
        try:
            post = appoint(
                by=by, node=institution.district, role=Role.INSTITUTION_CLINICIAN, new_account=account,
                title=institution.name[:60],
            )  # fmt: skip
        except OrgAdminError as exc:
            raise PathwayError(exc.message) from None
        InstitutionMember.objects.create(
            institution=institution, user=post.user, added_at=now or timezone.now()
        )
        audit.record(
            actor=by, action="care.institution.member", obj=institution, detail={"user": post.user_id}
        )
    return post.user


def _move(referral: Referral, to: str, by: User, now: dt.datetime) -> None:
    ReferralEvent.objects.create(referral=referral, before=referral.status, after=to, at=now, actor=by)
    referral.status, referral.status_at = to, now


def _check_consent(consent_by: str, consent_on: dt.date | None, consent_via: str, now: dt.datetime) -> tuple:
    consent_by = clean_text(consent_by, _("Consent given by"), required=True, max_length=50)
    consent_via = clean_text(consent_via, _("Consent given how"), required=True, max_length=50)
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
    require_writer(by, case)
    now = now or timezone.now()
    reason = clean_text(reason, _("Reason"), required=True)
    shared = clean_text(shared, _("Shared with the institution"))
    if institution is None or not selectors.institutions_for_case(case).filter(pk=institution.pk).exists():
        raise PathwayError(_("Choose a partner institution of the school's district."))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
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
    require_writer(by, referral.case)
    now = now or timezone.now()
    consent = _check_consent(consent_by, consent_on, consent_via, now)
    with transaction.atomic():
        case = locked_case(referral.case)
        require_open(case)
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
    require_writer(by, referral.case)
    now = now or timezone.now()
    if to not in SCHOOL_MOVES:
        raise PathwayError(_("This step cannot be recorded here."))
    if to == ReferralStatus.APPOINTMENT and appointment_at is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Appointment at")})
    if to == ReferralStatus.RETURNED:
        support_plan = clean_text(support_plan, _("Support plan at school"), required=True)
    with transaction.atomic():
        case = locked_case(referral.case)
        require_open(case)
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
    feedback = clean_text(feedback, _("Feedback"), required=True)
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
