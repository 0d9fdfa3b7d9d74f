"""Authentication: the throttled password backend, the login form that explains a wait, and the audit of failed
logins (issue 8: "failed authorisations and logins recorded")."""

from __future__ import annotations

from django import forms
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
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

    from access.middleware import SessionTimeoutMiddleware as timeout

    throttle.register_success(user.get_username())
    if request is not None and hasattr(request, "session"):  # the session's clocks start at the login
        now = time.time()
        request.session[timeout.START] = request.session[timeout.LAST] = now
        request.session[timeout.IDLE] = timeout.idle_limit(user)
    audit.record(actor=user, action="auth.login", request=request)
