"""更正 — corrections of identity and contact data (PIPL Art. 46; issue 8 item 6; docs/privacy.md).

A guardian asks for their child (name, gender, birth date) or for themselves (name, mobile phone); a student of 14
or more asks for themselves (name, gender, birth date). The new value is checked by the roster's own field rules
(org.roster.fields: the same as an import) when asked and again when applied. The school leader or a
psychological teacher of the student's school applies it or refuses it with a reason. Every step is audited
(``privacy.correction.*``, without the values) and both sides are told (care.notify). The student number is not
corrected here: it is the national key, changed by the district's roster import.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import role_student_q
from access.tiers import Tier
from care.models import CorrectionField, CorrectionRequest, CorrectionStatus
from org.models import Guardian, GuardianLink, Post, Role, Student, User
from org.roster import fields

REVIEWER_ROLES = frozenset({Role.SCHOOL_LEADER, Role.PSYCH_TEACHER})
OWN_AGE = 14  # PIPL Art. 31: from 14 a minor decides on their own personal information
STUDENT_FIELDS = {
    CorrectionField.STUDENT_NAME,
    CorrectionField.STUDENT_GENDER,
    CorrectionField.STUDENT_BIRTH_DATE,
}
GUARDIAN_FIELDS = {CorrectionField.GUARDIAN_NAME, CorrectionField.GUARDIAN_PHONE}


class CorrectionError(Exception):
    pass


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def students_for(user: User) -> list[Student]:
    """The students whose data ``user`` may ask to correct: their children, or themselves from 14."""
    own = list(Student.objects.filter(guardian_links__guardian__user=user).order_by("name"))
    me = Student.objects.filter(user=user).first()
    if me is not None and _age(me.birth_date, timezone.localdate()) >= OWN_AGE:
        own.append(me)
    return own


def _clean(field: str, value: str) -> str:
    """The value as it would be stored, by the roster's rules; CorrectionError with the rule's message."""
    try:
        if field in {CorrectionField.STUDENT_NAME, CorrectionField.GUARDIAN_NAME}:
            return fields.name(value)
        if field == CorrectionField.STUDENT_GENDER:
            return fields.gender(value)
        if field == CorrectionField.STUDENT_BIRTH_DATE:
            return fields.birth_date(value, timezone.localdate()).isoformat()
        if field == CorrectionField.GUARDIAN_PHONE:
            return fields.phone(value, required=True)
    except fields.CellError as exc:
        raise CorrectionError(str(exc)) from None
    raise CorrectionError(_("Unknown field."))


def _current(field: str, student: Student, guardian: Guardian | None) -> str:
    match field:
        case CorrectionField.STUDENT_NAME:
            return student.name
        case CorrectionField.STUDENT_GENDER:
            return student.gender
        case CorrectionField.STUDENT_BIRTH_DATE:
            return student.birth_date.isoformat()
        case CorrectionField.GUARDIAN_NAME:
            return guardian.name if guardian else ""
        case CorrectionField.GUARDIAN_PHONE:
            return guardian.phone if guardian else ""
    return ""


def reviewers_of(student: Student) -> list[User]:
    enrollment = student.current_enrollment()
    if enrollment is None:
        return []
    posts = Post.objects.active().filter(
        role__in=REVIEWER_ROLES, node__path__startswith=enrollment.school.path
    )
    return [p.user for p in posts.select_related("user")]


def request_correction(
    *, user: User, student_id: int, field: str, new_value: str, note: str = "", request=None
):
    """Ask for a correction. Someone else's child (or a student under 14 asking for themselves) is 404; a value
    the roster rules refuse is a CorrectionError and nothing is stored."""
    from care.alerts.services import notify

    student = next((s for s in students_for(user) if s.pk == student_id), None)
    if student is None:
        raise Http404
    if field not in CorrectionField.values:
        raise CorrectionError(_("Unknown field."))
    guardian = None
    if field in GUARDIAN_FIELDS:
        link = (
            GuardianLink.objects.filter(guardian__user=user, student=student)
            .select_related("guardian")
            .first()
        )
        if link is None:
            raise CorrectionError(_("Only a guardian can correct a guardian's data."))
        guardian = link.guardian
    clean = _clean(field, new_value)
    old = _current(field, student, guardian)
    if clean == old:
        raise CorrectionError(_("That is already the recorded value."))
    with transaction.atomic():
        row = CorrectionRequest.objects.create(
            student=student, guardian=guardian, requested_by=user, field=field, old_value=old[:100],
            new_value=clean[:100], note=(note or "")[:300], created_at=timezone.now(),
        )  # fmt: skip
        audit.record(actor=user, action="privacy.correction.request", obj=row, student_id=student.pk,
                     request=request, detail={"field": field})  # fmt: skip
        notify(
            users=reviewers_of(student),
            kind="privacy.correction",
            subject=_("A correction of %(name)s's data is waiting for review") % {"name": student.name},
            url=reverse("care:correction_queue"),
            key=f"privacy.correction:{row.pk}",
        )
    return row


def reviewable(user: User):
    """The pending and decided requests about students of the user's school(s), as leader or psych teacher."""
    q = role_student_q(user, Tier.T1, REVIEWER_ROLES)
    return CorrectionRequest.objects.filter(student__in=Student.objects.filter(q)).select_related(
        "student", "guardian", "requested_by"
    )


def decide(*, user: User, pk: int, apply: bool, reason: str = "", request=None) -> CorrectionRequest:
    """Apply (through the same field rules, written to the org record) or refuse with a reason. Only a pending
    request of a student the user reviews (else 404); a refusal needs a reason; a phone another guardian already
    uses cannot be applied (the request stays pending, nothing changed)."""
    from care.alerts.services import notify

    with transaction.atomic():
        row = reviewable(user).select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            raise Http404
        if row.status != CorrectionStatus.PENDING:
            raise CorrectionError(_("This request has already been decided."))
        if not apply and not reason.strip():
            raise CorrectionError(_("Please give the reason for refusing."))
        if apply:
            value = _clean(row.field, row.new_value)
            try:
                with transaction.atomic():
                    _write(row, value)
            except IntegrityError:
                raise CorrectionError(_("Another guardian already has this mobile phone number.")) from None
        row.status = CorrectionStatus.APPLIED if apply else CorrectionStatus.REFUSED
        row.decided_by, row.decided_at = user, timezone.now()
        row.refusal_reason = "" if apply else reason.strip()[:300]
        row.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
        audit.record(
            actor=user, action=f"privacy.correction.{'apply' if apply else 'refuse'}", obj=row,
            student_id=row.student_id, request=request, detail={"field": row.field},
        )  # fmt: skip
        subject = (
            _("Your correction request was applied")
            if apply
            else _("Your correction request was refused: %(reason)s") % {"reason": row.refusal_reason}
        )
        url = reverse("care:correction_new")
        notify(users=[row.requested_by], kind="privacy.correction", subject=subject, url=url,
               key=f"privacy.correction.decided:{row.pk}")  # fmt: skip
        notify(users=[user], kind="privacy.correction", subject=_("You decided a correction request"),
               url=reverse("care:correction_queue"), key=f"privacy.correction.decider:{row.pk}")  # fmt: skip
    return row


def _write(row: CorrectionRequest, value: str) -> None:
    match row.field:
        case CorrectionField.STUDENT_NAME:
            Student.objects.filter(pk=row.student_id).update(name=value, updated_at=timezone.now())
        case CorrectionField.STUDENT_GENDER:
            Student.objects.filter(pk=row.student_id).update(gender=value, updated_at=timezone.now())
        case CorrectionField.STUDENT_BIRTH_DATE:
            Student.objects.filter(pk=row.student_id).update(
                birth_date=dt.date.fromisoformat(value), updated_at=timezone.now()
            )
        case CorrectionField.GUARDIAN_NAME:
            Guardian.objects.filter(pk=row.guardian_id).update(name=value)
        case CorrectionField.GUARDIAN_PHONE:
            Guardian.objects.filter(pk=row.guardian_id).update(phone=value)
