"""API bearer tokens (接口令牌): create, look up, revoke.

Only the SHA-256 digest of a token is stored, with its first 8 characters so a user can tell their tokens
apart; the plaintext is shown once, when it is made. Every token expires (docs/security.md 2.10, issue 19
finding 11): after ``XINYU_API_TOKEN_DAYS`` (90) days unless an earlier time is asked for, never later. A
looked-up token refreshes ``last_used_at`` at most once a minute, so a busy client does not write on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from access import audit
from access.models import ApiToken
from org.models import User

# A recognisable prefix lets secret scanners (and people) spot a leaked Xinyu token.
TOKEN_PREFIX = "xy_"
PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def max_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.XINYU_API_TOKEN_DAYS)


def digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    *,
    user: User,
    name: str,
    expires_at: dt.datetime | None = None,
    actor: Any = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for ``user``; return it with its plaintext, which is never stored or shown again.

    ``actor`` is who asked for it (``None`` from the command line is recorded as the system). The creation is an
    audit event (DESIGN.md: every change is recorded). Without ``expires_at`` the token lives
    ``XINYU_API_TOKEN_DAYS`` days; a later ``expires_at`` is refused with ``ValueError`` (docs/security.md
    2.10)."""
    now = timezone.now()
    latest = now + max_lifetime()
    if expires_at is None:
        expires_at = latest
    elif expires_at > latest:
        raise ValueError(f"a token lives at most {settings.XINYU_API_TOKEN_DAYS} days")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[:PREFIX_LENGTH],
        digest=digest(plaintext),
        expires_at=expires_at,
    )
    audit.record(
        actor=actor,
        action="api_token.create",
        obj=token,
        request=request,
        detail={"user": user.pk, "name": name, "expires_at": expires_at.isoformat()},
    )
    return token, plaintext


def revoke_token(*, token: ApiToken, actor: Any = None, request: HttpRequest | None = None) -> ApiToken:
    """Revoke ``token`` (idempotent). The row stays, so the audit trail and the token list still show it."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor, action="api_token.revoke", obj=token, request=request, detail={"user": token.user_id}
        )
    return token


def is_usable(token: ApiToken, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return token.revoked_at is None and token.expires_at > now and token.user.is_active


def user_for_token(plaintext: str) -> User | None:
    """The active user a presented token belongs to, or ``None`` if it is unknown, revoked or expired."""
    if not plaintext or len(plaintext) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(digest=digest(plaintext)).first()
    now = timezone.now()
    if token is None or not is_usable(token, now):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    """``user``'s own tokens, newest first, revoked and expired ones too (the account page shows their state)."""
    own = list(ApiToken.objects.filter(user=user).select_related("user").order_by("-created_at", "-pk"))
    now = timezone.now()
    for token in own:
        token.usable = is_usable(token, now)
    return own


def own_token(user: User, pk: int) -> ApiToken | None:
    """One of ``user``'s own tokens, or ``None`` (someone else's token is not theirs to see)."""
    return ApiToken.objects.select_related("user").filter(pk=pk, user=user).first()
