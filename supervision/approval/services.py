"""Writes of supervision: the data-approval chain (数据审核, issue 7 deliverable 4). Rules: supervision.approval.rules.

Each step is one transaction: the node's approval row is locked (``select_for_update``), the step is checked,
the state and the history are written, the step is audited (``supervision.submit`` / ``.approve`` /
``.accept`` / ``.unapprove``) and the people concerned are notified (care.alerts.services.notify). Repeating a step
already taken changes nothing (a double submit is one submission). A step out of order is refused with a clear
message and changes nothing; a node outside the actor's posts is 404, a step their role never takes is 403.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care.alerts.services import notify
from org.models import Node, NodeKind, Post, User
from supervision.approval import rules as approval
from supervision.approval.models import Approval, ApprovalAction, ApprovalState, ApprovalStep
from supervision.approval.rules import ACCEPT_ROLES, APPROVE_ROLES, SUBMIT_ROLES
from supervision.indicators import catalogue, dirty
from supervision.indicators.models import Period, RollupValue


class ApprovalError(Exception):
    """A step refused: ``message`` says why in words for the user; nothing was changed."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _require(user: User, roles: frozenset[str], node: Node) -> None:
    """403 for a role that never takes this step; 404 for a node outside the actor's posts (no leak)."""
    if not approval.has_role(user, roles):
        raise PermissionDenied
    if not approval.holds(user, roles, node):
        raise Http404


def _check_period(period: Period, now: dt.datetime) -> None:
    if period.kind not in approval.APPROVAL_KINDS:
        raise ApprovalError(_("Only semester and school-year figures are approved."))
    if period.starts_on > timezone.localdate(now):
        raise ApprovalError(_("This period has not started yet."))


def _row(node: Node, period: Period, now: dt.datetime) -> Approval:
    """The node's approval row for the period, locked for this transaction (created as a draft if missing)."""
    row, _created = Approval.objects.get_or_create(node=node, period=period, defaults={"changed_at": now})
    return Approval.objects.select_for_update().get(pk=row.pk)


def _step(
    row: Approval, user: User, action: str, to: str, now: dt.datetime, reason: str = "", figures=None
) -> Approval:
    ApprovalStep.objects.create(
        approval=row, action=action, from_state=row.state, to_state=to, by=user, at=now, reason=reason,
        figures=figures or {},
    )  # fmt: skip
    row.state, row.changed_at, row.changed_by = to, now, user
    row.save(update_fields=["state", "changed_at", "changed_by"])
    audit_action = "supervision.unapprove" if action == ApprovalAction.RETURN else f"supervision.{action}"
    audit.record(
        actor=user, action=audit_action, obj=row, reason=reason,
        detail={"node": row.node_id, "period": row.period.code, "to": to},
    )  # fmt: skip
    return row


def _people(roles: frozenset[str], node: Node) -> list[User]:
    return [p.user for p in Post.objects.active().filter(role__in=roles, node=node).select_related("user")]


def page_url(node: Node, period: Period) -> str:
    name = "supervision:approval_school" if node.kind == NodeKind.SCHOOL else "supervision:approval_district"
    return f"{reverse(name, args=[node.pk])}?period={period.code}"


def refresh(node: Node, period: Period, now: dt.datetime | None = None) -> None:
    """Recompute ``node``'s own figures for ``period`` (the indicators computed at its level) and re-sum its
    ancestors, unless they are locked: what is submitted or approved is what the base records say now."""
    from supervision.indicators.rollup import LEVEL_KIND, aggregate_up, compute_leaves

    now = now or timezone.now()
    locked = approval.locked_node_ids(period)
    if node.pk in locked:
        return
    for ind in catalogue.indicators(period.kind):
        if LEVEL_KIND[ind.level] != node.kind:
            continue
        compute_leaves(ind, period, {node.pk}, locked, now)
        aggregate_up(ind, period, locked, now)


def figures_of(node: Node, period: Period) -> dict[str, list[int]]:
    return {
        code: [n, d]
        for code, n, d in RollupValue.objects.filter(node=node, period=period).values_list(
            "indicator", "numerator", "denominator"
        )
    }


def submit(*, user: User, school: Node, period: Period, now: dt.datetime | None = None) -> Approval:
    """学校提交 — the school leader submits the school's figures for the period; from now they are locked."""
    now = now or timezone.now()
    if school.kind != NodeKind.SCHOOL:
        raise Http404
    _require(user, SUBMIT_ROLES, school)
    _check_period(period, now)
    with transaction.atomic():
        row = _row(school, period, now)
        if row.state != ApprovalState.DRAFT:
            return row  # idempotent: already submitted (or further)
        refresh(school, period, now)
        _step(
            row, user, ApprovalAction.SUBMIT, ApprovalState.SUBMITTED, now, figures=figures_of(school, period)
        )
        notify(
            users=_people(APPROVE_ROLES, school.district), kind="supervision.approval",
            subject=_("%(school)s submitted its figures for %(period)s") % {"school": school.name,
                                                                           "period": period.label},
            url=page_url(school.district, period), key=f"approval-submit-{row.pk}-{row.steps.count()}", now=now,
        )  # fmt: skip
    return row


def _unapproved_schools(district: Node, period: Period) -> int:
    schools = list(
        Node.objects.schools()
        .filter(path__startswith=district.path)
        .open_on(period.starts_on)  # a school closed before the period submits nothing for it (issue 18)
        .values_list("pk", flat=True)
    )
    st = approval.states(period, schools)
    return sum(1 for s in st.values() if s not in (ApprovalState.APPROVED, ApprovalState.ACCEPTED))


def approve(*, user: User, node: Node, period: Period, now: dt.datetime | None = None) -> Approval:
    """区级审核 — a district officer approves one of its schools; or the district's own figures, once all its
    schools are approved (a parent approves only when all its children have)."""
    now = now or timezone.now()
    if node.kind not in (NodeKind.SCHOOL, NodeKind.DISTRICT):
        raise Http404
    _require(user, APPROVE_ROLES, node)
    _check_period(period, now)
    with transaction.atomic():
        row = _row(node, period, now)
        if row.state in (ApprovalState.APPROVED, ApprovalState.ACCEPTED):
            return row
        if node.kind == NodeKind.SCHOOL:
            if row.state != ApprovalState.SUBMITTED:
                raise ApprovalError(
                    _(
                        "%(school)s has not submitted its figures for this period: there is nothing to approve."
                    )
                    % {"school": node.name}
                )
            _step(row, user, ApprovalAction.APPROVE, ApprovalState.APPROVED, now)
            return row
        missing = _unapproved_schools(node, period)
        if missing:
            raise ApprovalError(
                _(
                    "%(n)s school(s) of the district are not approved yet; the district's figures can be "
                    "approved only when all its schools are."
                )
                % {"n": missing}
            )
        refresh(node, period, now)
        _step(
            row, user, ApprovalAction.APPROVE, ApprovalState.APPROVED, now, figures=figures_of(node, period)
        )
        city = node.parent
        notify(
            users=_people(ACCEPT_ROLES, city) if city else [], kind="supervision.approval",
            subject=_("%(district)s approved its figures for %(period)s") % {"district": node.name,
                                                                             "period": period.label},
            url=reverse("supervision:approval_city") + f"?period={period.code}",
            key=f"approval-district-{row.pk}-{row.steps.count()}", now=now,
        )  # fmt: skip
    return row


def accept(*, user: User, district: Node, period: Period, now: dt.datetime | None = None) -> Approval:
    """市级验收 — the city accepts a district whose figures (and so all its schools') are approved."""
    now = now or timezone.now()
    if district.kind != NodeKind.DISTRICT:
        raise Http404
    _require(user, ACCEPT_ROLES, district)
    _check_period(period, now)
    with transaction.atomic():
        row = _row(district, period, now)
        if row.state == ApprovalState.ACCEPTED:
            return row
        if row.state != ApprovalState.APPROVED:
            missing = _unapproved_schools(district, period)
            raise ApprovalError(
                _(
                    "%(district)s has not approved its figures for this period (%(n)s school(s) not approved "
                    "yet): it cannot be accepted."
                )
                % {"district": district.name, "n": missing}
            )
        _step(row, user, ApprovalAction.ACCEPT, ApprovalState.ACCEPTED, now)
    return row


def return_for_correction(
    *, user: User, node: Node, period: Period, reason: str, now: dt.datetime | None = None
) -> Approval:
    """退回 — unapprove: a district returns one of its schools' figures, the city returns a district's (or the
    district withdraws its own approval before the city has accepted). A reason is required; the step is
    audited as ``supervision.unapprove``; the level below is told; the figures unlock and are recomputed by the
    next incremental rollup."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if node.kind == NodeKind.SCHOOL:
        _require(user, APPROVE_ROLES, node)
    elif node.kind == NodeKind.DISTRICT:
        _require(user, APPROVE_ROLES | ACCEPT_ROLES, node)
    else:
        raise Http404
    _check_period(period, now)
    if not reason:
        raise ApprovalError(_("Please give the reason for returning the figures."))
    if len(reason) > 1000:
        raise ApprovalError(_("The reason is too long (at most 1000 characters)."))
    with transaction.atomic():
        if node.kind == NodeKind.SCHOOL:
            district_row = _row(node.district, period, now)
            row = _row(node, period, now)
            if row.state == ApprovalState.DRAFT:
                raise ApprovalError(_("These figures have not been submitted: there is nothing to return."))
            if district_row.state != ApprovalState.DRAFT:
                raise ApprovalError(
                    _(
                        "The district's figures are already approved: withdraw the district's approval first, "
                        "then return the school."
                    )
                )
            tell = _people(SUBMIT_ROLES, node)
        else:
            row = _row(node, period, now)
            if row.state == ApprovalState.DRAFT:
                raise ApprovalError(_("These figures have not been approved: there is nothing to return."))
            by_city = approval.holds(user, ACCEPT_ROLES, node)
            if row.state == ApprovalState.ACCEPTED and not by_city:
                raise ApprovalError(_("The city has accepted these figures: only the city can return them."))
            tell = _people(APPROVE_ROLES, node) if by_city else []
        _step(row, user, ApprovalAction.RETURN, ApprovalState.DRAFT, now, reason=reason)
        dirty.mark([node.pk])  # changes made while locked are counted by the next incremental rollup
        notify(
            users=[u for u in tell if u.pk != user.pk], kind="supervision.approval",
            subject=_("Figures for %(period)s returned for correction: %(reason)s") % {"period": period.label,
                                                                                       "reason": reason[:80]},
            url=page_url(node, period), key=f"approval-return-{row.pk}-{row.steps.count()}", now=now,
        )  # fmt: skip
    return row
