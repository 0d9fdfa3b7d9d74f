"""API bearer tokens (接口令牌): create, look up, revoke.

Only the SHA-256 digest of a token is stored, with its first 8 characters so a user can tell their tokens
apart; the plaintext is shown once, when it is made. A looked-up token refreshes ``last_used_at`` at most once a
minute, so a busy client does not write on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from access import audit
from access.models import ApiToken
from org.models import User

# A recognisable prefix lets secret scanners (and people) spot a leaked Xinyu token.
TOKEN_PREFIX = "xy_"
PREFIX_LENGTH = 8
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


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

    ``actor`` is who asked for it (``None`` from the command line is recorded as the system). The creation is an audit event (DESIGN.md: every change is recorded)."""
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
        detail={"user": user.pk, "name": name, "expires_at": expires_at.isoformat() if expires_at else None},
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
    return (
        token.revoked_at is None
        and (token.expires_at is None or token.expires_at > now)
        and token.user.is_active
    )


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
