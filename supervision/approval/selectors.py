"""Reads for the data-approval pages: the periods that are approved, a school's figures as they would be (or
were) submitted — read from ``RollupValue`` — and the district and city queues. A fixed number of queries per
page, whatever the number of schools."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count
from django.http import Http404
from django.utils import timezone

from org.models import Node, NodeKind, SchoolYear, User
from supervision.approval import rules as approval
from supervision.approval.models import Approval, ApprovalState, ApprovalStep
from supervision.approval.rules import VIEW_ROLES
from supervision.dashboards.selectors import headlines_above_school
from supervision.indicators import catalogue
from supervision.indicators.models import Period, RollupValue
from supervision.indicators.periods import ensure_periods


def approval_periods(today: dt.date | None = None) -> list[Period]:
    """Semesters and school years that have started, newest first (the current year's are made if missing)."""
    today = today or timezone.localdate()
    year = SchoolYear.for_date(today)
    if year is not None:
        ensure_periods(year)
    return list(
        Period.objects.filter(kind__in=approval.APPROVAL_KINDS, starts_on__lte=today).order_by(
            "-starts_on", "-kind"
        )
    )


def pick_period(periods: list[Period], code: str | None, today: dt.date | None = None) -> Period | None:
    """The period asked for; else the semester under way; else the last one that ended."""
    if code:
        return next((p for p in periods if p.code == code), None)
    today = today or timezone.localdate()
    semesters = [p for p in periods if p.kind == "semester"]
    current = next((p for p in semesters if p.starts_on <= today <= p.ends_on), None)
    return current or (semesters[0] if semesters else (periods[0] if periods else None))


def get_node_or_404(user: User, pk: int, kind: str) -> Node:
    """A school or district the user sees figures of (VIEW_ROLES over it); anything else is 404."""
    node = Node.objects.filter(pk=pk, kind=kind).select_related("district", "parent").first()
    if node is None or not approval.holds(user, VIEW_ROLES, node):
        raise Http404
    return node


@dataclass
class FigureRow:
    code: str
    requirement: str
    name: str
    numerator: int | None
    denominator: int | None
    status: str | None
    num_mark: str = (
        ""  # a hidden count, as the dashboard writes it ("<5" or "×"); "" if shown or not computed
    )
    den_mark: str = ""

    @property
    def num_text(self) -> str:
        return str(self.numerator) if self.numerator is not None else (self.num_mark or "—")

    @property
    def den_text(self) -> str:
        return str(self.denominator) if self.denominator is not None else (self.den_mark or "—")

    @property
    def share(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator


def figures(node: Node, period: Period, *, above_school: bool = False) -> list[FigureRow]:
    """The node's figures for the period, one row per indicator computed at or summed into its level, in the
    catalogue's order (one query). A school's own staff see them raw; a viewer above the school
    (``above_school``: the district approving it, the city) sees each sensitive figure as on the school's
    dashboard, audited by access.disclosure (issue 19): the approval page must not give back what the
    dashboard hides."""
    level = {NodeKind.SCHOOL: {"school"}, NodeKind.DISTRICT: {"school", "district"}}.get(node.kind, set())
    stored = {
        code: (n, d)
        for code, n, d in RollupValue.objects.filter(node=node, period=period).values_list(
            "indicator", "numerator", "denominator"
        )
    }
    shown = headlines_above_school(node, period) if above_school else {}
    rows = []
    for ind in catalogue.indicators(period.kind):
        if ind.level not in level:
            continue
        n, d = stored.get(ind.code, (None, None))
        marks = ("", "")
        if ind.code in shown and n is not None:
            s = shown[ind.code]
            n, d, marks = s.numerator, s.denominator, (s.num_mark, s.den_mark)
        rows.append(FigureRow(ind.code, ind.requirement, str(ind.name), n, d, ind.status(n, d), *marks))
    return rows


def history(node: Node, period: Period) -> list[ApprovalStep]:
    return list(
        ApprovalStep.objects.filter(approval__node=node, approval__period=period).select_related("by")
    )


def state_of(node: Node, period: Period) -> str:
    return approval.states(period, [node.pk])[node.pk]


@dataclass
class QueueRow:
    node: Node
    state: str
    changed_at: dt.datetime | None = None
    changed_by: str = ""
    approved: int = 0  # for a district: its schools approved
    schools: int = 0


@dataclass
class Queue:
    parent: Node
    state: str
    rows: list[QueueRow] = field(default_factory=list)

    @property
    def all_approved(self) -> bool:
        return all(r.state in (ApprovalState.APPROVED, ApprovalState.ACCEPTED) for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in ApprovalState}
        for r in self.rows:
            out[r.state] += 1
        return out


def _rows_for(nodes: list[Node], period: Period) -> dict[int, Approval]:
    return {
        a.node_id: a
        for a in Approval.objects.filter(period=period, node__in=nodes).select_related("changed_by")
    }


def district_queue(district: Node, period: Period) -> Queue:
    """审核队列 — the district's schools with where each stands (three queries)."""
    # A school closed (撤销) before the period began has nothing to submit for it (issue 18).
    schools = list(
        Node.objects.schools()
        .filter(path__startswith=district.path)
        .open_on(period.starts_on)
        .order_by("path")
    )
    found = _rows_for([*schools, district], period)
    own = found.get(district.pk)
    q = Queue(district, own.state if own else ApprovalState.DRAFT)
    for s in schools:
        a = found.get(s.pk)
        q.rows.append(
            QueueRow(
                s, a.state if a else ApprovalState.DRAFT, a.changed_at if a else None,
                str(a.changed_by) if a and a.changed_by else "",
            )
        )  # fmt: skip
    return q


def city_queue(city: Node, period: Period) -> Queue:
    """验收队列 — the city's districts with their state and how many of their schools are approved."""
    districts = list(
        Node.objects.filter(kind=NodeKind.DISTRICT, path__startswith=city.path)
        .open_on(period.starts_on)
        .order_by("path")
    )
    found = _rows_for(districts, period)
    total = dict(
        Node.objects.schools()
        .filter(path__startswith=city.path)
        .open_on(period.starts_on)
        .values("district_id")
        .annotate(n=Count("pk"))
        .values_list("district_id", "n")
    )
    approved = dict(
        Approval.objects.filter(
            period=period, node__kind=NodeKind.SCHOOL, node__path__startswith=city.path,
            state__in=[ApprovalState.APPROVED, ApprovalState.ACCEPTED],
        )
        .values("node__district_id")
        .annotate(n=Count("pk"))
        .values_list("node__district_id", "n")
    )  # fmt: skip
    q = Queue(city, ApprovalState.DRAFT)
    for d in districts:
        a = found.get(d.pk)
        q.rows.append(
            QueueRow(
                d, a.state if a else ApprovalState.DRAFT, a.changed_at if a else None,
                str(a.changed_by) if a and a.changed_by else "", approved.get(d.pk, 0), total.get(d.pk, 0),
            )
        )  # fmt: skip
    return q
