"""Writes of the roster pages and API that are not roster data: the search throttle (issue 19 finding 3)."""

from __future__ import annotations

from django.http import HttpRequest

from access import audit, throttle


def search_wait(request: HttpRequest, q: str, via: str = "page") -> int:
    """Seconds before ``request.user`` may search students again (0 = now; the search is counted). A search is
    throttled per account (access.throttle scope ``student-search``) and a refused one is audited."""
    if not q:
        return 0
    wait = throttle.spend("student-search", {"user": str(request.user.pk)})
    if wait:
        audit.record(
            actor=request.user,
            action="student.search_throttled",
            request=request,
            detail={"wait": wait, "via": via},
        )
    return wait
