"""Data approval (数据审核, the DHIS2 model): a school submits a period's figures, the district approves, the
city accepts; submitted or approved figures are locked (issue 7, deliverable 4).

The rules in one place (writes: supervision.approval.services; pages: supervision.approval.views):
- Periods approved: semesters and school years (quarters are not).
- School: draft → submitted (its school leader) → approved (an officer or administrator of its district).
- District: draft → approved (its own officers, once ALL its schools are approved: a parent approves only when
  all its children have) → accepted (a city officer or administrator, only for an approved district).
- Returning (退回) needs a reason: the district returns a school (not while the district itself is approved),
  the city returns a district (or the district withdraws its own approval before acceptance).
- Locked (:func:`locked_node_ids`): a school submitted or approved; a district approved or accepted, with the
  education groups under it. The rollup never overwrites a locked node's figures, so they stay the snapshot
  taken at submission until someone returns them.
"""

from __future__ import annotations

from django.db.models import Q

from org.models import Node, NodeKind, Post, Role, User
from supervision.approval.models import Approval, ApprovalState
from supervision.indicators.models import Period, PeriodKind

APPROVAL_KINDS = frozenset({PeriodKind.SEMESTER, PeriodKind.SCHOOL_YEAR})
SUBMIT_ROLES = frozenset({Role.SCHOOL_LEADER})
APPROVE_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN})
ACCEPT_ROLES = frozenset({Role.CITY_OFFICER, Role.CITY_ADMIN})
# Who sees where figures stand (T0 aggregates): the school's leader and psychological teachers, the district's
# officers and administrators, the city, supervisors.
VIEW_ROLES = frozenset(
    {Role.SCHOOL_LEADER, Role.PSYCH_TEACHER, Role.SUPERVISOR} | APPROVE_ROLES | ACCEPT_ROLES
)
LOCKED_SCHOOL = (ApprovalState.SUBMITTED, ApprovalState.APPROVED, ApprovalState.ACCEPTED)
LOCKED_DISTRICT = (ApprovalState.APPROVED, ApprovalState.ACCEPTED)


def locked_node_ids(period: Period) -> set[int]:
    """Nodes whose figures for ``period`` must not be recomputed: submitted/approved schools, approved/accepted
    districts and every group under them (one query, two for a locked district)."""
    if period.kind not in APPROVAL_KINDS:
        return set()
    rows = Approval.objects.filter(period=period).exclude(state=ApprovalState.DRAFT)
    locked: set[int] = set()
    districts: list[str] = []
    for node_id, kind, path, state in rows.values_list("node_id", "node__kind", "node__path", "state"):
        if kind == NodeKind.SCHOOL and state in LOCKED_SCHOOL:
            locked.add(node_id)
        elif kind == NodeKind.DISTRICT and state in LOCKED_DISTRICT:
            locked.add(node_id)
            districts.append(path)
    if districts:
        q = Q()
        for path in districts:
            q |= Q(path__startswith=path)
        locked.update(
            Node.objects.filter(q, kind__in=[NodeKind.GROUP, NodeKind.SCHOOL]).values_list("pk", flat=True)
        )
    return locked


def states(period: Period, node_ids) -> dict[int, str]:
    """node → state for ``period`` (draft when there is no row)."""
    found = dict(
        Approval.objects.filter(period=period, node_id__in=list(node_ids)).values_list("node_id", "state")
    )
    return {pk: found.get(pk, ApprovalState.DRAFT) for pk in node_ids}


def _posts(user: User, roles: frozenset[str]) -> list[Post]:
    from access.policy import posts_of

    return [p for p in posts_of(user) if p.role in roles]


def holds(user: User, roles: frozenset[str], node: Node) -> bool:
    """Does ``user`` hold a post of ``roles`` over ``node`` (at it or above it)? A campus post counts for its
    school."""
    for p in _posts(user, roles):
        root = p.node.parent if p.node.kind == NodeKind.CAMPUS else p.node
        if node.is_within(root):
            return True
    return False


def has_role(user: User, roles: frozenset[str]) -> bool:
    return bool(_posts(user, roles))


def root_nodes(user: User, roles: frozenset[str]) -> list[Node]:
    return [p.node.parent if p.node.kind == NodeKind.CAMPUS else p.node for p in _posts(user, roles)]


def nodes_q(user: User, roles: frozenset[str], field: str = "path") -> Q:
    """A ``Q`` over nodes (or over a node field, e.g. ``school__path``) under the user's posts of ``roles``."""
    q = Q(pk__in=[])
    for root in root_nodes(user, roles):
        q |= Q(**{f"{field}__startswith": root.path})
    return q
