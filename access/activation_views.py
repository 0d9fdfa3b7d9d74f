"""The activation pages (账号激活, issue 18 build 2): a code (SMS or slip), then the first password, then — for a role
that needs it — the authenticator (access.auth_views.enrol). Anonymous pages: the code is the key."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from access import activation, mfa
from access.auth_views import second_step
from access.routes import policy
from org.models import User

STATE = "xinyu_activation"  # session: the code that was right, while the password is chosen
BACKEND = "access.auth.ThrottledModelBackend"


def _state_seconds() -> int:
    return int(getattr(settings, "XINYU_MFA_PENDING_SECONDS", 300)) * 2


@policy(
    None, "public", "activate an imported account with an SMS or slip code (anonymous; the code is the key)"
)
@require_http_methods(["GET", "POST"])
@never_cache
def activate(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = {"username": request.POST.get("username", request.GET.get("username", "")).strip()}
    form["phone"] = request.POST.get("phone", "").strip()
    errors: list[str] = []
    status = 200
    if request.method == "POST" and request.POST.get("step") == "send":
        if not form["username"] or not form["phone"]:
            errors.append(_("Please type your username and the mobile number your school registered."))
        else:
            try:
                masked = activation.request_sms_code(
                    username=form["username"], phone=form["phone"], request=request
                )
            except activation.ActivationError as exc:
                errors.append(exc.message)
            else:
                messages.info(
                    request,
                    _(
                        "If the username and the mobile number match the school's records, a code has been sent to "
                        "%(phone)s. It works for %(minutes)s minutes."
                    )
                    % {"phone": masked, "minutes": activation.sms_minutes()},
                )
                return redirect(f"{request.path}?{urlencode({'username': form['username']})}")
        status = 400 if errors else 200
    elif request.method == "POST":
        code = request.POST.get("code", "")
        if not form["username"] or not code.strip():
            errors.append(_("Please type your username and the code."))
        else:
            try:
                row = activation.check_code(username=form["username"], code=code, request=request)
            except activation.ActivationError as exc:
                errors.append(exc.message)
            else:
                request.session.cycle_key()
                request.session[STATE] = {"code": row.pk, "uid": row.user_id, "at": time.time()}
                return redirect("auth:activate_password")
        status = 400
    context = {"form": form, "errors": errors, "sms_minutes": activation.sms_minutes()}
    return render(request, "access/auth/activate.html", context, status=status)


@policy(None, "self", "choose the first password after a right activation code (one's own account)")
@require_http_methods(["GET", "POST"])
@never_cache
def activate_password(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    state = request.session.get(STATE) or {}
    user = User.objects.filter(pk=state.get("uid"), is_active=True).first() if state else None
    if user is None or time.time() - state.get("at", 0) > _state_seconds():
        request.session.pop(STATE, None)
        messages.info(request, _("Please type your code again: the time to choose a password ran out."))
        return redirect("auth:activate")
    errors: list[str] = []
    if request.method == "POST":
        password = request.POST.get("password1", "")
        errors = activation.password_problems(user, password, request.POST.get("password2", ""))
        if not errors:
            try:
                user = activation.activate(code_id=state["code"], password=password, request=request)
            except activation.ActivationError as exc:
                request.session.pop(STATE, None)
                messages.error(request, exc.message)
                return redirect("auth:activate")
            request.session.pop(STATE, None)
            messages.success(
                request, _("Your account is active. Your username is %(u)s.") % {"u": user.username}
            )
            if mfa.asks_second_factor(user):
                return second_step(request, user, BACKEND, "")
            auth_login(request, user, backend=BACKEND)
            return redirect(settings.LOGIN_REDIRECT_URL)
    context = {"account": user, "errors": errors, "needs_mfa": mfa.required(user)}
    return render(request, "access/auth/activate_password.html", context, status=400 if errors else 200)
