"""The security administrator's page (安全管理员, issue 8 item 2: 三权分立): staff accounts with disable/enable and
lifting a login wait, and the oversight of break-glass grants — no student's name, no record's content, no audit
trail. Anyone without ``security.accounts`` gets 404: the page does not exist for them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access import audit, services, throttle
from access.auth import recent_auth
from access.policy import may
from access.routes import policy
from access.selectors import break_glass_oversight, oversight_grants, security_accounts
from xinyu.lists import first_rows

PAGE_SIZE = 50


def _security_admin_only(request: HttpRequest) -> None:
    if not may(request.user, "security.accounts"):
        from access.views import refused_404

        refused_404(request)


@policy(
    None, "security", "security administrator only: staff accounts and break-glass oversight, no student data"
)
@require_GET
@login_required
@recent_auth()  # issue 8: key operations after re-authentication
def accounts(request: HttpRequest) -> HttpResponse:
    _security_admin_only(request)
    query = (request.GET.get("q") or "").strip()[:150]
    page = Paginator(
        security_accounts(request.user, query).prefetch_related("posts__node"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    from access.models import SecondFactor

    enrolled = set(
        SecondFactor.objects.filter(user__in=list(page), confirmed_at__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    for u in page:
        u.login_wait = throttle.wait_seconds(u.username, None)
        u.has_second_factor = u.pk in enrolled
    grants_part = first_rows(
        oversight_grants(request.user) if may(request.user, "security.break_glass") else [], request, 50
    )
    grants = break_glass_oversight(grants_part.rows)
    audit.record(
        actor=request.user, action="security.accounts.view", request=request, detail={"rows": len(page)}
    )
    return render(
        request,
        "access/security.html",
        {
            "page": page,
            "q": query,
            "grants": grants,
            "grants_part": grants_part,
            "config_problems": config_problems(),
        },
    )


CONFIG_TAG = "xinyu_config"  # system checks an operator must see (e.g. a notification channel not configured)


def config_problems() -> list[str]:
    """The configuration warnings of the running deployment (Django system checks tagged ``xinyu_config``,
    registered by the apps that own them), as sentences: shown here and in /readyz, never swallowed."""
    from django.core import checks

    return [str(m.msg) for m in checks.run_checks(tags=[CONFIG_TAG]) if m.level >= checks.WARNING]


def _target(request: HttpRequest, pk: int):
    _security_admin_only(request)
    user = security_accounts(request.user).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def _back(request: HttpRequest) -> HttpResponse:
    return redirect("security:accounts")


@policy(None, "security", "security administrator only: disable a staff account (its sessions end)")
@require_POST
@login_required
@recent_auth()
def disable(request: HttpRequest, pk: int) -> HttpResponse:
    user = _target(request, pk)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot change the security of your own account."))
        return _back(request)
    services.set_account_active(by=request.user, user=user, active=False, request=request)
    messages.success(request, _("Account %(name)s is disabled.") % {"name": user.username})
    return _back(request)


@policy(None, "security", "security administrator only: enable a staff account again")
@require_POST
@login_required
@recent_auth()
def enable(request: HttpRequest, pk: int) -> HttpResponse:
    user = _target(request, pk)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot change the security of your own account."))
        return _back(request)
    services.set_account_active(by=request.user, user=user, active=True, request=request)
    messages.success(request, _("Account %(name)s is enabled.") % {"name": user.username})
    return _back(request)


@policy(None, "security", "security administrator only: lift the wait failed logins put on an account")
@require_POST
@login_required
@recent_auth()
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = _target(request, pk)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot change the security of your own account."))
        return _back(request)
    services.unlock_login(by=request.user, user=user, request=request)
    messages.success(request, _("Account %(name)s may log in again at once.") % {"name": user.username})
    return _back(request)


@policy(
    None, "security", "security administrator only: reset a staff account's second factor (its sessions end)"
)
@require_POST
@login_required
@recent_auth()
def reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    user = _target(request, pk)
    if user.pk == request.user.pk:
        messages.error(request, _("You cannot change the security of your own account."))
        return _back(request)
    services.reset_second_factor(by=request.user, user=user, request=request)
    messages.success(
        request,
        _("The second factor of %(user)s has been reset. They enrol again at their next login.")
        % {"user": user.username},
    )
    return _back(request)
