"""账号激活 — the first login of an imported account (issue 18 build 2; R5.3, R14).

A staff roster import makes accounts without a usable password. Their owner activates one in two ways:

- **SMS code** (短信验证码): on the activation page they type their username *and* the mobile number the school
  registered; a 6-digit code goes to that number through the registered code sender (care.channels registers its
  SMS provider layer, ``register_code_sender``: access imports no care). It lives ``XINYU_ACTIVATION_SMS_MINUTES``.
- **Activation slip** (激活单): an administrator who may import staff prints slips (xinyu.web.slips) with a
  12-character code that lives ``XINYU_ACTIVATION_SLIP_DAYS``; the administrator can also send an SMS code. A code an
  administrator issues works for any account (it is also how a forgotten password is re-issued); the self-service
  SMS code only for an account that has never had a password.

With a right code the owner chooses a password (Django's ``AUTH_PASSWORD_VALIDATORS``), then — for a role that
needs two factors (access.mfa.MFA_ROLES) — enrols an authenticator before the first page opens.

Guessing and SMS bombing, without letting a stranger lock the owner out:
- sending is throttled per account *and* per phone (scope ``activation-send``), counted only for requests that
  named the right phone — a stranger who does not know the number cannot use up the owner's sends; requests
  with a wrong username/phone pair count per client address only, and get the same neutral answer (no account
  enumeration);
- a code accepts at most ``MAX_TRIES`` wrong tries and then dies — the owner simply asks for a new one; wrong
  codes count per client address (scope ``activation-code``), never per account.

Codes are stored as HMAC-SHA256 digests keyed by ``SECRET_KEY`` (a 6-digit code would fall to a plain hash at
once). Audit actions: ``auth.activation_sent``, ``auth.activation_slips``, ``auth.activation_failed``,
``auth.activated``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit, mfa, throttle
from access.models import ActivationChannel, ActivationCode
from org.models import User

MAX_TRIES = 5
SLIP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper

throttle.SCOPES.setdefault(
    "activation-send",
    (
        "XINYU_ACTIVATION_SEND_THROTTLE",
        {
            # 3 codes at once, then 1, 2, 4 … minutes between codes (at most an hour), forgotten after a day.
            "account": {"free": 3, "base": 60, "cap": 3600, "window": 86400},
            "phone": {"free": 3, "base": 60, "cap": 3600, "window": 86400},
            "addr": {"free": 30, "base": 60, "cap": 3600, "window": 86400},
        },
    ),
)
throttle.SCOPES.setdefault(
    "activation-code",
    (
        "XINYU_ACTIVATION_CODE_THROTTLE",
        {"addr": {"free": 20, "base": 30, "cap": 900, "window": 3600}},
    ),
)

# --- The code sender (registered by a higher layer) -------------------------------------------------------------

CodeSender = Callable[[str, str, int], str]  # (phone, code, minutes valid) -> the provider's message id
_sender: list[CodeSender] = []


def register_code_sender(fn: CodeSender) -> None:
    """care.channels registers the SMS provider layer here (called from ``ready()``). ``fn`` raises on failure."""
    _sender[:] = [fn]


class ActivationError(Exception):
    """A refusal the user reads (Chinese by default); nothing was changed."""

    def __init__(self, message: str, *, wait: int = 0):
        super().__init__(message)
        self.message = message
        self.wait = wait


def sms_minutes() -> int:
    return int(getattr(settings, "XINYU_ACTIVATION_SMS_MINUTES", 10))


def slip_days() -> int:
    return int(getattr(settings, "XINYU_ACTIVATION_SLIP_DAYS", 14))


def _digest(user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"xinyu-activation:{user_id}:{normalise(code)}".encode(), hashlib.sha256).hexdigest()


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def mask_phone(phone: str) -> str:
    """``138****0001`` — enough for the owner to recognise, not enough for anyone else."""
    digits = phone.removeprefix("+86")
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"


def _minutes(seconds: int) -> int:
    return -(-seconds // 60)


def is_pending(user: User) -> bool:
    """Imported, never given a password: may ask for an SMS code on the activation page."""
    return user.is_active and not user.has_usable_password()


def _same_phone(a: str, b: str) -> bool:
    def digits(p: str) -> str:
        return "".join(ch for ch in p if ch.isdigit()).removeprefix("86")[-11:]

    return bool(a and b) and digits(a) == digits(b)


def _new_code(
    *, user: User, channel: str, code: str, lifetime: dt.timedelta, by: User | None, phone: str = ""
):
    now = timezone.now()
    return ActivationCode.objects.create(
        user=user,
        channel=channel,
        digest=_digest(user.pk, code),
        phone=phone,
        created_at=now,
        expires_at=now + lifetime,
        issued_by=by,
    )


def _send(*, user: User, by: User | None, request: HttpRequest | None) -> str:
    """Make a 6-digit code, send it to the user's phone, record it; the masked number."""
    if not _sender:
        raise ActivationError(
            _("SMS is not set up on this site. Ask your administrator for an activation slip.")
        )
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = sms_minutes()
    try:
        message_id = _sender[0](user.phone, code, minutes)
    except Exception as exc:  # the provider refused or timed out: nothing recorded but the audit line
        audit.record(
            actor=by,
            action="auth.activation_failed",
            obj=user,
            request=request,
            detail={"why": "sms_failed", "error": str(exc)[:200]},
        )
        raise ActivationError(_("The SMS could not be sent just now. Please try again in a minute.")) from exc
    _new_code(
        user=user,
        channel=ActivationChannel.SMS,
        code=code,
        lifetime=dt.timedelta(minutes=minutes),
        by=by,
        phone=user.phone,
    )
    audit.record(
        actor=by,
        action="auth.activation_sent",
        obj=user,
        request=request,
        detail={"channel": "sms", "phone": mask_phone(user.phone), "message_id": message_id},
    )
    return mask_phone(user.phone)


def request_sms_code(*, username: str, phone: str, request: HttpRequest | None = None) -> str:
    """Self-service (the activation page): send a code if ``username`` is a pending account whose registered
    phone is ``phone``. Returns the masked number either way (a wrong pair gets the same answer as a right one,
    so the page tells no one which accounts exist); raises ``ActivationError`` when the client must wait."""
    address = audit.client_address(request)
    username, phone = username.strip(), phone.strip()
    wait = throttle.wait_for("activation-send", {"addr": address})
    if wait:
        raise ActivationError(
            _("Too many requests. Please wait %(minutes)s minute(s) and try again.")
            % {"minutes": _minutes(wait)},
            wait=wait,
        )
    user = User.objects.filter(username=username).first()
    if user is None or not is_pending(user) or not _same_phone(user.phone, phone):
        throttle.fail("activation-send", {"addr": address})
        audit.record(
            actor=None,
            action="auth.activation_failed",
            request=request,
            detail={"why": "no_match", "username": username[:150]},
        )
        return mask_phone(phone)
    keys = {"account": str(user.pk), "phone": phone}
    wait = throttle.wait_for("activation-send", keys)
    if wait:
        raise ActivationError(
            _("A code was sent to this phone a moment ago. You can ask for another in %(minutes)s minute(s).")
            % {"minutes": _minutes(wait)},
            wait=wait,
        )
    masked = _send(user=user, by=None, request=request)
    throttle.fail("activation-send", {**keys, "addr": address})  # every send counts: a rate, not a failure
    return masked


def send_code_for(*, user: User, by: User, request: HttpRequest | None = None) -> str:
    """An administrator sends ``user`` an SMS code (re-issue); the caller checked the policy. The per-account and
    per-phone send limits hold for administrators too."""
    if not user.phone:
        raise ActivationError(_("%(name)s has no mobile number on file.") % {"name": user})
    keys = {"account": str(user.pk), "phone": user.phone}
    wait = throttle.wait_for("activation-send", keys)
    if wait:
        raise ActivationError(
            _("A code was sent to this phone a moment ago. You can ask for another in %(minutes)s minute(s).")
            % {"minutes": _minutes(wait)},
            wait=wait,
        )
    masked = _send(user=user, by=by, request=request)
    throttle.fail("activation-send", keys)
    return masked


@dataclass(frozen=True)
class ActivationSlip:
    name: str
    username: str
    code: str
    expires_on: dt.date


def slip_code() -> str:
    raw = "".join(secrets.choice(SLIP_ALPHABET) for _ in range(12))  # ≈ 59 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


@transaction.atomic
def issue_slips(
    *, users: Iterable[User], by: User, request: HttpRequest | None = None
) -> list[ActivationSlip]:
    """Activation slips for ``users`` (the caller checked the policy): one new code each, shown once."""
    slips = []
    lifetime = dt.timedelta(days=slip_days())
    for user in users:
        code = slip_code()
        row = _new_code(user=user, channel=ActivationChannel.SLIP, code=code, lifetime=lifetime, by=by)
        slips.append(ActivationSlip(str(user), user.username, code, timezone.localdate(row.expires_at)))
    audit.record(
        actor=by,
        action="auth.activation_slips",
        request=request,
        detail={"users": [s.username for s in slips][:500], "count": len(slips)},
    )
    return slips


def _open_codes(user: User):
    return ActivationCode.objects.filter(user=user, used_at__isnull=True, failures__lt=MAX_TRIES)


def check_code(*, username: str, code: str, request: HttpRequest | None = None) -> ActivationCode:
    """The open code of ``username`` that ``code`` is; raises ``ActivationError`` with the reason the user reads
    (wrong, expired, too many tries, wait). A wrong code counts against every open code of the account and the
    client address; the code itself is not spent until the password is chosen (``activate``)."""
    address = audit.client_address(request)
    wait = throttle.wait_for("activation-code", {"addr": address})
    if wait:
        raise ActivationError(
            _("Too many wrong activation codes. Please wait %(minutes)s minute(s) and try again.")
            % {"minutes": _minutes(wait)},
            wait=wait,
        )
    now = timezone.now()
    user = User.objects.filter(username=username.strip(), is_active=True).first()
    digest = _digest(user.pk, code) if user is not None else ""
    if user is not None:
        for row in _open_codes(user).order_by("-created_at"):
            if hmac.compare_digest(row.digest, digest):
                if row.expires_at <= now:
                    _refused(user, request, "expired")
                    raise ActivationError(_("This code has expired. Please ask for a new one."))
                return row
    throttle.fail("activation-code", {"addr": address})
    if user is None:
        _refused(None, request, "wrong", username)
        raise ActivationError(_("The username or the code is not right. Please check both and try again."))
    with transaction.atomic():
        live = _open_codes(user).filter(expires_at__gt=now)
        live.update(failures=F("failures") + 1)
        left = max((MAX_TRIES - f for f in live.values_list("failures", flat=True)), default=0)
        _refused(user, request, "wrong")
    if left > 0:
        raise ActivationError(
            _("The username or the code is not right. You can try %(n)s more time(s) with this code.")
            % {"n": left}
        )
    if ActivationCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now).exists():
        raise ActivationError(_("Too many wrong tries: the code no longer works. Please ask for a new one."))
    raise ActivationError(_("The username or the code is not right. Please check both and try again."))


def _refused(user: User | None, request: HttpRequest | None, why: str, username: str = "") -> None:
    detail = {"why": why}
    if username:
        detail["username"] = username[:150]
    audit.record(actor=None, action="auth.activation_failed", obj=user, request=request, detail=detail)


def password_problems(user: User, password: str, password2: str) -> list[str]:
    """What is wrong with the chosen password, in the user's words (Django's validators); [] if nothing."""
    from django.core.exceptions import ValidationError

    if password != password2:
        return [_("The two passwords are not the same.")]
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def activate(*, code_id: int, password: str, request: HttpRequest | None = None) -> User:
    """Spend the code and give its account ``password`` (already validated): every open code of the account
    dies, every session of the account ends, the login throttle forgets it. Raises ``ActivationError`` if the
    code was spent or expired meanwhile."""
    row = ActivationCode.objects.select_for_update().select_related("user").filter(pk=code_id).first()
    now = timezone.now()
    if row is None or row.used_at is not None or row.failures >= MAX_TRIES:
        raise ActivationError(_("This code has already been used. Please log in, or ask for a new code."))
    if row.expires_at <= now:
        raise ActivationError(_("This code has expired. Please ask for a new one."))
    user = row.user
    user.set_password(password)
    user.save(update_fields=["password"])
    ActivationCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    mfa.end_sessions(user)
    throttle.register_success(user.get_username())
    audit.record(
        actor=user,
        action="auth.activated",
        obj=user,
        request=request,
        detail={"channel": row.channel, "code": row.pk},
    )
    return user


@dataclass(frozen=True)
class ActivationState:
    label: str  # what the administrator's list shows
    pending: bool
    open_until: dt.datetime | None


def states_of(users: Iterable[User]) -> dict[int, ActivationState]:
    """Per user: activated (has a password), waiting with an open code (until when), or waiting without one."""
    users = list(users)
    now = timezone.now()
    open_until: dict[int, dt.datetime] = {}
    for user_id, expires in ActivationCode.objects.filter(
        user__in=users, used_at__isnull=True, failures__lt=MAX_TRIES, expires_at__gt=now
    ).values_list("user_id", "expires_at"):
        open_until[user_id] = max(expires, open_until.get(user_id, expires))
    states = {}
    for user in users:
        until = open_until.get(user.pk)
        if user.has_usable_password():
            label = _("Activated") if user.last_login else _("Password set, not yet logged in")
            states[user.pk] = ActivationState(label, False, until)
        elif until:
            states[user.pk] = ActivationState(_("Code issued, waiting"), True, until)
        else:
            states[user.pk] = ActivationState(_("Not activated"), True, None)
    return states
