"""Writes of guardian contacts (家校联系; issue 4 item 6, R12 joint prevention with parents). Keyword-only, policy
first, one transaction, audited without clinical text; bad input raises ``PathwayError`` (care.plans.services)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care.contacts import selectors
from care.models import Case, ContactChannel, GuardianContact
from care.plans import selectors as plan_selectors
from care.plans.services import PathwayError, clean_text, locked_case, require_open
from org.models import User


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
        plan_selectors.may_write(by, case) or _is_class_teacher_of(by, case)
    ):
        raise PermissionDenied
    now = now or timezone.now()
    if channel not in ContactChannel.values:
        raise PathwayError(_("Choose how the guardians were contacted."))
    if at is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("When")})
    if at > now + dt.timedelta(minutes=5):
        raise PathwayError(_("A contact cannot be in the future."))
    guardian_name = clean_text(guardian_name, _("Guardian contacted"), required=True, max_length=50)
    outcome = clean_text(outcome, _("Outcome"))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
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
