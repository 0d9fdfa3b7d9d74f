"""统一身份认证 — single sign-on with a city's or district's identity provider (issue 18 build 2; R5.3, R14).

Two protocols, each off by default and switched on by settings (docs/deploy.md, "Single sign-on"):
- **OpenID Connect** (mozilla-django-oidc, authorization-code flow, RS256 ID tokens checked against the
  provider's JWKS): ``XINYU_OIDC_*``;
- **CAS** 2.0/3.0 (django-cas-ng's client, ``serviceValidate``): ``XINYU_CAS_*``.

The one mapping rule (``match_user``): the configured claim (OIDC, ``XINYU_OIDC_CLAIM``) or attribute (CAS,
``XINYU_CAS_ATTRIBUTE``; the CAS user by default) must equal the configured field (``username``, ``phone`` or
``email``) of exactly one EXISTING active account. Single sign-on never creates an account, a post or anything
else: a subject without an account is refused (a Chinese page, ``sso:refused``) and audited as
``auth.sso_refused``. Posts still come only from the organisation pages and imports.

After the provider, a user whose role needs two factors still gives Xinyu's second factor
(``XINYU_SSO_ASKS_SECOND_FACTOR``, on by default), through the same pending step as the password login.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from access import audit
from org.models import User

USER_FIELDS = ("username", "phone", "email")
REFUSED = "xinyu_sso_refused"  # session key: why the last single sign-on was refused


def oidc_enabled() -> bool:
    return bool(getattr(settings, "XINYU_OIDC_ENABLED", False))


def cas_enabled() -> bool:
    return bool(getattr(settings, "XINYU_CAS_ENABLED", False))


def _field(name: str) -> str:
    field = getattr(settings, name, "username") or "username"
    if field not in USER_FIELDS:  # a typo must not match on an unexpected column
        raise SuspiciousOperation(f"{name} must be one of {USER_FIELDS}")
    return field


def oidc_setting(attr: str, *default):
    """mozilla-django-oidc's ``OIDC_*`` settings, read from ``XINYU_OIDC_*`` at each request (so a deployment, or
    a test, sets one family of names)."""
    x = lambda name, fallback="": getattr(settings, f"XINYU_OIDC_{name}", fallback)  # noqa: E731
    mapped = {
        "OIDC_RP_CLIENT_ID": x("CLIENT_ID"),
        "OIDC_RP_CLIENT_SECRET": x("CLIENT_SECRET"),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": x("AUTHORIZATION_ENDPOINT"),
        "OIDC_OP_TOKEN_ENDPOINT": x("TOKEN_ENDPOINT"),
        "OIDC_OP_USER_ENDPOINT": x("USERINFO_ENDPOINT"),
        "OIDC_OP_JWKS_ENDPOINT": x("JWKS_ENDPOINT") or None,
        "OIDC_RP_SIGN_ALGO": x("SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": x("SCOPES", "openid profile"),
        "OIDC_CREATE_USER": False,  # never: see match_user
        "OIDC_USE_PKCE": True,
        "OIDC_TIMEOUT": x("TIMEOUT", 10),
        "OIDC_AUTHENTICATION_CALLBACK_URL": "sso:oidc_callback",
        "LOGIN_REDIRECT_URL_FAILURE": "sso:refused",
        "LOGIN_REDIRECT_URL": settings.LOGIN_REDIRECT_URL,
    }
    if attr in mapped:
        return mapped[attr]
    if hasattr(settings, attr):
        return getattr(settings, attr)
    if default:
        return default[0]
    raise SuspiciousOperation(f"setting {attr} is not configured")


def refuse(request: HttpRequest | None, protocol: str, why: str, detail: dict) -> None:
    """Audit a refused single sign-on and note why for the refusal page."""
    if request is not None and hasattr(request, "session"):
        request.session[REFUSED] = why
    audit.record(
        actor=None,
        action="auth.sso_refused",
        request=request,
        detail={"protocol": protocol, "why": why, **detail},
    )


def match_user(
    *, request: HttpRequest | None, protocol: str, name: str, value: str, field: str
) -> User | None:
    """The one existing active account whose ``field`` equals ``value`` (the provider's claim ``name``), or None
    — refused and audited. Nothing is ever created."""
    value = (value or "").strip()
    detail = {"claim": name, "value": value[:150], "field": field}
    if not value:
        refuse(request, protocol, "no_claim", detail)
        return None
    lookup = {f"{field}__iexact" if field == "email" else field: value}
    users = list(User.objects.filter(**lookup)[:2])
    if len(users) != 1:
        refuse(request, protocol, "unknown" if not users else "ambiguous", detail)
        return None
    if not users[0].is_active:
        refuse(request, protocol, "inactive", detail)
        return None
    return users[0]


# --- OpenID Connect ----------------------------------------------------------------------------------------------


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, mapped to existing accounts only (``match_user``). Listed in
    ``AUTHENTICATION_BACKENDS`` always; answers nothing while ``XINYU_OIDC_ENABLED`` is off."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        if oidc_enabled():
            super().__init__(*args, **kwargs)
        else:
            self.UserModel = User

    def authenticate(self, request, **kwargs):
        if not oidc_enabled() or request is None or "code" not in request.GET:
            return None
        if not hasattr(self, "OIDC_OP_TOKEN_ENDPOINT"):  # switched on after this backend was made
            self.__init__()
        return super().authenticate(request, **kwargs)

    def verify_claims(self, claims) -> bool:
        return True  # a missing claim is refused (and audited) by match_user

    def filter_users_by_claims(self, claims):
        name = getattr(settings, "XINYU_OIDC_CLAIM", "preferred_username") or "preferred_username"
        user = match_user(
            request=getattr(self, "request", None),
            protocol="oidc",
            name=name,
            value=str(claims.get(name, "")),
            field=_field("XINYU_OIDC_USER_FIELD"),
        )
        if user is None:
            return User.objects.none()
        return User.objects.filter(pk=user.pk)

    def create_user(self, claims):  # OIDC_CREATE_USER is False; this is the second lock
        raise SuspiciousOperation("single sign-on never creates an account")


# --- CAS ---------------------------------------------------------------------------------------------------------


class CASBackend(ModelBackend):
    """A CAS ticket checked with django-cas-ng's client (python-cas), mapped by ``match_user``. Only the
    ``sso:cas_login`` view passes a ticket."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not cas_enabled() or not ticket or not service:
            return None
        from django_cas_ng.utils import get_cas_client

        client = get_cas_client(service_url=service, request=request)
        username, attributes, _pgtiou = client.verify_ticket(ticket)
        attribute = getattr(settings, "XINYU_CAS_ATTRIBUTE", "")
        if not username:
            refuse(request, "cas", "bad_ticket", {})
            return None
        value = str((attributes or {}).get(attribute, "")) if attribute else username
        return match_user(
            request=request,
            protocol="cas",
            name=attribute or "cas:user",
            value=value,
            field=_field("XINYU_CAS_USER_FIELD"),
        )


# --- CAS single logout (issue 18) --------------------------------------------------------------------------------
#
# Signing out at the CAS server ends the Xinyu session its ticket opened: the server POSTs a SAML
# ``<samlp:LogoutRequest>`` with the ticket as ``<samlp:SessionIndex>`` to the service address (``sso:cas_login``).
# The session keeps a digest of its ticket and the cache maps the digest to the account; the account's login
# sessions (``access.models.LoginSession``) holding that digest are ended. Nothing else is ended: a password login
# of the same person on another device stays.

CAS_TICKET = "xinyu_cas_ticket"  # session key: the digest of the CAS ticket that opened this session
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"


def _ticket_digest(ticket: str) -> str:
    import hashlib

    return hashlib.sha256(ticket.encode()).hexdigest()


def remember_cas_ticket(request: HttpRequest, user: User, ticket: str) -> None:
    """Note which CAS ticket opened this session (before the login, which keeps the session's data)."""
    from django.core.cache import cache

    digest = _ticket_digest(ticket)
    request.session[CAS_TICKET] = digest
    limit = int(getattr(settings, "XINYU_SESSION_MAX_SECONDS", 12 * 3600))
    cache.set(f"sso:cas:{digest}", user.pk, timeout=limit)


def logout_tickets(logout_request: str) -> list[str]:
    """The tickets a CAS ``LogoutRequest`` names (an unreadable body names none). No entities, no network."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(logout_request.encode(), parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return []
    found = root.findall(f".//{{{SAMLP}}}SessionIndex")
    return [(e.text or "").strip() for e in found if (e.text or "").strip()][:10]


def cas_single_logout(logout_request: str, request: HttpRequest | None = None) -> int:
    """End the Xinyu sessions opened by the tickets of a CAS ``LogoutRequest``; returns how many were ended."""
    from importlib import import_module

    from django.core.cache import cache

    from access.models import LoginSession

    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    for ticket in logout_tickets(logout_request):
        digest = _ticket_digest(ticket)
        user_id = cache.get(f"sso:cas:{digest}")
        if user_id is None:
            continue
        for row in LoginSession.objects.filter(user_id=user_id):
            session = engine.SessionStore(session_key=row.session_key)
            if session.get(CAS_TICKET) == digest:
                session.delete()
                row.delete()
                ended += 1
        cache.delete(f"sso:cas:{digest}")
        user = User.objects.filter(pk=user_id).first()
        audit.record(
            actor=user, action="auth.sso_logout", obj=user, request=request, detail={"protocol": "cas"}
        )
    return ended
