"""Alert pages: the list (most urgent first) and one alert with Acknowledge (the in-app notifications: care.channels.views).

Thin views: reads from ``care.alerts.selectors`` (which start from ``access.policy``), writes through
``care.alerts.services``; every view of an alert is audited (T2+)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.routes import policy
from access.tiers import Tier
from care.alerts import selectors, services
from care.cases import selectors as cases_selectors
from care.cases import services as cases_services
from care.models import Alert

PAGE_SIZE = 25


def _require_alert_role(request: HttpRequest) -> None:
    # A role that never works alerts (class teacher, district officer …) is refused before any lookup.
    if not selectors.may_see_alerts(request.user):
        raise PermissionDenied


def _alert_or_404(request: HttpRequest, pk: int) -> Alert:
    alert = selectors.alert_list(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


@login_required
@policy(
    Tier.T3,
    "student",
    "alerts of the user's T3 students: psych teacher, leader (red/orange), escalated",
    opens=selectors.may_see_alerts,
)
def alert_list(request: HttpRequest) -> HttpResponse:
    _require_alert_role(request)
    page = Paginator(selectors.alert_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    now = timezone.now()
    for a in rows:
        a.overdue = selectors.is_overdue(a, now)
        a.responsible = selectors.responsibility(a, now)  # issue 15: who is responsible now, until when
    audit.record(
        actor=request.user,
        action="care.alert.list",
        request=request,
        detail={"ids": [a.pk for a in rows], "students": sorted({a.student_id for a in rows})},
    )
    return render(request, "care/alert_list.html", {"page": page, "rows": rows, "now": now})


@login_required
@policy(Tier.T3, "student", "one alert: level, reasons, who was told, acknowledgement")
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_alert_role(request)
    alert = _alert_or_404(request, pk)
    audit.record(
        actor=request.user, action="care.alert.view", obj=alert, student_id=alert.student_id, request=request
    )
    events = list(alert.events.select_related("actor"))
    may_open_case = cases_services.may_open_case(request.user, alert.student)
    return render(
        request,
        "care/alert_detail.html",
        {
            "alert": alert,
            "reasons": selectors.alert_reasons(request.user, alert),  # None: not a clinical reader
            "events": events,
            "overdue": selectors.is_overdue(alert),
            "responsible": selectors.responsibility(alert),  # issue 15: who is responsible now, until when
            "may_open_case": may_open_case,
            "next": _next_steps(request, alert) if may_open_case else None,
        },
    )


def _next_steps(request: HttpRequest, alert: Alert) -> dict:
    """下一步 after 签收 (issue 15, build 3): talk with the student and confirm the level (the review of the
    sheet when a screening raised the alert, else the case's level), then the case — open it, or go to it."""
    case_id = alert.case_id or getattr(cases_selectors.open_case_of(alert.student_id), "pk", None)
    return {"review_url": selectors.alert_source_link(request.user, alert), "case_id": case_id}


@require_POST
@login_required
@policy(Tier.T3, "student", "acknowledge an alert (签收): stops its escalation; audited")
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    _require_alert_role(request)
    alert = _alert_or_404(request, pk)
    already = alert.is_acknowledged
    services.acknowledge_alert(alert=alert, user=request.user)
    if not already:
        messages.success(
            request,
            _(
                "Alert acknowledged. Its escalation has stopped. Next: talk with the student and confirm the level."
            ),
        )
    return redirect("care:alert_detail", pk=alert.pk)
