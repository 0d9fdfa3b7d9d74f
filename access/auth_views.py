"""Logging in with two factors, re-authentication, and one's own account security (issue 8, R5.3).

The login is two steps. ``Login`` checks the password; a user who needs a second factor (access.mfa) is not
logged in — their id waits in the session (``PENDING``) for ``XINYU_MFA_PENDING_SECONDS`` while they type a code
(``mfa_code``) or, the first time, enrol an authenticator (``enrol``). Only then ``django.contrib.auth.login``
runs. Every other page sees an anonymous visitor until both factors passed.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from access import audit, mfa, throttle, tokens
from access.auth import REAUTH_AT, LoginForm, PasswordAgainRefused, check_password_again, recent_auth
from access.routes import policy
from org.models import User

PENDING = "xinyu_mfa_pending"


def _pending_seconds() -> int:
    return int(getattr(settings, "XINYU_MFA_PENDING_SECONDS", 300))


class Login(auth_views.LoginView):
    """Step one: the password. Step two, for whom it applies, is ``mfa_code`` or ``enrol``."""

    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if not mfa.asks_second_factor(user):
            return super().form_valid(form)
        return second_step(self.request, user, user.backend, self.get_success_url())

    def get_context_data(self, **kwargs):
        from access import sso

        context = super().get_context_data(**kwargs)
        # 统一身份认证 (issue 18): the button shows only where a provider is configured.
        context["sso_oidc"] = sso.oidc_enabled()
        context["sso_cas"] = sso.cas_enabled()
        return context


def second_step(request: HttpRequest, user: User, backend: str, next_url: str) -> HttpResponse:
    """The first factor passed (a password, an activation code, a single sign-on): a user who needs a second
    factor waits in the session for the code — or, the first time, enrols an authenticator."""
    request.session.cycle_key()  # a fresh key for the half-logged-in state (session fixation)
    request.session[PENDING] = {"uid": user.pk, "backend": backend, "at": time.time(), "next": next_url}
    return redirect("auth:mfa" if mfa.factor_of(user) else "auth:enrol")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict]:
    state = request.session.get(PENDING)
    if not state:
        return None, {}
    if time.time() - state.get("at", 0) > _pending_seconds():
        request.session.pop(PENDING, None)
        return None, {}
    user = User.objects.filter(pk=state["uid"], is_active=True).first()
    return user, state


def _back_to_login(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Please log in again: the time to type the code ran out."), fail_silently=True)
    return redirect("login")


def _complete(request: HttpRequest, user: User, state: dict) -> None:
    request.session.pop(PENDING, None)
    auth_login(request, user, backend=state.get("backend"))


def _safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none"}
        ),
    )


def _throttled(form: forms.Form, wait: int) -> None:
    form.add_error(
        None,
        _("Too many failed attempts. Please wait %(minutes)s minute(s) and try again.")
        % {"minutes": -(-wait // 60)},
    )


@policy(None, "self", "login step two: the code of one's own authenticator (or a recovery code)")
@require_http_methods(["GET", "POST"])
@never_cache  # the secret, the codes: never in a browser's or proxy's cache (the user is not signed in yet)
def mfa_code(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user, state = _pending_user(request)
    if user is None:
        return _back_to_login(request)
    if mfa.factor_of(user) is None:
        return redirect("auth:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = mfa.wait_seconds(user, request)
        if wait:
            _throttled(form, wait)
        elif mfa.verify(user=user, code=form.cleaned_data["code"], request=request):
            _complete(request, user, state)
            left = mfa.recovery_codes_left(user)
            if left <= 3:
                messages.warning(
                    request,
                    _("You have %(n)s recovery codes left. Make new ones on your account page.")
                    % {"n": left},
                )
            return redirect(_safe_next(request, state.get("next", "")))
        else:
            form.add_error("code", _("The code is not right. Type the code your app shows now."))
    return render(request, "access/auth/mfa_code.html", {"form": form})


@policy(None, "self", "login step two, first time: enrol one's own authenticator (QR code and secret)")
@require_http_methods(["GET", "POST"])
@never_cache  # the secret, the codes: never in a browser's or proxy's cache (the user is not signed in yet)
def enrol(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    user, state = _pending_user(request)
    if user is None:
        return _back_to_login(request)
    if mfa.factor_of(user) is not None:
        return redirect("auth:mfa")
    factor = mfa.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = mfa.wait_seconds(user, request)
        if wait:
            _throttled(form, wait)
        else:
            codes = mfa.confirm_enrolment(user=user, code=form.cleaned_data["code"], request=request)
            if codes is not None:
                _complete(request, user, state)
                return render(
                    request,
                    "access/auth/recovery_codes.html",
                    {"codes": codes, "next": _safe_next(request, state.get("next", "")), "enrolled": True},
                )
            form.add_error("code", _("The code is not right. Type the code your app shows now."))
    uri = mfa.provisioning_uri(factor)
    return render(
        request,
        "access/auth/enrol.html",
        {"form": form, "qr": mfa.qr_svg(uri), "secret": factor.secret, "username": user.get_username()},
    )


class ReauthForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReauthCodeForm(ReauthForm):
    code = CodeForm.base_fields["code"]


@policy(None, "self", "re-authentication before an export or a key operation: one's own password and code")
@login_required
@require_http_methods(["GET", "POST"])
@never_cache  # the secret, the codes: never in a browser's or proxy's cache (the user is not signed in yet)
def reauth(request: HttpRequest) -> HttpResponse:
    """再次验证身份 — the password (and a code, for a user with a second factor) again, then back to the page."""
    user = request.user
    has_factor = mfa.factor_of(user) is not None
    form = (ReauthCodeForm if has_factor else ReauthForm)(request.POST or None)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.method == "POST" and form.is_valid():
        try:
            check_password_again(
                user=user,
                password=form.cleaned_data["password"],
                purpose="reauth",
                request=request,
                clear=not has_factor,
            )
        except PasswordAgainRefused as exc:
            form.add_error(None if exc.wait else "password", str(exc))
        else:
            if has_factor and not mfa.verify(
                user=user, code=form.cleaned_data["code"], request=request, purpose="reauth"
            ):
                form.add_error("code", _("The code is not right. Type the code your app shows now."))
                return render(request, "access/auth/reauth.html", {"form": form, "next": next_url})
            throttle.register_success(user.get_username())
            request.session[REAUTH_AT] = time.time()
            audit.record(actor=user, action="auth.reauth", request=request)
            return redirect(_safe_next(request, next_url))
    return render(request, "access/auth/reauth.html", {"form": form, "next": next_url})


# --- One's own account: the second factor, recovery codes, the password ----------------------------------------


@policy(None, "self", "one's own account security: second factor, recovery codes left, password, API tokens")
@login_required
def security(request: HttpRequest) -> HttpResponse:
    factor = mfa.factor_of(request.user)
    return render(
        request,
        "access/auth/security.html",
        {
            "factor": factor,
            "required": mfa.required(request.user),
            "codes_left": mfa.recovery_codes_left(request.user) if factor else 0,
            "api_tokens": tokens.tokens_of(request.user),
            "token_days": settings.XINYU_API_TOKEN_DAYS,
        },
    )


# docs/security.md 2.10 (issue 19 finding 11): one's API tokens are listed on the account page and revoked
# there, after a confirmation; another user's token does not exist here (404, audited by the policy layer).
@policy(None, "self", "revoke one of one's own API tokens (confirm first); another's is 404")
@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.own_token(request.user, pk)
    if token is None:
        raise Http404
    if request.method == "POST":
        tokens.revoke_token(token=token, actor=request.user, request=request)
        messages.success(request, _("The API token %(name)s is revoked.") % {"name": token.name})
        return redirect("auth:security")
    return render(request, "access/auth/token_revoke.html", {"token": token})


@policy(None, "self", "new recovery codes for one's own second factor (after re-authentication)")
@login_required
@recent_auth()
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    if mfa.factor_of(request.user) is None:
        return redirect("auth:security")
    if request.method == "POST":
        codes = mfa.renew_recovery_codes(user=request.user, request=request)
        return render(
            request,
            "access/auth/recovery_codes.html",
            {"codes": codes, "next": resolve_url("auth:security"), "enrolled": False},
        )
    return render(request, "access/auth/recovery_codes_confirm.html")


class OwnPasswordChangeForm(PasswordChangeForm):
    """The old password again (re-authentication), then the new one — checked by AUTH_PASSWORD_VALIDATORS."""


@policy(None, "self", "change one's own password: the old one first")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST":
        wait = mfa.wait_seconds(request.user, request)
        if wait:
            _throttled(form, wait)
        elif form.is_valid():
            form.save()
            update_session_auth_hash(request, form.user)  # this session stays; every other one ends
            mfa.end_sessions(request.user, keep=request.session.session_key)
            audit.record(actor=request.user, action="auth.password_changed", request=request)
            messages.success(request, _("Your password has been changed. Your other sessions have ended."))
            return redirect("auth:security")
        elif "old_password" in form.errors:
            throttle.register_failure(request.user.get_username(), audit.client_address(request))
            audit.record(
                actor=request.user, action="auth.reauth_failed", request=request, detail={"for": "password"}
            )
    return render(request, "access/auth/password_change.html", {"form": form})
