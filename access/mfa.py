"""双因素认证 — the second factor: TOTP (RFC 6238, ``pyotp``) and one-time recovery codes (issue 8, R5.3; OWASP
ASVS V2.7/V2.8; 等保 level 3 "两种或两种以上组合的鉴别技术").

Who must have one: every user with a post in ``MFA_ROLES`` (the staff roles with T3/T4 access and the
administrators) and every superuser, while ``settings.XINYU_MFA_REQUIRED`` is on (the default everywhere). A user
who enrolled without needing to is asked too. Other apps (the 三权分立 roles) extend ``MFA_ROLES`` — it is the one
set to change.

The login view (access.auth_views) checks the password, keeps the *pending* user id in the session for
``XINYU_MFA_PENDING_SECONDS`` and calls ``django.contrib.auth.login`` only after the second factor passed, so a
session is never logged in on the password alone. The secret is encrypted at rest (access.crypto); recovery codes
are stored as SHA-256 digests. Wrong codes count against the same throttle as wrong passwords (access.throttle);
a TOTP code is accepted once (``SecondFactor.last_step``).

Audit actions: ``auth.mfa_enrolled``, ``auth.mfa_failed``, ``auth.mfa_recovery_used``,
``auth.mfa_recovery_codes_renewed``, ``auth.mfa_reset``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access import audit, throttle
from access.models import LoginSession, RecoveryCode, SecondFactor
from access.policy import roles_of
from org.models import Role, User

# The roles that must log in with a second factor: T3/T4 access and administration. Extend here (one constant).
MFA_ROLES: set[str] = {
    Role.PSYCH_TEACHER,
    Role.SCHOOL_LEADER,
    Role.DISTRICT_COUNSELOR,
    Role.INSTITUTION_CLINICIAN,
    Role.DISTRICT_ADMIN,
    Role.CITY_ADMIN,
}
for _extra in ("SECURITY_ADMIN", "SYSTEM_ADMIN"):  # 三权分立 roles, where they exist
    if hasattr(Role, _extra):
        MFA_ROLES.add(getattr(Role, _extra))

RECOVERY_CODES = 10
ISSUER = "Xinyu 心育"
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper


def required(user: User) -> bool:
    """Must ``user`` pass a second factor to log in? (R5.3: staff with T3/T4 access and administrators)"""
    if not getattr(settings, "XINYU_MFA_REQUIRED", True):
        return False
    return bool(user.is_superuser or roles_of(user) & MFA_ROLES)


def factor_of(user: User) -> SecondFactor | None:
    """The user's confirmed authenticator, or None."""
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def asks_second_factor(user: User) -> bool:
    return required(user) or factor_of(user) is not None


# --- TOTP ---------------------------------------------------------------------------------------------------


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step (±1 for clock drift) whose code is ``code``, or None."""
    totp = _totp(secret)
    t = int(now // totp.interval)
    for step in (t, t - 1, t + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def current_code(secret: str, now: float | None = None) -> str:
    """The code an authenticator shows now (the demo's ``totp_code`` command, tests)."""
    return _totp(secret).at(time.time() if now is None else now)


def start_enrolment(user: User) -> SecondFactor:
    """An enrolment in progress: a fresh secret, or the one already shown if the user reloads the page."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is not None and factor.confirmed_at is None:
        return factor
    if factor is not None:
        raise ValueError("already enrolled; reset the second factor first")
    return SecondFactor.objects.create(user=user, secret=pyotp.random_base32())


def provisioning_uri(factor: SecondFactor) -> str:
    return _totp(factor.secret).provisioning_uri(name=factor.user.get_username(), issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline ``<svg>`` markup (CSP: no data: URI, no script)."""
    import segno

    return segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _digest(user_id: int, code: str) -> str:
    return hashlib.sha256(f"xinyu-recovery:{user_id}:{_normalise(code)}".encode()).hexdigest()


def _new_codes(user: User) -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))  # ≈ 49 bits each
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=_digest(user.pk, c)) for c in codes])
    return codes


@transaction.atomic
def confirm_enrolment(*, user: User, code: str, request: HttpRequest | None = None) -> list[str] | None:
    """Confirm the authenticator with its first code; returns the recovery codes (shown once), or None if the
    code is wrong (counted like a wrong password)."""
    factor = SecondFactor.objects.select_for_update().get(user=user, confirmed_at__isnull=True)
    step = _matching_step(factor.secret, _normalise(code), time.time())
    if step is None:
        _failed(user, request, "enrol")
        return None
    factor.confirmed_at = timezone.now()
    factor.last_step = step
    factor.save(update_fields=["confirmed_at", "last_step"])
    codes = _new_codes(user)
    audit.record(actor=user, action="auth.mfa_enrolled", obj=factor, request=request)
    return codes


def _failed(user: User, request: HttpRequest | None, purpose: str) -> None:
    throttle.register_failure(user.get_username(), audit.client_address(request))
    audit.record(actor=user, action="auth.mfa_failed", request=request, detail={"for": purpose})


def wait_seconds(user: User, request: HttpRequest | None) -> int:
    """Seconds before this user may try a code again (the password throttle's count)."""
    return throttle.wait_seconds(user.get_username(), audit.client_address(request))


@transaction.atomic
def verify(*, user: User, code: str, request: HttpRequest | None = None, purpose: str = "login") -> str:
    """Check a TOTP code or a recovery code: ``"totp"``, ``"recovery"`` or ``""`` (refused, audited,
    counted). A TOTP code for a time step already used is refused (no replay); a recovery code works once."""
    code = _normalise(code)
    factor = SecondFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if factor is None:
        _failed(user, request, purpose)
        return ""
    if code.isdigit() and len(code) == 6:
        step = _matching_step(factor.secret, code, time.time())
        if step is not None and step > factor.last_step:
            factor.last_step = step
            factor.save(update_fields=["last_step"])
            return "totp"
    elif code:
        used = RecoveryCode.objects.filter(
            user=user, digest=_digest(user.pk, code), used_at__isnull=True
        ).update(used_at=timezone.now())
        if used:
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit.record(
                actor=user,
                action="auth.mfa_recovery_used",
                request=request,
                detail={"for": purpose, "left": left},
            )
            return "recovery"
    _failed(user, request, purpose)
    return ""


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


@transaction.atomic
def renew_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """New recovery codes (the old ones stop working); the caller has re-authenticated the user."""
    codes = _new_codes(user)
    audit.record(actor=user, action="auth.mfa_recovery_codes_renewed", request=request)
    return codes


@transaction.atomic
def reset(*, user: User, by: User, request: HttpRequest | None = None) -> None:
    """An administrator resets a user's second factor (lost phone and codes): the authenticator and codes are
    deleted, the user's sessions end, and their next login enrols again (audited as ``auth.mfa_reset``)."""
    SecondFactor.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    end_sessions(user)
    audit.record(actor=by, action="auth.mfa_reset", obj=user, request=request, detail={"user": user.pk})


# --- Sessions of a user --------------------------------------------------------------------------------------


def remember_session(user: User, session: SessionBase) -> None:
    """Note a new login session of ``user`` (called at every login)."""
    import datetime as dt

    if not session.session_key:
        session.save()
    LoginSession.objects.get_or_create(session_key=session.session_key, defaults={"user": user})
    # Rows of sessions past the absolute limit are gone anyway: forget them.
    limit = int(getattr(settings, "XINYU_SESSION_MAX_SECONDS", 12 * 3600))
    LoginSession.objects.filter(
        user=user, created_at__lt=timezone.now() - dt.timedelta(seconds=limit)
    ).delete()


def end_sessions(user: User | int, keep: str | None = None) -> int:
    """End every session of the user (but ``keep``) on any session backend; returns how many."""
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    user_id = user if isinstance(user, int) else user.pk
    rows = LoginSession.objects.filter(user_id=user_id)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        engine.SessionStore(session_key=key).delete()
    rows.delete()
    return len(keys)


# --- The demo (org.demo registers nothing itself: access plugs these in, see AccessConfig.ready) ---------------


def enrol_demo_users(users: list[User]) -> None:
    """seed_demo: every demo user who needs two factors gets a confirmed authenticator with a fresh secret
    (demo_logins prints it; ``manage.py totp_code`` shows the code while DEBUG is on)."""
    for user in users:
        if required(user) and not SecondFactor.objects.filter(user=user).exists():
            SecondFactor.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())


def demo_secrets(users: list[User]) -> dict[int, str]:
    rows = SecondFactor.objects.filter(user__in=users, confirmed_at__isnull=False)
    return {f.user_id: f.secret for f in rows}
