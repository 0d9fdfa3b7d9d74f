"""Writes of the access app (HackSoft style: keyword-only, typed; views and the API call these)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access import audit
from access.models import BreakGlassGrant
from access.policy import BREAK_GLASS_ROLES, roles_of
from org.models import Student, User

BREAK_GLASS_MIN_REASON = 10  # characters; a Chinese sentence that says why is longer than this
BREAK_GLASS_MAX_MINUTES = 8 * 60  # one school day at most; a longer need is a referral, not break-glass

# Sent after the grant is committed, with grant=…; issue 8 connects the school leader's notice here.
break_glass_granted = Signal()


def request_break_glass(
    *,
    user: User,
    student: Student,
    reason: str,
    minutes: int = 60,
    request: HttpRequest | None = None,
) -> BreakGlassGrant:
    """破窗访问 — open a student's T3/T4 data outside one's scope for ``minutes``, with a stated reason.

    DESIGN.md (Access): a stated reason, time-limited, logged, the school leader notified, reviewed. The
    reason is stored encrypted; the audit event records who, which student, when, from where and for how long.
    """
    if not (roles_of(user) & BREAK_GLASS_ROLES):
        raise PermissionDenied(_("Your role cannot use break-glass access."))
    reason = (reason or "").strip()
    if len(reason) < BREAK_GLASS_MIN_REASON:
        raise ValidationError(
            _("State the reason for break-glass access in at least %(n)d characters."),
            code="reason_too_short",
            params={"n": BREAK_GLASS_MIN_REASON},
        )
    if not 1 <= minutes <= BREAK_GLASS_MAX_MINUTES:
        raise ValidationError(
            _("Break-glass access lasts between 1 and %(max)d minutes."),
            code="bad_duration",
            params={"max": BREAK_GLASS_MAX_MINUTES},
        )
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            user=user,
            student=student,
            reason=reason,
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        audit.record(
            actor=user,
            action="break_glass.grant",
            obj=grant,
            student_id=student.pk,
            request=request,
            detail={"minutes": minutes, "expires_at": grant.expires_at.isoformat()},
        )
        transaction.on_commit(lambda: break_glass_granted.send(sender=BreakGlassGrant, grant=grant))
    return grant


def review_break_glass(
    *, grant: BreakGlassGrant, by: User, note: str = "", now: dt.datetime | None = None
) -> None:
    """复核 — close a grant in the review queue: the reviewer (the school leader of the student) has looked at
    why the glass was broken and what was read. Reviewing twice changes nothing."""
    from access.selectors import may_review_break_glass

    if not may_review_break_glass(by, grant):
        raise PermissionDenied(_("Only the student's school leader reviews this break-glass access."))
    if grant.reviewed_at is not None:
        return
    now = now or timezone.now()
    with transaction.atomic():
        updated = BreakGlassGrant.objects.filter(pk=grant.pk, reviewed_at__isnull=True).update(
            reviewed_by=by, reviewed_at=now
        )
        if updated:
            audit.record(
                actor=by,
                action="break_glass.review",
                obj=grant,
                student_id=grant.student_id,
                detail={"grant": grant.pk, "note": bool(note.strip())},
                reason=note.strip()[:500],
            )
