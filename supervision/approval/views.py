"""Pages of data approval (数据审核, issue 7 deliverable 4): the school leader's "submit this period's figures",
the district's approval queue, the city's acceptance queue. Thin: reads in supervision.approval.selectors,
writes in supervision.approval.services. A role that never sees figures gets 403; a node outside one's posts 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.routes import policy
from access.tiers import Tier
from org.models import Node, NodeKind, Role
from supervision.approval import rules as approval
from supervision.approval import selectors as sel
from supervision.approval import services
from supervision.approval.models import ApprovalState
from supervision.approval.rules import ACCEPT_ROLES, APPROVE_ROLES, SUBMIT_ROLES, VIEW_ROLES
from supervision.dashboards.selectors import sees_raw
from supervision.indicators.models import DirtyNode, Period

DISTRICT_PAGE_ROLES = APPROVE_ROLES | ACCEPT_ROLES | {Role.SUPERVISOR}
CITY_PAGE_ROLES = ACCEPT_ROLES | {Role.SUPERVISOR}


def _require_role(request: HttpRequest, roles: frozenset[str]) -> None:
    if not approval.has_role(request.user, roles):
        raise PermissionDenied


def _period(request: HttpRequest, source) -> tuple[list[Period], Period]:
    periods = sel.approval_periods()
    period = sel.pick_period(periods, source.get("period"))
    if period is None:
        raise Http404
    return periods, period


@policy(Tier.T0, "school", "data approval: where to go (the school, district or city page of one's post)")
@login_required
def approval_index(request: HttpRequest) -> HttpResponse:
    user = request.user
    for roles, kind, name in (
        (SUBMIT_ROLES | {Role.PSYCH_TEACHER}, NodeKind.SCHOOL, "supervision:approval_school"),
        (APPROVE_ROLES | {Role.SUPERVISOR}, NodeKind.DISTRICT, "supervision:approval_district"),
    ):
        node = next((n for n in approval.root_nodes(user, frozenset(roles)) if n.kind == kind), None)
        if node is not None:
            return redirect(name, pk=node.pk)
    if any(n.kind == NodeKind.CITY for n in approval.root_nodes(user, CITY_PAGE_ROLES)):
        return redirect("supervision:approval_city")
    raise PermissionDenied


@policy(Tier.T0, "school", "a school's figures for a period, where they stand in approval, and its history")
@login_required
def approval_school(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role(request, VIEW_ROLES)
    school = sel.get_node_or_404(request.user, pk, NodeKind.SCHOOL)
    periods, period = _period(request, request.GET)
    state = sel.state_of(school, period)
    # Embedded mode has no beat: show the figures the school would submit as the base records say now.
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    if state == ApprovalState.DRAFT and eager and DirtyNode.objects.filter(node=school).exists():
        services.refresh(school, period)
    district_state = sel.state_of(school.district, period) if school.district_id else ApprovalState.DRAFT
    user = request.user
    context = {
        "school": school, "period": period, "periods": periods, "state": state, "rows": sel.figures(school, period, above_school=not sees_raw(request.user, school)),
        "steps": sel.history(school, period),
        "may_submit": state == ApprovalState.DRAFT and approval.holds(user, SUBMIT_ROLES, school),
        "may_approve": state == ApprovalState.SUBMITTED and approval.holds(user, APPROVE_ROLES, school),
        "may_return": state != ApprovalState.DRAFT and district_state == ApprovalState.DRAFT
        and approval.holds(user, APPROVE_ROLES, school),
        "district_page": approval.holds(user, DISTRICT_PAGE_ROLES, school.district) if school.district_id else False,
    }  # fmt: skip
    return render(request, "supervision/approval_school.html", context)


@policy(
    Tier.T0,
    "district",
    "the district's approval queue: its schools' states; approve, return, approve the district",
)
@login_required
def approval_district(request: HttpRequest, pk: int) -> HttpResponse:
    _require_role(request, DISTRICT_PAGE_ROLES)
    district = Node.objects.filter(pk=pk, kind=NodeKind.DISTRICT).first()
    if district is None or not approval.holds(request.user, DISTRICT_PAGE_ROLES, district):
        raise Http404
    periods, period = _period(request, request.GET)
    queue = sel.district_queue(district, period)
    user = request.user
    approver = approval.holds(user, APPROVE_ROLES, district)
    city = approval.holds(user, ACCEPT_ROLES, district)
    context = {
        "district": district, "period": period, "periods": periods, "queue": queue, "approver": approver,
        "city": city, "steps": sel.history(district, period),
        "may_approve_district": approver and queue.state == ApprovalState.DRAFT and queue.all_approved,
        "may_withdraw": (approver and queue.state == ApprovalState.APPROVED)
        or (city and queue.state in (ApprovalState.APPROVED, ApprovalState.ACCEPTED)),
        "may_accept": city and queue.state == ApprovalState.APPROVED,
    }  # fmt: skip
    return render(request, "supervision/approval_district.html", context)


@policy(Tier.T0, "city", "the city's acceptance queue: each district's state and its schools approved")
@login_required
def approval_city(request: HttpRequest) -> HttpResponse:
    _require_role(request, CITY_PAGE_ROLES)
    city = next(
        (n for n in approval.root_nodes(request.user, CITY_PAGE_ROLES) if n.kind == NodeKind.CITY), None
    )
    if city is None:
        raise Http404
    periods, period = _period(request, request.GET)
    context = {
        "city": city, "period": period, "periods": periods, "queue": sel.city_queue(city, period),
        "acceptor": approval.holds(request.user, ACCEPT_ROLES, city),
    }  # fmt: skip
    return render(request, "supervision/approval_city.html", context)


def _back(request: HttpRequest, node: Node, period: Period) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt.startswith("/") and not nxt.startswith("//"):
        return redirect(nxt)
    return redirect(services.page_url(node, period))


def _step(request: HttpRequest, pk: int, kinds: tuple[str, ...], roles: frozenset[str], run, done: str):
    _require_role(request, roles)
    node = Node.objects.filter(pk=pk, kind__in=kinds).select_related("district", "parent").first()
    if node is None or not approval.holds(request.user, VIEW_ROLES, node):
        raise Http404
    _periods, period = _period(request, request.POST)
    try:
        run(node, period)
    except services.ApprovalError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(request, node, period)


@policy(Tier.T0, "school", "submit a school's figures for a period (school leader); they are locked from now")
@login_required
@require_POST
def approval_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def run(node, period):
        services.submit(user=request.user, school=node, period=period)

    return _step(request, pk, (NodeKind.SCHOOL,), SUBMIT_ROLES, run, _("The figures are submitted."))


@policy(
    Tier.T0, "school", "approve a school's figures, or the district's own once all its schools are approved"
)
@login_required
@require_POST
def approval_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def run(node, period):
        services.approve(user=request.user, node=node, period=period)

    kinds = (NodeKind.SCHOOL, NodeKind.DISTRICT)
    return _step(request, pk, kinds, APPROVE_ROLES, run, _("The figures are approved."))


@policy(Tier.T0, "district", "accept a district's approved figures (city)")
@login_required
@require_POST
def approval_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def run(node, period):
        services.accept(user=request.user, district=node, period=period)

    return _step(
        request, pk, (NodeKind.DISTRICT,), ACCEPT_ROLES, run, _("The district's figures are accepted.")
    )


@policy(Tier.T0, "school", "return figures for correction with a reason (audited as supervision.unapprove)")
@login_required
@require_POST
def approval_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(node, period):
        services.return_for_correction(
            user=request.user, node=node, period=period, reason=request.POST.get("reason", "")
        )

    kinds = (NodeKind.SCHOOL, NodeKind.DISTRICT)
    roles = APPROVE_ROLES | ACCEPT_ROLES
    return _step(request, pk, kinds, roles, run, _("The figures are returned for correction."))
