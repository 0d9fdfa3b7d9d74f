"""Reads of the supervision dashboards (督导看板, R18; issue 7 deliverables 3 and 6): who sees which node, and a node's
figures per indicator group with its children's — read ONLY from ``RollupValue`` (a fixed number of queries,
whatever the number of children), suppressed with ``supervision.dashboards.privacy`` for a viewer above the school.

Who sees dashboards (T0 aggregates): school leaders and psychological teachers (their school), district officers
and district admins (their district), city officers, city admins, supervisors (their city or district post).
A school's own staff see its raw figures; anyone above the school sees sensitive counts under
``XINYU_MIN_CELL`` hidden (R-7.6).

``live_dashboard`` computes the same cells straight from the base tables with the compute functions (no
rollups): the consistency test and the benchmark compare the two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.disclosure import SECONDARY
from access.policy import posts_of, roles_of
from access.routes import may_open
from org.models import PATH_STEP, Node, NodeKind, Role, User
from supervision.dashboards.privacy import Shown, min_cell, protect_pairs, shown_single, suppress_table
from supervision.indicators import catalogue
from supervision.indicators.catalogue import Cell, Indicator
from supervision.indicators.models import Period, PeriodKind, RollupRun, RollupValue

# Who sees supervision pages (T0 aggregates only). Never students, guardians, teachers, class teachers, the
# district counselor, clinicians or auditors.
VIEWER_ROLES = frozenset(
    {Role.SCHOOL_LEADER, Role.PSYCH_TEACHER, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.CITY_OFFICER,
     Role.CITY_ADMIN, Role.SUPERVISOR}
)  # fmt: skip
# Who may queue a full recomputation of the rollups.
RECOMPUTE_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_ADMIN})

GROUP_LABELS = {
    "staffing": _("Staffing"),
    "training": _("Training"),
    "lessons": _("Classes and activities"),
    "classes": _("Classes and activities"),
    "activities": _("Classes and activities"),
    "services": _("Counseling services"),
    "counseling": _("Counseling services"),
    "screening": _("Screening and follow-up"),
    "files": _("Student files"),
    "care": _("Care of students at risk"),
    "home": _("Home–school work"),
    "governance": _("Governance"),
    "funding": _("Funding"),
    "five_ed": _("Physical activity and arts"),
    "five_educations": _("Physical activity and arts"),
    "wellbeing": _("Physical activity and arts"),
}
STATUS_LABELS = {"met": _("Met"), "near": _("Near target"), "not_met": _("Not met")}

# Column labels of the details rows (``details`` functions of the catalogue); a function may also carry its own
# ``columns`` attribute ({key: label}).
DETAIL_LABELS = {
    "campus": _("Campus"),
    "covered": _("Has a psychological teacher"),
    "school_class": _("Class"),
    "class": _("Class"),
    "grade": _("Grade"),
    "hours": _("Class hours"),
    "due": _("Due"),
    "met": _("Met"),
    "name": _("Item"),
    "count": _("Count"),
    "rule": _("Rule"),
    "fortnights_due": _("Fortnights due"),
    "fortnights_covered": _("Fortnights covered"),
    "pre_exam": _("Pre-exam counseling"),
    "stress_relief": _("Stress relief"),
    "key_time": _("Key time"),
    "due_on": _("Due on"),
    "place": _("Place"),
    "psych_teachers": _("Psychological teachers"),
    "must_add": _("Required"),
    "group": _("Staff group"),
    "staff": _("Staff"),
    "trained": _("Trained"),
    "room": _("Counseling room"),
    "duty_roster": _("Duty roster"),
    "appointments": _("Appointments in use"),
    "day": _("Date"),
    "kind": _("Kind of day"),
    "opens": _("Opens"),
    "closes": _("Closes"),
    "quarter": _("Quarter"),
    "starts_on": _("Starts on"),
    "ends_on": _("Ends on"),
    "students": _("Students"),
    "visited": _("Visited"),
    "eligible": _("Students to screen"),
    "screened": _("Screened"),
}
# Codes the details functions put in their cells, shown by their labels (issue 20: no key on a page).
DETAIL_VALUES = {
    "all_staff": _("All staff"),
    "class_teachers": _("Class teachers"),
    "fortnightly": _("1 class hour every two weeks"),
    "graduating": _("Pre-exam counseling and stress relief"),
    "none": _("In the plan"),
    "school_day": _("School day"),
    "weekend": _("Weekend"),
    "holiday": _("Holiday"),
}

DETAIL_HIDDEN = frozenset({"key"})  # internal codes with a readable label beside them (key_time)


# --- who sees what ------------------------------------------------------------------------------------------


def may_use(user: User) -> bool:
    """Has the user a post whose role sees supervision dashboards at all?"""
    return bool(roles_of(user) & VIEWER_ROLES)


def require_viewer(user: User) -> None:
    """A role that never sees dashboards is refused (403) before any node is looked up."""
    if not may_use(user):
        raise PermissionDenied


def may_recompute(user: User) -> bool:
    return bool(roles_of(user) & RECOMPUTE_ROLES)


def _viewer_nodes(user: User) -> tuple[list[Node], set[int]]:
    """The nodes of the user's supervision posts (a campus post counts as its school) and the ids of the
    schools the user works at (school-level viewers: raw figures there)."""
    nodes: list[Node] = []
    campus_school_ids: list[int] = []
    for post in posts_of(user):
        if post.role not in VIEWER_ROLES:
            continue
        if post.node.kind == NodeKind.CAMPUS:
            campus_school_ids.append(post.node.school_id)
        else:
            nodes.append(post.node)
    if campus_school_ids:
        nodes.extend(Node.objects.filter(pk__in=campus_school_ids))
    own_schools = {n.pk for n in nodes if n.kind == NodeKind.SCHOOL}
    return nodes, own_schools


def dashboard_roots(user: User) -> list[Node]:
    """The top nodes of the user's dashboards: one per post, without those inside another, shallowest first."""
    cached = getattr(user, "_xinyu_sup_roots", None)
    if cached is not None:
        return cached
    nodes, own = _viewer_nodes(user)
    roots: list[Node] = []
    for n in sorted({n.pk: n for n in nodes}.values(), key=lambda n: (n.depth, n.path)):
        if not any(n.is_within(r) for r in roots):
            roots.append(n)
    user._xinyu_sup_roots = roots
    user._xinyu_sup_own = own
    return roots


def own_school_ids(user: User) -> set[int]:
    dashboard_roots(user)
    return user._xinyu_sup_own


def may_view(user: User, node: Node) -> bool:
    """A city, district, group or school inside one of the user's dashboard roots (campuses have no page)."""
    if node.kind == NodeKind.CAMPUS:
        return False
    return any(node.is_within(r) for r in dashboard_roots(user))


def sees_raw(user: User, node: Node) -> bool:
    """A school's own staff (leader, psychological teacher) see its figures unsuppressed; everyone above the
    school level sees sensitive counts under XINYU_MIN_CELL hidden (R-7.6)."""
    return node.kind == NodeKind.SCHOOL and node.pk in own_school_ids(user)


def node_or_404(user: User, pk: int) -> Node:
    """The node if the user may open its dashboard; 404 otherwise (no leak of whether it exists)."""
    require_viewer(user)
    node = Node.objects.filter(pk=pk).exclude(kind=NodeKind.CAMPUS).first()
    if node is None or not may_view(user, node):
        raise Http404
    return node


def period_or_404(code: str) -> Period:
    period = Period.objects.filter(code=code).select_related("school_year").first()
    if period is None:
        raise Http404
    return period


def default_period(today: dt.date | None = None) -> Period | None:
    """The current semester; between semesters the latest one that has started; else any period."""
    from supervision.indicators.periods import current_periods

    today = today or timezone.localdate()
    for p in current_periods(today):
        if p.kind == PeriodKind.SEMESTER:
            return p
    started = Period.objects.filter(kind=PeriodKind.SEMESTER, starts_on__lte=today).order_by("-starts_on")
    return started.first() or Period.objects.order_by("-starts_on").first()


def all_periods() -> list[Period]:
    """Every period, newest school year first (for the period switcher)."""
    return list(
        Period.objects.select_related("school_year").order_by("-school_year__start_year", "starts_on", "kind")
    )


def ancestors(user: User, node: Node) -> list[Node]:
    """The breadcrumb: the node's ancestors the user may open, top first (one query)."""
    step = PATH_STEP + 1
    prefixes = [node.path[: step * k] for k in range(1, node.depth + 1)]
    found = Node.objects.filter(path__in=prefixes).order_by("depth")
    return [n for n in found if may_view(user, n)]


# --- figures ------------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One indicator's figure for one node as shown to the viewer (None where suppressed)."""

    node_id: int
    name: str
    numerator: int | None
    denominator: int | None
    status: str | None
    suppressed: bool
    computed: bool = True  # False: no rollup stored yet for this node and period
    url: str = ""  # the node's own dashboard for the same period (drill-down)
    num_mark: str = ""  # how a hidden numerator is written: "<5" (a small count) or "×" (protects another)
    den_mark: str = ""

    @property
    def share(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def percent(self) -> str:
        share = self.share
        return "—" if share is None else f"{share * 100:.1f}%"

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status]) if self.status else ""

    # What the page prints (computed here rather than in an included template per cell: a city page has
    # hundreds of cells).
    @property
    def num_text(self) -> str:
        return (self.num_mark or f"<{min_cell()}") if self.numerator is None else str(self.numerator)

    @property
    def den_text(self) -> str:
        return (self.den_mark or f"<{min_cell()}") if self.denominator is None else str(self.denominator)

    @property
    def share_text(self) -> str:
        if self.suppressed and self.computed:
            return (
                self.num_mark
                if self.numerator is None and self.num_mark
                else (self.den_mark or f"<{min_cell()}")
            )
        return self.percent

    @property
    def badge(self) -> tuple[str, str]:
        """(CSS modifier, words) of the status badge."""
        if self.status:
            return self.status, self.status_label
        if self.suppressed and self.computed:
            return "hidden", str(_("Hidden (small numbers)"))
        return "none", str(_("Nothing to judge"))


@dataclass
class IndicatorRow:
    indicator: Indicator
    own: Figure
    children: list[Figure]
    details: list[dict] = field(default_factory=list)
    detail_columns: list[tuple[str, str]] = field(default_factory=list)
    records_url: str | None = None

    @property
    def detail_table(self) -> list[tuple[bool, list[tuple[str, object]]]]:
        """The details rows as cells in column order, each with "something is missing here" (a False flag)."""
        cols = self.detail_columns
        return [
            (any(v is False for v in d.values()), [(label, d.get(k)) for k, label in cols])
            for d in self.details
        ]

    @property
    def target_percent(self) -> str:
        return f"{self.indicator.target * 100:.0f}%"


@dataclass
class Group:
    key: str
    label: str
    rows: list[IndicatorRow]


@dataclass
class Dashboard:
    node: Node
    period: Period
    children: list[Node]
    groups: list[Group]
    raw: bool  # the viewer sees unsuppressed figures (their own school)
    computed_at: dt.datetime | None  # the oldest figure on the page: "figures as of"

    @property
    def rows(self) -> list[IndicatorRow]:
        return [r for g in self.groups for r in g.rows]

    @property
    def overview(self) -> list[tuple[Group, list[tuple[IndicatorRow, list[Figure | None]]]]]:
        """The first screen (issue 20 build 2): one indicators × children matrix — districts under the city,
        schools under a district or group — each row the indicator's figures in the order of ``children``
        (None where the indicator has no figure for that child: a district's own duty at a school), from the
        figures already on the page (no query, the same suppression)."""
        out = []
        for g in self.groups:
            rows = []
            for r in g.rows:
                by_pk = {f.node_id: f for f in r.children}
                rows.append((r, [by_pk.get(c.pk) for c in self.children]))
            out.append((g, rows))
        return out


def group_label(key: str) -> str:
    return str(GROUP_LABELS.get(key, _("Other")))  # never the key itself (issue 20)


def child_nodes(node: Node, period: Period | None = None) -> list[Node]:
    """The rows of a node's drill-down: districts under the city; schools (through education groups) under a
    district or a group; none under a school (campuses are details, not rows). Of ``period``: only units open
    when it began (a closed — 撤销 — school stays in the periods it worked in; issue 18)."""
    if node.kind == NodeKind.CITY:
        qs = Node.objects.filter(kind=NodeKind.DISTRICT, parent=node)
    elif node.kind in (NodeKind.DISTRICT, NodeKind.GROUP):
        qs = Node.objects.filter(kind=NodeKind.SCHOOL, path__startswith=node.path)
    else:
        return []
    if period is not None:
        qs = qs.open_on(period.starts_on)
    return list(qs.only("pk", "name", "kind", "path", "depth", "code", "closed_on").order_by("code", "path"))


def applies(ind: Indicator, node: Node) -> bool:
    """A district-level indicator (the districts' own duties) has no figure at a school or group."""
    return ind.level == "school" or node.kind in (NodeKind.CITY, NodeKind.DISTRICT)


def _rows_for(ind: Indicator, node: Node, children: list[Node]) -> list[Node]:
    """The children that carry this indicator's figures (a district-level one: districts under the city)."""
    if ind.level == "district" and node.kind != NodeKind.CITY:
        return []
    return children


Cells = dict[str, tuple[Cell | None, dict[int, Cell | None]]]


def rollup_cells(node: Node, period: Period, children: list[Node]) -> tuple[Cells, dt.datetime | None]:
    """``{indicator: (own cell, {child id: cell})}`` from the stored rollups (one query; None: not computed)
    and the oldest ``computed_at`` among them."""
    inds = [i for i in catalogue.indicators(period.kind) if applies(i, node)]
    ids = [node.pk, *(c.pk for c in children)]
    stored: dict[tuple[str, int], Cell] = {}
    oldest: dt.datetime | None = None
    values = RollupValue.objects.filter(
        period=period, node_id__in=ids, indicator__in=[i.code for i in inds]
    ).values_list("indicator", "node_id", "numerator", "denominator", "computed_at")
    for code, node_id, n, d, at in values:
        stored[(code, node_id)] = (n, d)
        oldest = at if oldest is None or at < oldest else oldest
    out: Cells = {}
    for ind in inds:
        kids = _rows_for(ind, node, children)
        own = stored.get((ind.code, node.pk))
        # A child without a stored value under a computed parent has nothing under it (a district without
        # schools yet): nothing to count, not "not computed".
        missing = None if own is None else (0, 0)
        out[ind.code] = (own, {c.pk: stored.get((ind.code, c.pk), missing) for c in kids})
    return out, oldest


def live_cells(node: Node, period: Period, children: list[Node]) -> Cells:
    """The same cells as :func:`rollup_cells`, computed now from the base tables by calling the compute
    functions directly (no rollups): for the consistency test and the benchmark's live-vs-rollup ratio."""
    schools = Node.objects.filter(kind=NodeKind.SCHOOL, path__startswith=node.path)
    school_rows = list(schools.values_list("pk", "district_id", "path"))
    child_of_school: dict[int, int] = {}
    child_paths = [(c.path, c.pk) for c in children]
    for pk, _district, path in school_rows:
        for cpath, cpk in child_paths:
            if path.startswith(cpath):
                child_of_school[pk] = cpk
                break
    out: Cells = {}
    for ind in catalogue.indicators(period.kind):
        if not applies(ind, node):
            continue
        kids = _rows_for(ind, node, children)
        if ind.level == "school":
            ids = [pk for pk, _d, _p in school_rows]
            values = ind.compute_fn(period, ids)
            per_child: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            own = [0, 0]
            for pk in ids:
                n, d = values.get(pk, (0, 0))
                own[0] += n
                own[1] += d
                if pk in child_of_school:
                    per_child[child_of_school[pk]][0] += n
                    per_child[child_of_school[pk]][1] += d
            out[ind.code] = (tuple(own), {c.pk: tuple(per_child.get(c.pk, (0, 0))) for c in kids})  # type: ignore[misc]
        else:
            district_ids = [c.pk for c in kids] if node.kind == NodeKind.CITY else [node.pk]
            values = ind.compute_fn(period, district_ids)
            own_cell = (
                (sum(values.get(pk, (0, 0))[0] for pk in district_ids),
                 sum(values.get(pk, (0, 0))[1] for pk in district_ids))
            )  # fmt: skip
            out[ind.code] = (own_cell, {c.pk: values.get(c.pk, (0, 0)) for c in kids})
    return out


def live_dashboard(node: Node, period: Period) -> Cells:
    """A node's dashboard cells computed live from the base tables (no rollups)."""
    return live_cells(node, period, child_nodes(node, period))


def _figure(node: Node, cell: Cell | None, shown: Shown, ind: Indicator) -> Figure:
    return Figure(
        node_id=node.pk,
        name=node.name,
        numerator=shown.numerator,
        denominator=shown.denominator,
        status=ind.status(shown.numerator, shown.denominator),
        suppressed=shown.suppressed,
        computed=cell is not None,
        num_mark=shown.num_mark,
        den_mark=shown.den_mark,
    )


def _shown(ind: Indicator, node: Node, own: Cell | None, kids: list[tuple[Node, Cell | None]], raw: bool):
    own_cell = own or (0, 0)
    cells = [c or (0, 0) for _n, c in kids]
    if raw:
        return Shown(*own_cell), [Shown(*c) for c in cells]
    if kids:
        shown_kids, shown_own = suppress_table(cells, own_cell, ind.sensitive)
        return shown_own, shown_kids
    return shown_single(own_cell, ind.sensitive), []


# --- linked tables: the same figure is hidden on every page that shows it (R-7.6, issue 19) ------------------
#
# A drill-down shows one figure on two pages: a district is a row of the city's table and the headline of its
# own page; a school a row of its district's table and the headline of its page. Auditing each table on its own
# would leak: the city page hides 海淀's 9 as the complement of 朝阳's 2 (海淀 lies in 7..11 there), and 海淀's
# page showing school B's 6 beside A's "<5" narrows 海淀 to 6..10, so 朝阳 to 1..4: not 0. So, for a viewer
# above the school and a sensitive indicator, a page is audited together with the tables above it
# (``access.disclosure`` over one hierarchical table):
# - the city's table is audited alone (the city page);
# - a district's table (its schools) is audited with the city's table as published (nothing there changes);
# - a school's figure is shown as in its district's table (its page, the rows of a group's page);
# - an education group's total is audited with its district's table as published.


@dataclass
class _Chain:
    """The tables above a district, group or school: the city's (its districts) and, below a district, the
    district's (its schools, through groups)."""

    city: Node | None
    districts: list[Node]
    district: Node | None
    schools: list[Node]

    @property
    def ids(self) -> list[int]:
        out = [n.pk for n in (self.city, self.district) if n is not None]
        return out + [n.pk for n in self.districts] + [n.pk for n in self.schools]


def _chain(node: Node, children: list[Node], period: Period | None = None) -> _Chain:
    step = PATH_STEP + 1
    prefixes = [node.path[: step * k] for k in (1, 2) if k <= node.depth]
    above = {n.kind: n for n in Node.objects.filter(path__in=prefixes)}
    city, district = above.get(NodeKind.CITY), above.get(NodeKind.DISTRICT)
    if node.kind == NodeKind.DISTRICT:
        district = node
    return _Chain(
        city=city,
        districts=child_nodes(city, period) if city is not None else [],
        district=district,
        schools=children
        if district is node
        else child_nodes(district, period)
        if district is not None
        else [],
    )


def _linked(
    code: str, node: Node, chain: _Chain, stored: dict[tuple[str, int], Cell], children: list[Node]
) -> tuple[Shown, dict[int, Shown]]:
    """For one sensitive indicator: the node's headline and its rows ({child id: figure}) as shown, audited
    with the tables above the node."""

    def cell(pk: int) -> Cell:
        return stored.get((code, pk), (0, 0))

    cells: list[Cell] = []
    index: dict[int, int] = {}
    groups: list[tuple[Cell | int, list[int]]] = []
    given: list[Shown | None] = []  # per cell: as already published (forced and fixed)
    given_groups: list[Shown | None] = []
    if chain.city is not None and chain.districts:
        districts = [(d.pk, cell(d.pk)) for d in chain.districts]
        shown, city_total = suppress_table([c for _pk, c in districts], cell(chain.city.pk), True)
        for (pk, c), s in zip(districts, shown, strict=True):
            index[pk] = len(cells)
            cells.append(c)
            given.append(s)
        groups.append((cell(chain.city.pk), [index[pk] for pk, _c in districts]))
        given_groups.append(city_total)
    district = chain.district
    if district is None:  # a node under a city without districts: its own figure alone
        return shown_single(cell(node.pk), True), {}
    for sc in chain.schools:
        index[sc.pk] = len(cells)
        cells.append(cell(sc.pk))
        given.append(None)
    schools_at = [index[sc.pk] for sc in chain.schools]
    groups.append((index[district.pk] if district.pk in index else cell(district.pk), schools_at))
    given_groups.append(None)
    rows, totals = protect_pairs(cells, groups, forced=given, fixed=given, forced_groups=given_groups,
                                 fixed_groups=given_groups)  # fmt: skip
    schools = {sc.pk: rows[index[sc.pk]] for sc in chain.schools}
    if node.kind == NodeKind.DISTRICT:
        return totals[-1], schools
    if node.kind == NodeKind.SCHOOL:
        return schools.get(node.pk, shown_single(cell(node.pk), True)), {}
    # An education group: its schools as in the district's table; its total audited with that table.
    members = [index[c.pk] for c in children if c.pk in index]
    _rows, totals = protect_pairs(
        cells, [*groups, (cell(node.pk), members)], forced=rows, fixed=rows,
        forced_groups=[*totals, None], fixed_groups=[*totals, None],
    )  # fmt: skip
    return totals[-1], {c.pk: schools[c.pk] for c in children if c.pk in schools}


def _suppressed(
    inds: list[Indicator], node: Node, period: Period, children: list[Node], cells: Cells
) -> dict[str, tuple[Shown, list[Shown]]]:
    """Every indicator's headline and rows as a viewer above the school sees them (linked tables for the
    sensitive ones: a fixed number of queries)."""
    sensitive = [i for i in inds if i.sensitive and i.code in cells]
    out: dict[str, tuple[Shown, list[Shown]]] = {}
    chain = _chain(node, children, period) if sensitive and node.kind != NodeKind.CITY else None
    stored: dict[tuple[str, int], Cell] = {}
    if chain is not None and chain.ids:
        for code, pk, n, d in RollupValue.objects.filter(
            period=period, node_id__in=chain.ids, indicator__in=[i.code for i in sensitive]
        ).values_list("indicator", "node_id", "numerator", "denominator"):
            stored[(code, pk)] = (n, d)
    for ind in inds:
        if ind.code not in cells:
            continue
        own, kid_cells = cells[ind.code]
        own_cell = own or (0, 0)
        kids = [(pk, c or (0, 0)) for pk, c in kid_cells.items()]
        if not ind.sensitive:
            out[ind.code] = (Shown(*own_cell), [Shown(*c) for _pk, c in kids])
        elif chain is None:  # the city: its table alone
            if kids:
                rows, total = suppress_table([c for _pk, c in kids], own_cell, True)
                out[ind.code] = (total, rows)
            else:
                out[ind.code] = (shown_single(own_cell, True), [])
        else:
            headline, rows_by_pk = _linked(ind.code, node, chain, stored, children)
            out[ind.code] = (headline, [rows_by_pk.get(pk, Shown(None, None, SECONDARY, SECONDARY))
                                        for pk, _c in kids])  # fmt: skip
    return out


def headlines_above_school(node: Node, period: Period) -> dict[str, Shown]:
    """A node's own figure of each sensitive indicator as anyone above the school sees it (its dashboard's
    headline, audited with the tables above it): for other pages that print the same figure (data approval)."""
    children = child_nodes(node, period)
    cells, _at = rollup_cells(node, period, children)
    inds = [i for i in catalogue.indicators(period.kind) if i.sensitive and i.code in cells]
    return {code: own for code, (own, _rows) in _suppressed(inds, node, period, children, cells).items()}


def node_dashboard(user: User, node: Node, period: Period, with_details: bool = True) -> Dashboard:
    """A node's figures for a period, per indicator group: its own figure with status against the target and
    its children's, from the rollups only (R-7.3), suppressed above the school level (R-7.6). At a school, each
    indicator's non-personal details rows and, for its own staff, the link to the records."""
    if not may_view(user, node):
        raise Http404
    raw = sees_raw(user, node)
    children = child_nodes(node, period)
    cells, oldest = rollup_cells(node, period, children)
    by_pk = {c.pk: c for c in children}
    urls = {
        c.pk: reverse("supervision:dashboard", kwargs={"node": c.pk, "period": period.code}) for c in children
    }
    groups: dict[str, list[IndicatorRow]] = {}
    inds = catalogue.indicators(period.kind)
    above = None if raw else _suppressed(inds, node, period, children, cells)
    for ind in inds:
        if ind.code not in cells:
            continue
        own, kid_cells = cells[ind.code]
        kids = [(by_pk[pk], c) for pk, c in kid_cells.items()]
        if above is None:
            shown_own, shown_kids = _shown(ind, node, own, kids, raw)
        else:
            shown_own, shown_kids = above[ind.code]
        figures = [_figure(n, c, s, ind) for (n, c), s in zip(kids, shown_kids, strict=True)]
        for f in figures:
            f.url = urls[f.node_id]
        row = IndicatorRow(
            indicator=ind,
            own=_figure(node, own, shown_own, ind),
            children=figures,
        )
        if with_details and node.kind == NodeKind.SCHOOL:
            row.details, row.detail_columns = details(user, node, period, ind)
            row.records_url = records_url(user, node, ind)
        groups.setdefault(ind.group or "other", []).append(row)
    return Dashboard(
        node=node,
        period=period,
        children=children,
        groups=[Group(key=k, label=group_label(k), rows=rows) for k, rows in groups.items()],
        raw=raw,
        computed_at=oldest,
    )


def details(
    user: User, node: Node, period: Period, ind: Indicator
) -> tuple[list[dict], list[tuple[str, str]]]:
    """The non-personal rows behind a school's figure (which campuses have no psychological teacher …) from
    the indicator's ``details`` function, with their column labels; nothing above the school level."""
    fn = ind.details_fn
    if fn is None or node.kind != NodeKind.SCHOOL or not may_view(user, node):
        return [], []
    rows = [
        {k: str(DETAIL_VALUES[v]) if isinstance(v, str) and v in DETAIL_VALUES else v for k, v in r.items()}
        for r in fn(node, period)
    ]
    labels = {**DETAIL_LABELS, **getattr(fn, "columns", {})}
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys and k not in DETAIL_HIDDEN)
    return rows, [(k, str(labels.get(k, _("Other")))) for k in keys]


def records_url(user: User, node: Node, ind: Indicator) -> str | None:
    """The identified records behind a school's figure, for its own staff only (people above the school get no
    link: they see aggregates), and only when that page opens for the user (its ``opens`` rule, issue 20)."""
    if not ind.records or not sees_raw(user, node):
        return None
    try:
        url = reverse(ind.records)
    except NoReverseMatch:
        return None
    return url if may_open(user, url) else None


@dataclass
class TrendPoint:
    period: Period
    figure: Figure | None


def trend(
    user: User, node: Node, ind: Indicator, periods: Iterable[Period] | None = None
) -> list[TrendPoint]:
    """The node's figure for one indicator across periods of the indicator's kind (semesters …), oldest first;
    one query; suppressed as a headline above the school level."""
    if not may_view(user, node) or not applies(ind, node):
        raise Http404
    raw = sees_raw(user, node)
    if periods is None:  # every period of the indicator's kind that has started
        periods = Period.objects.filter(kind=ind.period, starts_on__lte=timezone.localdate())
    periods = list(periods)
    periods.sort(key=lambda p: p.starts_on)
    stored = {
        pid: (n, d)
        for pid, n, d in RollupValue.objects.filter(
            indicator=ind.code, node=node, period__in=[p.pk for p in periods]
        ).values_list("period_id", "numerator", "denominator")
    }
    out = []
    children: list[Node] | None = None
    for p in periods:
        cell = stored.get(p.pk)
        if cell is None:
            out.append(TrendPoint(p, None))
            continue
        if raw or not ind.sensitive:
            shown = Shown(*cell)
        else:  # as the period's dashboard shows it (linked tables): a few queries per period, none per school
            children = child_nodes(node) if children is None else children
            kids = [c for c in children if c.is_open_on(p.starts_on)]  # the period's own rows (issue 18)
            cells, _at = rollup_cells(node, p, kids)
            shown = _suppressed([ind], node, p, kids, cells)[ind.code][0]
        out.append(TrendPoint(p, _figure(node, cell, shown, ind)))
    return out


def last_run() -> RollupRun | None:
    return RollupRun.objects.order_by("-started_at").first()


def running_full() -> RollupRun | None:
    """A full rollup started in the last 20 minutes and not finished (the recompute button shows its progress;
    a full run takes under 10 minutes for a city of a million students, so an older one has died)."""
    since = timezone.now() - dt.timedelta(minutes=20)
    return (
        RollupRun.objects.filter(full=True, finished_at__isnull=True, started_at__gte=since)
        .order_by("-started_at")
        .first()
    )
