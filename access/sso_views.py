"""The single sign-on routes (统一身份认证, issue 18): OIDC start and callback, CAS, and the refusal page. Each answers
404 while its protocol is off (the default). See access.sso for the mapping rule."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from access import audit, mfa, sso
from access.auth_views import second_step
from access.routes import policy

OIDC_BACKEND = "access.sso.OIDCBackend"
CAS_BACKEND = "access.sso.CASBackend"


def _finish(request: HttpRequest, user, backend: str, protocol: str, next_url: str) -> HttpResponse:
    """The provider vouched for ``user``: the second factor where the role needs it, else signed in."""
    request.session.pop(sso.REFUSED, None)
    audit.record(
        actor=user, action="auth.sso_login", obj=user, request=request, detail={"protocol": protocol}
    )
    if getattr(settings, "XINYU_SSO_ASKS_SECOND_FACTOR", True) and mfa.asks_second_factor(user):
        return second_step(request, user, backend, next_url)
    auth_login(request, user, backend=backend)
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@policy(None, "public", "start an OpenID Connect sign-on at the configured provider (404 while off)")
class OIDCLogin(OIDCAuthenticationRequestView):
    get_settings = staticmethod(sso.oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not sso.oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


@policy(None, "public", "the OpenID Connect provider's answer: an existing account only (404 while off)")
class OIDCCallback(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(sso.oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        if not sso.oidc_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def login_failure(self):
        if not self.request.session.get(sso.REFUSED):  # the provider said no, or the answer did not check out
            sso.refuse(self.request, "oidc", "failed", {"error": self.request.GET.get("error", "")[:100]})
        return redirect("sso:refused")

    def login_success(self):
        next_url = self.request.session.get("oidc_login_next") or ""
        return _finish(self.request, self.user, OIDC_BACKEND, "oidc", next_url)


@policy(
    None,
    "public",
    "CAS sign-on: to the CAS server, and back with a ticket; the server's single-logout request ends the session "
    "its ticket opened (404 while off)",
)
@csrf_exempt  # the CAS server's back-channel logout request carries no CSRF token; it names a ticket only
@require_http_methods(["GET", "POST"])
@never_cache
def cas_login(request: HttpRequest) -> HttpResponse:
    if not sso.cas_enabled():
        raise Http404
    if request.method == "POST":
        logout_request = request.POST.get("logoutRequest", "")
        if not logout_request:
            return HttpResponseBadRequest("Missing logoutRequest", content_type="text/plain")
        sso.cas_single_logout(logout_request[:20000], request)
        return HttpResponse("ok\n", content_type="text/plain")
    from django_cas_ng.utils import get_cas_client, get_service_url

    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    service = get_service_url(request, next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    ticket = request.GET.get("ticket")
    if not ticket:
        return redirect(get_cas_client(service_url=service, request=request).get_login_url())
    user = authenticate(request, ticket=ticket, service=service)
    if user is None:
        if not request.session.get(sso.REFUSED):
            sso.refuse(request, "cas", "bad_ticket", {})
        return redirect("sso:refused")
    sso.remember_cas_ticket(request, user, ticket)
    return _finish(request, user, CAS_BACKEND, "cas", next_url)


@policy(None, "public", "why a single sign-on was refused (no one's data)")
@require_GET
@never_cache
def refused(request: HttpRequest) -> HttpResponse:
    why = request.session.pop(sso.REFUSED, "")
    if not why:
        why = "failed"
    return render(request, "access/auth/sso_refused.html", {"why": why}, status=403)
