from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# No inline script anywhere (every script is a static file; data reaches scripts through data-* attributes or
# <script type="application/json">). Inline *styles* stay allowed: chart libraries set them.
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy (``settings.XINYU_CSP``) and a Permissions-Policy that turns off the camera,
    microphone and location on every response (issue 8, Web hardening). Django's SecurityMiddleware adds HSTS,
    nosniff and the referrer policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from django.conf import settings

        self.get_response = get_response
        self.csp = getattr(settings, "XINYU_CSP", DEFAULT_CSP)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class NoStoreMiddleware:
    """Pages for signed-in users may carry people's data: never let a browser or proxy cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store, private")
        return response


class SessionTimeoutMiddleware:
    """会话超时 — a staff session ends after ``XINYU_STAFF_IDLE_SECONDS`` without a request (15 minutes by
    default), anyone's after ``XINYU_IDLE_SECONDS``, and every session ``XINYU_SESSION_MAX_SECONDS`` after the login
    however busy (issue 8; 等保 "登录连接超时自动退出"). A timed-out page goes to the login page with a message;
    a timed-out JSON/API call gets 401. (Disabling an account deletes its sessions: access.auth._user_saved.)"""

    LAST = "xinyu_last_seen"
    START = "xinyu_auth_at"
    IDLE = "xinyu_idle_limit"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._expired(request, user)
            if expired:
                return self._end(request, expired)
        return self.get_response(request)

    @staticmethod
    def idle_limit(user) -> int:
        """Seconds a session of ``user`` may stay idle: students and guardians longer than staff. Decided once,
        at the login (it reads the user's posts), and kept in the session."""
        from django.conf import settings

        from access.policy import roles_of
        from org.models import Role

        learner = not user.is_staff and roles_of(user) <= {Role.STUDENT, Role.GUARDIAN}
        return int(getattr(settings, "XINYU_IDLE_SECONDS" if learner else "XINYU_STAFF_IDLE_SECONDS", 900))

    def _expired(self, request: HttpRequest, user) -> str:
        import time

        from django.conf import settings

        now = time.time()
        session = request.session
        started = session.get(self.START)
        if started is None:  # a session from before this middleware: its clocks start now
            session[self.START] = started = now
            session[self.LAST] = now
            session[self.IDLE] = self.idle_limit(user)
        last = session.get(self.LAST, now)
        if now - last > session.get(self.IDLE, getattr(settings, "XINYU_STAFF_IDLE_SECONDS", 900)):
            return "idle"
        if now - started > getattr(settings, "XINYU_SESSION_MAX_SECONDS", 12 * 3600):
            return "absolute"
        # Written at most once a minute, so a busy page does not save the session on every request.
        if now - last > 60:
            session[self.LAST] = now
        return ""

    @staticmethod
    def _end(request: HttpRequest, why: str) -> HttpResponse:
        from django.contrib import messages
        from django.contrib.auth import logout
        from django.contrib.auth.views import redirect_to_login
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        from access import audit

        user = request.user
        audit.record(actor=user, action="auth.session_expired", request=request, detail={"why": why})
        logout(request)
        if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"detail": _("Your session has ended. Please log in again.")}, status=401)
        messages.info(
            request,
            _("Your session ended after a period of inactivity. Please log in again."),
            fail_silently=True,
        )
        return redirect_to_login(request.get_full_path())


class DeniedAuditMiddleware:
    """Every refusal is written to the audit trail once, by this one layer rather than by each view (issue 19
    finding 4: about twenty routes answered 404 silently). A refusal is a view's ``PermissionDenied`` or any other
    403 (API, CSRF), and — for a signed-in user on a route that shows people's data — a 404 from the view (an object
    outside the user's scope looks like a missing one; both are recorded, since telling them apart here would
    take a lookup the view did not make). The event carries the route's name, the status and the ids in the path;
    a view or policy helper that already recorded its own refusal (``access.denied``, ``*.refused``) in this
    request is not recorded twice (``access.audit.refusal_recorded``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from access import audit

        token = audit.REFUSAL_RECORDED.set(False)
        try:
            response = self.get_response(request)
            if response.status_code in (403, 404) and not audit.REFUSAL_RECORDED.get():
                self._maybe_record(request, response.status_code)
        finally:
            audit.REFUSAL_RECORDED.reset(token)
        return response

    def _maybe_record(self, request: HttpRequest, status: int) -> None:
        from access import audit
        from access.routes import policy_of

        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if status == 404:
            # Only a 404 the view gave on a route that shows data, to a signed-in user: not a mistyped address.
            if match is None or user is None or not user.is_authenticated:
                return
            declared = policy_of(match.func)  # None for an API operation (ninja's wrapper): recorded
            if declared is not None and declared.tier is None and not match.kwargs:
                return  # a route that names no object and shows no one's data
        ids = {k: v for k, v in (match.kwargs.items() if match else ()) if isinstance(v, int)}
        audit.record(
            actor=user,
            action="access.denied",
            request=request,
            detail={
                "route": match.view_name if match else "",
                "method": request.method,
                "status": status,
                **ids,
            },
        )

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        return None  # the exception becomes a 403/404 response, which __call__ sees
