"""The JSON API's authentication (session + CSRF, or a bearer token) and the routes about the caller
themself: who am I, and my API tokens (接口令牌).

A request is authenticated by the first scheme that accepts it:

1. ``Authorization: Bearer <token>`` — a token made with ``create_api_token`` or ``POST /api/tokens``. A
   presented token that is unknown, revoked or expired is refused with 401 at once; it never falls back to the
   session, so a client learns its token is dead.
2. The Django session cookie, with Django's CSRF check on unsafe methods (as ninja's ``django_auth``); a
   browser sends the cookie by itself, the CSRF token proves the page meant to.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.security.session import SessionAuth
from pydantic import field_validator

from access import tokens
from access.models import ApiToken
from access.policy import posts_of
from access.routes import policy
from org.models import User


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer xy_…``; the token's user becomes ``request.user`` (so the no-store middleware
    and everything else see the same person as ``request.auth``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User:
        user = tokens.user_for_token(token)
        if user is None:
            raise AuthenticationError
        request.user = user
        return user


bearer_auth = BearerTokenAuth()
session_auth: APIKeyCookie = SessionAuth(csrf=True)
# Token first: a request that carries a token needs no CSRF token (a browser never adds the header itself).
API_AUTH = [bearer_auth, session_auth]


# Ids the databases can hold (a bigger one is an overflow error in the driver, not a 404).
MAX_ID = 2**63 - 1


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined]


# --- schemas shared by the API routes -------------------------------------------------------------------------


class NodeRef(Schema):
    id: int
    name: str
    kind: str


class ClassRef(Schema):
    id: int
    name: str
    grade: int


class PostOut(Schema):
    role: str
    role_label: str
    node: NodeRef
    school_class: ClassRef | None
    full_time: bool
    title: str
    valid_from: dt.date
    valid_to: dt.date | None


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    posts: list[PostOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The token's first 8 characters, to tell tokens apart")
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Refreshed at most once a minute")
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    usable: bool


class TokenCreateIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: dt.datetime | None = Field(
        None,
        description="When it stops working; omit for the longest allowed (XINYU_API_TOKEN_DAYS, 90 days by default)",
    )

    @field_validator("expires_at")
    @classmethod
    def in_the_future(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None:
            return None
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        if value <= timezone.now():
            raise ValueError("expires_at must be in the future")
        if value > timezone.now() + tokens.max_lifetime():
            raise ValueError(f"a token lives at most {tokens.max_lifetime().days} days")
        return value


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and never stored.")


def token_out(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "usable": tokens.is_usable(token),
    }


# --- routes ---------------------------------------------------------------------------------------------------

router = Router(tags=["me"])


@router.get("/me", response=MeOut, url_name="api_me", summary="Who am I: my posts (岗位)")
@policy(None, "self", "the caller's own account and posts")
def me(request: HttpRequest) -> dict:
    user = caller(request)
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": str(user),
        "posts": [
            {
                "role": p.role,
                "role_label": str(p.get_role_display()),
                "node": p.node,
                "school_class": p.school_class,
                "full_time": p.full_time,
                "title": p.title,
                "valid_from": p.valid_from,
                "valid_to": p.valid_to,
            }
            for p in posts_of(user)
        ],
    }


@router.get("/tokens", response=list[TokenOut], url_name="api_token_list", summary="My API tokens")
@policy(None, "self", "the caller's own tokens")
def list_tokens(request: HttpRequest) -> list[dict]:
    user = caller(request)
    own = ApiToken.objects.filter(user=user).select_related("user").order_by("-created_at")
    return [token_out(t) for t in own]


# Only a signed-in browser session may make a token: a stolen token must not be able to mint itself a successor.
@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    auth=session_auth,
    url_name="api_token_create",
    summary="Make an API token (shown once)",
)
@policy(None, "self", "makes a token for the caller; session only")
def create_token(request: HttpRequest, payload: TokenCreateIn) -> Status[dict]:
    user = caller(request)
    token, plaintext = tokens.create_token(
        user=user, name=payload.name, expires_at=payload.expires_at, actor=user, request=request
    )
    return Status(201, {**token_out(token), "token": plaintext})


@router.delete(
    "/tokens/{token_id}", response={204: None}, url_name="api_token_revoke", summary="Revoke one of my tokens"
)
@policy(None, "self", "revokes one of the caller's own tokens; another's is 404")
def revoke_token(request: HttpRequest, token_id: int = Path(..., ge=1, le=MAX_ID)) -> Status[None]:
    user = caller(request)
    token = ApiToken.objects.select_related("user").filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    tokens.revoke_token(token=token, actor=user, request=request)
    return Status(204, None)
