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
from access.policy import BREAK_GLASS_ROLES, roles_of, within_break_glass_jurisdiction
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
    """紧急调阅 — open a student's T3/T4 data outside one's scope for ``minutes``, with a stated reason.

    DESIGN.md (Access): a stated reason, time-limited, logged, the school leader notified, reviewed. The
    reason is stored encrypted; the audit event records who, which student, when, from where and for how long.
    Only for a student of the user's own jurisdiction (``policy.break_glass_jurisdiction``); ``PermissionDenied``
    otherwise, audited as ``break_glass.refused``.
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
    # Issue 19 finding 11: only within one's own jurisdiction (the district of one's posts). A student elsewhere
    # is refused — on the trail as a refusal, no grant made, no leader told.
    if not within_break_glass_jurisdiction(user, student):
        audit.record(
            actor=user,
            action="break_glass.refused",
            student_id=student.pk,
            request=request,
            detail={"why": "outside_jurisdiction"},
        )
        raise PermissionDenied(
            _(
                "This student is not at a school of your district. Break-glass access is only for students in "
                "the district of your posts; ask that district's psychological counseling centre."
            )
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


# --- Security administration (安全管理员, issue 8 item 2: 三权分立) ------------------------------------------------


def _security_target(by: User, user: User) -> None:
    """The security administrator acts on staff accounts in their post's subtree, never on their own."""
    from access.selectors import security_accounts

    if not security_accounts(by).filter(pk=user.pk).exists():
        raise PermissionDenied(_("This account is not one you administer."))
    if user.pk == by.pk:
        raise PermissionDenied(_("You cannot change the security of your own account."))


def set_account_active(*, by: User, user: User, active: bool, request: HttpRequest | None = None) -> bool:
    """停用/启用账号 — disable or enable a staff account (a disabled account's sessions and API tokens stop working
    at their next request). Returns whether anything changed; audited either way it changes."""
    _security_target(by, user)
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if changed:
            audit.record(
                actor=by,
                action="security.account_enabled" if active else "security.account_disabled",
                obj=user,
                request=request,
                detail={"username": user.username},
            )
    user.is_active = active
    if changed and not active:  # the sessions are deleted, so enabling the account again brings none back
        from access import mfa

        mfa.end_sessions(user)
    return bool(changed)


def reset_second_factor(*, by: User, user: User, request: HttpRequest | None = None) -> None:
    """重置两步验证 — for a user who lost their phone and their recovery codes: the authenticator and codes are
    deleted, the user's sessions end, they enrol again at their next login (audited ``auth.mfa_reset``)."""
    from access import mfa

    _security_target(by, user)
    mfa.reset(user=user, by=by, request=request)


def unlock_login(*, by: User, user: User, request: HttpRequest | None = None) -> None:
    """解除登录限速 — lift the wait that failed logins put on an account (the address's count stays)."""
    from access import throttle

    _security_target(by, user)
    throttle.register_success(user.username)
    audit.record(
        actor=by,
        action="security.login_unlocked",
        obj=user,
        request=request,
        detail={"username": user.username},
    )
