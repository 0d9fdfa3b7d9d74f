"""Authentication: the throttled password backend, the login form that explains a wait, and the audit of failed
logins (issue 8: "failed authorisations and logins recorded")."""

from __future__ import annotations

from django import forms
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from access import audit, throttle


class ThrottledModelBackend(ModelBackend):
    """Django's password check, refused while the username or the address must wait (access.throttle). Every
    login path (the login page, the admin) goes through it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self.get_user_model_username_field())
        address = audit.client_address(request)
        if username and throttle.wait_seconds(username, address):
            raise PermissionDenied  # authenticate() stops here and sends user_login_failed
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def get_user_model_username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class LoginForm(AuthenticationForm):
    """The login form: says how long to wait instead of "wrong password" while throttled."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed attempts. Please wait %(minutes)s minute(s) and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            wait = throttle.wait_seconds(username, audit.client_address(self.request))
            if wait:
                raise forms.ValidationError(
                    self.error_messages["throttled"], code="throttled", params={"minutes": -(-wait // 60)}
                )
        return super().clean()


def _django_password_msgids() -> None:  # pragma: no cover — never called; makemessages reads it
    """Django 5.2 changed the minimum-length message to a ``%d`` msgid its own zh_Hans catalogue does not have yet, so
    a Chinese user read it in English (issue 18, first password). Naming it here puts it in our catalogue."""
    from django.utils.translation import ngettext

    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        12,
    )


class MaximumLengthValidator:
    """Refuse only absurd lengths (a hashing cost, not a rule): NIST SP 800-63B asks that at least 64 characters
    be accepted; we accept 256."""

    def __init__(self, max_length: int = 256):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise forms.ValidationError(
                _("This password is too long: at most %(n)d characters."),
                code="password_too_long",
                params={"n": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Your password can be a long passphrase, up to %(n)d characters.") % {"n": self.max_length}


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    address = audit.client_address(request)
    throttle.register_failure(username, address)
    # The username tried is kept (it may be mistyped), never the password.
    audit.record(actor=None, action="auth.login_failed", request=request, detail={"username": username})


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs) -> None:
    import time

    from access import mfa
    from access.middleware import SessionTimeoutMiddleware as timeout

    throttle.register_success(user.get_username())
    if request is not None and hasattr(request, "session"):  # the session's clocks start at the login
        now = time.time()
        request.session[timeout.START] = request.session[timeout.LAST] = now
        request.session[timeout.IDLE] = timeout.idle_limit(user)
        # A login is an authentication: @recent_auth pages open without asking again for REAUTH_MAX_AGE. (Tests'
        # force_login passes here too — as if both factors had just been given.)
        request.session[REAUTH_AT] = now
        mfa.remember_session(user, request.session)
    audit.record(actor=user, action="auth.login", request=request)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs) -> None:
    from access.models import LoginSession

    if user is not None and request is not None and getattr(request, "session", None) is not None:
        LoginSession.objects.filter(user_id=user.pk, session_key=request.session.session_key or "").delete()


def _user_saved(sender, instance, created: bool = False, **kwargs) -> None:
    """Disabling an account ends its sessions at once — every one, on any session backend — so that enabling
    it again does not bring an old session back (issue 8)."""
    if not created and not instance.is_active:
        from access import mfa

        n = mfa.end_sessions(instance)
        if n:
            audit.record(actor=None, action="auth.sessions_ended", obj=instance, detail={"sessions": n})


def connect_signals() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="access.auth.user_saved")


# --- Re-authentication before exports and key operations (issue 8) ---------------------------------------------

REAUTH_AT = "xinyu_reauth_at"  # when the session's user last gave their password (and second factor)
REAUTH_MAX_AGE = 10 * 60


def recent_auth(max_age: int = REAUTH_MAX_AGE):
    """``@recent_auth()`` on a view: a signed-in user whose last (re)authentication is older than ``max_age``
    seconds is sent to the re-authentication page (password, and a code if they have a second factor) and
    back. Put it under ``@login_required`` (an anonymous visitor goes to the login page as before). Used on
    every export of student data and on key operations (roster import, printing passwords, 2FA reset)."""
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def inner(request, *args, **kwargs):
            if request.user.is_authenticated and not is_recent(request, max_age):
                from urllib.parse import urlencode

                from django.shortcuts import redirect
                from django.urls import reverse

                if request.method == "GET":
                    target = request.get_full_path()
                else:  # a POST can't be replayed by a redirect: back to the page it came from, to send again
                    target = _same_site_referer(request) or request.path
                return redirect(reverse("auth:reauth") + "?" + urlencode({"next": target}))
            return view(request, *args, **kwargs)

        return inner

    return decorate


def _same_site_referer(request) -> str:
    from urllib.parse import urlsplit

    from django.utils.http import url_has_allowed_host_and_scheme

    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return ""


def is_recent(request, max_age: int = REAUTH_MAX_AGE) -> bool:
    import time

    at = request.session.get(REAUTH_AT)
    return at is not None and time.time() - at <= max_age


class PasswordAgainRefused(Exception):
    """A password typed again was refused: wrong, or the user must wait (``wait`` seconds, 0 = wrong)."""

    def __init__(self, message: str, wait: int = 0):
        super().__init__(message)
        self.wait = wait


def check_password_again(*, user, password: str, purpose: str, request=None, clear: bool = True) -> None:
    """再次输入密码 — the one check for a password typed again (a re-authentication, a guardian's export, break-glass;
    issue 19 finding 6). Throttled with the login's counts for this user and address (``access.throttle``), so
    guesses here and at the login add up and the same waits apply; only someone already signed in as the user can
    make them wait. Every failure and every refusal for a wait is audited (``auth.reauth_failed`` /
    ``auth.reauth_throttled``, with ``purpose``); success clears the user's count unless ``clear`` is False (a
    second factor still to check: the caller clears after the code, so a known password never resets the count of
    guessed codes). Raises PasswordAgainRefused."""
    address = audit.client_address(request)
    wait = throttle.wait_seconds(user.get_username(), address)
    if wait:
        audit.record(
            actor=user, action="auth.reauth_throttled", request=request, detail={"for": purpose, "wait": wait}
        )
        raise PasswordAgainRefused(
            _("Too many failed attempts. Please wait %(minutes)s minute(s) and try again.")
            % {"minutes": -(-wait // 60)},
            wait,
        )
    if not user.check_password(password or ""):
        throttle.register_failure(user.get_username(), address)
        audit.record(actor=user, action="auth.reauth_failed", request=request, detail={"for": purpose})
        raise PasswordAgainRefused(_("The password is not right."))
    if clear:
        throttle.register_success(user.get_username())
