"""The access policy: the one place that decides who may see whose data (DESIGN.md, Access).

Every rule is a *scope*: a function of a post that returns a ``Q`` over ``Student``. Selectors narrow
querysets with it and object checks reuse the same ``Q`` (as Kolibri's ``readable_by_user_filter``), so a list
and a detail page can never disagree. ``ROLE_TIERS`` is the tier table of DESIGN.md as code; docs/access.md
prints it.

Higher layers (care, counseling) add scopes that only they can compute — "escalated students", "referred
students" — with :func:`register_scope` in their ``AppConfig.ready()``; ``access`` never imports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.http import Http404

from access.tiers import Tier
from org.models import (
    Enrollment,
    EnrollmentStatus,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    Student,
    User,
)


class Scope(StrEnum):
    NONE = "none"
    SELF = "self"  # the student themself
    CHILDREN = "children"  # a guardian's own children
    CLASS = "class"  # the class of a class-teacher post
    NODE = "node"  # the subtree of the post's node (school, campus, district, city)
    ESCALATED = "escalated"  # students escalated to the district (registered by care)
    REFERRED = "referred"  # students referred to the clinician's institution (registered by care)
    RED_ORANGE = "red_orange"  # students with an open red/orange case (registered by care)


N, SELF, CHILD, CLS, NODE = Scope.NONE, Scope.SELF, Scope.CHILDREN, Scope.CLASS, Scope.NODE
ESC, REF, RO = Scope.ESCALATED, Scope.REFERRED, Scope.RED_ORANGE
T0, T1, T2, T3, T4 = Tier.T0, Tier.T1, Tier.T2, Tier.T3, Tier.T4

# role → tier → scope. T4 (session notes) is never granted by role: the author only, or break-glass.
ROLE_TIERS: dict[str, dict[Tier, Scope]] = {
    Role.STUDENT: {T1: SELF},
    Role.GUARDIAN: {T1: CHILD},
    Role.TEACHER: {T0: NODE, T1: NODE},
    Role.CLASS_TEACHER: {T0: NODE, T1: CLS, T2: CLS},
    Role.PSYCH_TEACHER: {T0: NODE, T1: NODE, T2: NODE, T3: NODE},
    Role.SCHOOL_LEADER: {T0: NODE, T1: NODE, T2: NODE, T3: RO},
    # The district administrator (区管理员, the district's data manager) keeps the district's roster: imports,
    # accounts, passwords slips — T1 over every student of the district.
    Role.DISTRICT_ADMIN: {T0: NODE, T1: NODE},
    # Need-to-know (issue 19 finding 11): the district officer (教研员) sees aggregates (T0) and, like the district
    # counselor, only escalated students by name — not the district's whole roster. ESC for an officer: the
    # students of open alerts that reached the district officers (off-hours route, issue 15), while open
    # (care.alerts.selectors.escalated_scope); T1 and T3 alike.
    Role.DISTRICT_OFFICER: {T0: NODE, T1: ESC, T3: ESC},
    Role.DISTRICT_COUNSELOR: {T0: NODE, T1: ESC, T2: ESC, T3: ESC},
    Role.CITY_ADMIN: {T0: NODE},
    Role.CITY_OFFICER: {T0: NODE},
    Role.SUPERVISOR: {T0: NODE},
    # The clinician's T3 is "the referral's minimum data": served by the referral pages alone (care.referrals), which
    # check the clinician's institution themselves. A generic T3 grant would open every T3 page (level reasons,
    # history) of a referred student to them, so there is none.
    Role.INSTITUTION_CLINICIAN: {T1: REF},
    Role.AUDITOR: {},
    Role.SECURITY_ADMIN: {},  # 安全管理员: account security, never a student's data
}

# Actions that are not reads of a student's data: role → may, within the post's node subtree.
ACTIONS: dict[str, set[str]] = {
    # R14 tiered management: rosters are kept by the district's (or the city's) administrator and the school's
    # leaders. Not the district officer (教研员): since issue 19 finding 11 they see escalated students only, so they
    # import no roster either (an import writes and reports every student of the file).
    "roster.import": {Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER},
    "roster.print_passwords": {Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER, Role.CLASS_TEACHER},
    # Issue 18 (R1, R14): the organisation tree, classes and posts are kept on pages by the system
    # administrators — the city's for districts and everything below, a district's inside its district.
    "org.manage": {Role.CITY_ADMIN, Role.DISTRICT_ADMIN},
    # The school calendar (issue 18): the city keeps the national days and the city's school years and semesters
    # (``calendar.year``); a district its own semester dates within its subtree (``calendar.semester``: the city
    # administrator may set them for any district, a district's only for its own, never the city's); a district or
    # school its own days off; the year rollover of a school is run by its leader or the district's (or city's)
    # administrator.
    "calendar.year": {Role.CITY_ADMIN},
    "calendar.semester": {Role.CITY_ADMIN, Role.DISTRICT_ADMIN},
    "calendar.edit": {Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER},
    "rollover.run": {Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.SCHOOL_LEADER},
    # 三权分立 (issue 8 item 2; 等保 level 3 安全管理中心). The system administrators (城市/区管理员) keep accounts,
    # posts, the organisation tree and rosters (the actions above); the security administrator keeps account
    # security — disabling and enabling accounts, lifting login waits, resetting second factors, overseeing
    # break-glass, signing off key rotation; the auditor reads the trail. No role of one duty has another's action,
    # and a superuser has none of the last two duties' (see ``may``).
    "security.accounts": {Role.SECURITY_ADMIN},
    "security.break_glass": {Role.SECURITY_ADMIN},
    "security.keys": {Role.SECURITY_ADMIN},
    "audit.read": {Role.AUDITOR},
}

# Actions a Django superuser does NOT get by being one: the security administrator's and the auditor's. A
# superuser is at most a system administrator (docs/security.md, Separation of duties).
SUPERUSER_NEVER_PREFIXES: tuple[str, ...] = ("audit.", "security.")

ScopeFn = Callable[[Post], Q]
_registered: dict[Scope, ScopeFn] = {}


def register_scope(scope: Scope, fn: ScopeFn) -> None:
    """Let a higher layer supply the ``Q`` for a scope only it can compute (called from ``ready()``)."""
    _registered[scope] = fn


def _active_enrollments(**filters) -> Q:
    return Q(pk__in=Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, **filters).values("student_id"))


def _node_students(node: Node) -> Q:
    if node.kind == NodeKind.CAMPUS:
        return _active_enrollments(school_class__campus=node)
    if node.kind == NodeKind.SCHOOL:
        return _active_enrollments(school=node)
    return _active_enrollments(school__path__startswith=node.path)


NOTHING = Q(pk__in=[])


def _scope_q(scope: Scope, post: Post, user: User) -> Q:
    match scope:
        case Scope.SELF:
            return Q(user=user)
        case Scope.CHILDREN:
            return Q(pk__in=GuardianLink.objects.filter(guardian__user=user).values("student_id"))
        case Scope.CLASS:
            return _active_enrollments(school_class_id=post.school_class_id)
        case Scope.NODE:
            return _node_students(post.node)
        case _:
            fn = _registered.get(scope)
            return fn(post) if fn else NOTHING


@dataclass(frozen=True)
class Grant:
    role: str
    scope: Scope
    post: Post


def posts_of(user: User, on: dt.date | None = None) -> list[Post]:
    """The user's posts in force today, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cache = getattr(user, "_xinyu_posts", None)
    if cache is None or on is not None:
        posts = list(Post.objects.active(on).filter(user=user).select_related("node", "school_class"))
        if on is not None:
            return posts
        user._xinyu_posts = cache = posts
    return cache


def grants(user: User, tier: Tier) -> list[Grant]:
    out = []
    for post in posts_of(user):
        scope = ROLE_TIERS.get(post.role, {}).get(tier, Scope.NONE)
        if scope != Scope.NONE:
            out.append(Grant(post.role, scope, post))
    return out


def student_q(user: User, tier: Tier = Tier.T1) -> Q:
    """A ``Q`` over ``Student``: the students whose ``tier`` data ``user`` may read."""
    q = NOTHING
    for g in grants(user, tier):
        q |= _scope_q(g.scope, g.post, user)
    return q


def former_school_ids(
    user: User, student: Student, tier: Tier = Tier.T3, roles: Iterable[str] | None = None
) -> frozenset[int]:
    """Ownership on transfer (转学, issue 4 item 1): the schools whose OWN records of a student who has left
    them ``user`` still reads at ``tier``. The file follows the student to the receiving school (the active
    enrollment decides ``visible_students``); the old school keeps only what it recorded itself — through a
    NODE-scoped post (of one of ``roles``, when given) over a school or campus where the student has an
    enrollment that ended (transferred, completed, graduated, left). One query; empty when there is none."""
    wanted = set(roles) if roles is not None else None
    q = NOTHING
    for g in grants(user, tier):
        if g.scope != Scope.NODE or (wanted is not None and g.role not in wanted):
            continue
        node = g.post.node
        if node.kind == NodeKind.CAMPUS:
            q |= Q(school_class__campus=node)
        elif node.kind == NodeKind.SCHOOL:
            q |= Q(school=node)
        else:
            q |= Q(school__path__startswith=node.path)
    if q == NOTHING:
        return frozenset()
    ended = Enrollment.objects.filter(q, student=student).exclude(status=EnrollmentStatus.ACTIVE)
    return frozenset(ended.values_list("school_id", flat=True).distinct())


# 紧急调阅: the roles that may break the glass; a grant in force opens one student's T1–T3 to its holder
# (T4 notes stay with their author: the counseling app reads a grant itself, for the notes of that student).
BREAK_GLASS_ROLES: frozenset[str] = frozenset(
    {Role.PSYCH_TEACHER, Role.DISTRICT_COUNSELOR, Role.SCHOOL_LEADER}
)


def break_glass_jurisdiction(user: User) -> list[Node]:
    """Where ``user`` may break the glass (issue 19 finding 11: only within one's own jurisdiction): the
    district (区) of each of their break-glass-role posts — a school's or campus's district, a district post's
    own district; a post above the districts keeps its own node. Empty for a user without such a post."""
    roots: dict[int, Node] = {}
    for post in posts_of(user):
        if post.role not in BREAK_GLASS_ROLES:
            continue
        node = post.node
        district = node.district if node.district_id else node
        roots[district.pk] = district
    return list(roots.values())


def within_break_glass_jurisdiction(user: User, student: Student) -> bool:
    """Is ``student`` enrolled (active enrollment) at a school inside ``user``'s break-glass jurisdiction?"""
    roots = break_glass_jurisdiction(user)
    if not roots:
        return False
    enrolled = Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
    return enrolled.filter(_path_q(roots, "school__path")).exists()


def break_glass_q(user: User) -> Q:
    """A ``Q`` over ``Student``: the students of the user's break-glass grants in force (a subquery, so it
    costs no query of its own)."""
    from django.utils import timezone

    from access.models import BreakGlassGrant

    granted = BreakGlassGrant.objects.filter(user_id=user.pk, expires_at__gt=timezone.now())
    return Q(pk__in=granted.values("student_id"))


def visible_students(user: User, tier: Tier = Tier.T1) -> QuerySet[Student]:
    by_role = bool(grants(user, tier))
    by_grant = Tier.T1 <= tier <= Tier.T3 and bool(roles_of(user) & BREAK_GLASS_ROLES)
    if not (by_role or by_grant):
        return Student.objects.none()
    q = student_q(user, tier) if by_role else NOTHING
    if by_grant:
        q |= break_glass_q(user)
    return Student.objects.filter(q)


# A plain teacher's T1 is "name and class only, to report a concern" (DESIGN.md tier table, teacher row).
NAME_AND_CLASS_ONLY_ROLES: frozenset[str] = frozenset({Role.TEACHER})


def full_roster_q(user: User, scopes: Iterable[Scope] | None = None) -> Q:
    """A ``Q`` over ``Student``: the students whose full roster record (student number, birth date, history,
    guardians) ``user`` may read — their T1 grants except the name-and-class-only roles, optionally only the
    grants of the given ``scopes``."""
    wanted = set(scopes) if scopes is not None else None
    q = NOTHING
    for g in grants(user, Tier.T1):
        if g.role in NAME_AND_CLASS_ONLY_ROLES or (wanted is not None and g.scope not in wanted):
            continue
        q |= _scope_q(g.scope, g.post, user)
    return q


# Need-to-know (issue 19 finding 11): a partner institution's clinician, whose T1 is the referred students
# (Scope.REFERRED), reads a student's age but not the birth date, and not the enrollment history across years and
# schools. The scopes of the T1 grants that open those two:
ROSTER_DETAIL_SCOPES: frozenset[Scope] = frozenset(set(Scope) - {Scope.NONE, Scope.REFERRED})


def roster_detail_q(user: User) -> Q:
    """A ``Q`` over ``Student``: the students whose birth date and enrollment history ``user`` may read."""
    return full_roster_q(user, scopes=ROSTER_DETAIL_SCOPES)


# The roles whose T3 grant opens clinical text — reasons, notes, answers, plans: the psychological teacher and the
# escalated district counselor. A school leader's T3 on a red/orange student is "name, level, status" only
# (DESIGN.md), so every page that shows clinical text asks ``clinical_student_q``, never plain T3 (issue 19
# finding 5: the level history showed a leader the psychological teacher's note while the file page refused it).
CLINICAL_ROLES = frozenset({Role.PSYCH_TEACHER, Role.DISTRICT_COUNSELOR})


def clinical_student_q(user: User) -> Q:
    """A ``Q`` over ``Student``: the students whose clinical text ``user`` may read (T3 through CLINICAL_ROLES)."""
    return role_student_q(user, Tier.T3, CLINICAL_ROLES)


def role_student_q(user: User, tier: Tier, roles: Iterable[str]) -> Q:
    """A ``Q`` over ``Student``: the students whose ``tier`` data ``user`` may read through posts of ``roles``
    only — for pages the tier table gives to some T3 roles and not others (an intervention plan is for the
    psychological teacher and the escalated district counselor, not for the leader, who sees red/orange cases
    by name, level and status only)."""
    wanted = set(roles)
    q = NOTHING
    for g in grants(user, tier):
        if g.role in wanted:
            q |= _scope_q(g.scope, g.post, user)
    return q


def can_view_student(user: User, student: Student, tier: Tier = Tier.T1) -> bool:
    return visible_students(user, tier).filter(pk=student.pk).exists()


def get_student_or_404(user: User, pk: int, tier: Tier = Tier.T1) -> Student:
    """Outside one's scope is 404, not 403: no leak of whether the student exists. A refused look at a student
    who does exist is audited (``access.denied``), so attempts to browse other schools' students show up."""
    student = visible_students(user, tier).filter(pk=pk).first()
    if student is None:
        if Student.objects.filter(pk=pk).exists():
            from access import audit

            audit.record(actor=user, action="access.denied", student_id=pk, detail={"tier": int(tier)})
        raise Http404
    return student


def node_roots(user: User, tier: Tier = Tier.T0) -> list[Node]:
    """The nodes whose subtrees ``user`` sees at ``tier`` by NODE scope (overlaps not removed)."""
    return [g.post.node for g in grants(user, tier) if g.scope == Scope.NODE]


def _path_q(roots: Iterable[Node], field: str = "path") -> Q:
    q = NOTHING
    for node in roots:
        q |= Q(**{f"{field}__startswith": node.path})
    return q


def visible_schools(user: User) -> QuerySet[Node]:
    """Schools in the subtrees where the user sees aggregates (T0); a campus post sees its school."""
    roots = [n.parent if n.kind == NodeKind.CAMPUS else n for n in node_roots(user, Tier.T0)]
    if not roots:
        return Node.objects.none()
    return Node.objects.schools().filter(_path_q(roots))


def visible_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose roster (T1) the user may see: their own class, or every class under a NODE post."""
    q = NOTHING
    for g in grants(user, Tier.T1):
        if g.scope == Scope.CLASS:
            q |= Q(pk=g.post.school_class_id)
        elif g.scope == Scope.NODE:
            node = g.post.node
            q |= Q(campus=node) if node.kind == NodeKind.CAMPUS else _path_q([node], "school__path")
    if q == NOTHING:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(q)


def may(user: User, action: str, node: Node | None = None) -> bool:
    """May ``user`` do ``action`` (at ``node``, which must lie in one of their posts' subtrees)?"""
    if user.is_authenticated and user.is_superuser:
        # A superuser is a system administrator: never an auditor or a security administrator, not even through
        # a post of those roles (三权分立).
        return not action.startswith(SUPERUSER_NEVER_PREFIXES)
    roles = ACTIONS[action]
    return any(p.role in roles and (node is None or node.is_within(p.node)) for p in posts_of(user))


def action_nodes(user: User, action: str) -> list[Node]:
    roles = ACTIONS[action]
    return [p.node for p in posts_of(user) if p.role in roles]


def roles_of(user: User) -> set[str]:
    return {p.role for p in posts_of(user)}


def has_role(user: User, role: str) -> bool:
    """Whether ``user`` holds a post of ``role`` in force today: from the posts already read for this request, or
    else one light query (no joins, no rows returned). The answering routes ask only this (issue 3, "Speed")."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_xinyu_posts", None)
    if cached is not None:
        return any(p.role == role for p in cached)
    return Post.objects.active().filter(user=user, role=role).exists()
