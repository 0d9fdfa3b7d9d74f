"""今日待办 — the daily board of a district officer and a city officer (issue 20 build 2): what needs attention
today across their schools, as counts, each with its drill-down by school (district) or by district (city).

Counts only: nothing here names a student. Above the school, a count about students' mental-health status
(alerts past their deadline, red cases without a plan) is audited by ``access.disclosure`` as one row of
children with its total — under ``XINYU_MIN_CELL`` it reads "<5", zero included, and a cell that would give a
small one back reads "×" (R-7.6). Counts of schools (staffing, campaigns, approvals) are not suppressed.

One query per item, whatever the number of schools (tested): every count is a grouped query over the base
tables, read when the page is opened (these change by the minute; the rollups are for the plan's indicators).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access.disclosure import protect, row_with_total
from access.policy import posts_of
from care.models import Alert, Case, CaseStatus
from org.models import Node, NodeKind, Post, Role, User
from screening.models import Assignment, CampaignStatus, ResponseStatus
from supervision.approval.models import Approval, ApprovalState

# Who has the board: the district's officers (教研员/区教委) and the city's officers (市教委).
BOARD_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.CITY_OFFICER})

# A campaign is behind at a school when more than this share of its window has passed and fewer than this share
# of the school's targeted students (absent ones aside) have finished every questionnaire they started.
BEHIND_SHARE = 0.5


@dataclass(frozen=True)
class Item:
    key: str
    label: Promise
    note: Promise  # what is counted, in a sentence
    sensitive: bool  # a count of students' mental-health status: audited above the school
    requirement: str = ""


ITEMS: tuple[Item, ...] = (
    Item(
        "alerts_overdue",
        _("Alerts past their deadline"),
        _("Red and orange alerts nobody has acknowledged by their deadline."),
        sensitive=True,
        requirement="R12",
    ),
    Item(
        "red_cases_without_plan",
        _("Red cases without an intervention plan"),
        _("Open red-level cases that have no intervention plan yet."),
        sensitive=True,
        requirement="R12",
    ),
    Item(
        "campaigns_behind",
        _("Schools behind in a screening"),
        _(
            "Schools where more than half of an open screening's window has passed and fewer than half of the "
            "students have finished."
        ),
        sensitive=False,
        requirement="R5.1",
    ),
    Item(
        "schools_without_psych_teacher",
        _("Schools without a full-time psychological teacher"),
        _("Schools with no full-time psychological teacher in post today (at the school or a campus)."),
        sensitive=False,
        requirement="R1.1",
    ),
    Item(
        "approvals_waiting",
        _("Figures waiting for your approval"),
        _(
            "Schools' submitted figures for the district to approve; districts' approved figures for the city."
        ),
        sensitive=False,
        requirement="R18",
    ),
)
ITEM_BY_KEY = {i.key: i for i in ITEMS}


@dataclass
class Row:
    """One school (district board) or one district (city board) and its count as shown."""

    node: Node
    count: int | None  # None: hidden (see ``mark``)
    mark: str = ""
    url: str = ""

    @property
    def text(self) -> str:
        return self.mark if self.count is None else str(self.count)


@dataclass
class Line:
    """One item of the board: its total as shown and its rows."""

    item: Item
    total: int | None
    total_mark: str
    rows: list[Row] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.total_mark if self.total is None else str(self.total)

    @property
    def needs_attention(self) -> bool:
        """Something to do: a shown count above zero, or a hidden one (it may be above zero)."""
        return self.total is None or self.total > 0

    @property
    def url(self) -> str:
        return reverse("supervision:daily_item", kwargs={"item": self.item.key})


@dataclass
class Board:
    root: Node
    by_district: bool  # the city's board: rows are districts
    lines: list[Line]
    at: dt.datetime

    def line(self, key: str) -> Line:
        return next(line for line in self.lines if line.item.key == key)


def board_root(user: User) -> Node | None:
    """The node of the user's board: their city officer post, else their district officer post (no query: the
    posts are read once per request)."""
    found = [p.node for p in posts_of(user) if p.role in BOARD_ROLES]
    found = [n for n in found if n.kind in (NodeKind.CITY, NodeKind.DISTRICT)]
    return min(found, key=lambda n: n.depth) if found else None


def _counts(qs, key: str) -> dict[int, int]:
    return {k: n for k, n in qs.values_list(key).annotate(n=Count("pk", distinct=True)).order_by() if k}


def _row_nodes(root: Node) -> list[Node]:
    if root.kind == NodeKind.CITY:
        qs = Node.objects.filter(kind=NodeKind.DISTRICT, parent=root)
    else:
        qs = Node.objects.filter(kind=NodeKind.SCHOOL, path__startswith=root.path, closed_on__isnull=True)
    return list(
        qs.only("pk", "name", "kind", "path", "depth", "code", "district_id").order_by("code", "path")
    )


def _alerts_overdue(root: Node, key: str, now: dt.datetime) -> dict[int, int]:
    qs = Alert.objects.filter(
        school__path__startswith=root.path,
        acknowledged_at__isnull=True,
        closed_at__isnull=True,
        ack_deadline__lt=now,
    )
    return _counts(qs, key)


def _red_cases_without_plan(root: Node, key: str) -> dict[int, int]:
    qs = Case.objects.filter(school__path__startswith=root.path, level="red", plan__isnull=True).exclude(
        status=CaseStatus.CLOSED
    )
    return _counts(qs, key)


def _campaigns_behind(root: Node, key: str, now: dt.datetime) -> dict[int, int]:
    """Schools behind in an open campaign, counted once a school (per school, or per district)."""
    rows = (
        Assignment.objects.filter(
            school__path__startswith=root.path,
            absent=False,
            campaign__status=CampaignStatus.LAUNCHED,
            campaign__starts_at__lte=now,
            campaign__ends_at__gt=now,
        )
        .values("campaign_id", "school_id", "school__district_id", "campaign__starts_at", "campaign__ends_at")
        .annotate(
            total=Count("pk", distinct=True),
            started=Count("pk", distinct=True, filter=Q(responses__isnull=False)),
            unfinished=Count("pk", distinct=True, filter=Q(responses__status=ResponseStatus.OPEN)),
        )
        .order_by()
    )
    behind: set[tuple[int, int]] = set()  # (school, its row)
    for r in rows:
        window = (r["campaign__ends_at"] - r["campaign__starts_at"]).total_seconds()
        passed = (now - r["campaign__starts_at"]).total_seconds() / window
        finished = r["started"] - r["unfinished"]
        if passed > BEHIND_SHARE and finished < BEHIND_SHARE * r["total"]:
            behind.add((r["school_id"], r["school_id" if key == "school_id" else "school__district_id"]))
    out: dict[int, int] = {}
    for _school, row in behind:
        out[row] = out.get(row, 0) + 1
    return out


def _schools_without_psych_teacher(root: Node, key: str, today: dt.date) -> dict[int, int]:
    """R1.1: schools with no full-time psychological teacher post in force today, at the school or a campus."""
    covered = Post.objects.active(today).filter(
        role=Role.PSYCH_TEACHER, full_time=True, node__path__startswith=root.path
    )
    schools = Node.objects.filter(
        kind=NodeKind.SCHOOL, path__startswith=root.path, closed_on__isnull=True
    ).exclude(pk__in=covered.values("node__school_id"))
    return _counts(schools, "pk" if key == "school_id" else "district_id")


def _approvals_waiting(root: Node, by_district: bool) -> dict[int, int]:
    if by_district:  # the city accepts what a district approved
        qs = Approval.objects.filter(
            node__kind=NodeKind.DISTRICT, node__parent=root, state=ApprovalState.APPROVED
        )
        return _counts(qs, "node_id")
    qs = Approval.objects.filter(
        node__kind=NodeKind.SCHOOL, node__path__startswith=root.path, state=ApprovalState.SUBMITTED
    )
    return _counts(qs, "node_id")


def _line(item: Item, nodes: list[Node], counts: dict[int, int], row_url) -> Line:
    cells = [counts.get(n.pk, 0) for n in nodes]
    total = sum(cells)
    if not item.sensitive:
        rows = [Row(n, c, url=row_url(n)) for n, c in zip(nodes, cells, strict=True)]
        return Line(item, total, "", rows)
    p = protect(row_with_total(cells))
    rows = [Row(n, p.shown(i), p.mark(i), row_url(n)) for i, n in enumerate(nodes)]
    return Line(item, p.shown(len(cells)), p.mark(len(cells)), rows)


def daily_board(user: User, *, now: dt.datetime | None = None, with_links: bool = True) -> Board | None:
    """The user's board, or None when their posts carry none. Six queries whatever the number of schools (the
    rows, one per item), three more for the rows' links to their dashboards (the current period): the home card
    shows totals only and goes without them."""
    root = board_root(user)
    if root is None:
        return None
    now = now or timezone.now()
    by_district = root.kind == NodeKind.CITY
    key = "school__district_id" if by_district else "school_id"
    nodes = _row_nodes(root)
    from supervision.dashboards.selectors import default_period

    period = default_period(timezone.localdate(now)) if with_links else None

    def row_url(n: Node) -> str:
        if period is None:
            return ""
        return reverse("supervision:dashboard", kwargs={"node": n.pk, "period": period.code})

    counts = {
        "alerts_overdue": _alerts_overdue(root, key, now),
        "red_cases_without_plan": _red_cases_without_plan(root, key),
        "campaigns_behind": _campaigns_behind(root, key, now),
        "schools_without_psych_teacher": _schools_without_psych_teacher(root, key, timezone.localdate(now)),
        "approvals_waiting": _approvals_waiting(root, by_district),
    }
    lines = [_line(item, nodes, counts[item.key], row_url) for item in ITEMS]
    return Board(root, by_district, lines, now)
