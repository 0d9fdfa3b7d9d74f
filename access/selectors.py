"""Reads of the access app: break-glass grants in force, the audit trail for the auditor's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from access.models import AuditEvent, BreakGlassGrant
from access.policy import may, roles_of
from access.tiers import Tier
from org.models import Role, Student, User


def active_break_glass(user: User, student: Student) -> BreakGlassGrant | None:
    """The user's break-glass grant for this student still in force (the latest to expire), if any."""
    if not user.is_authenticated:
        return None
    return (
        BreakGlassGrant.objects.filter(user=user, student=student, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


@dataclass(frozen=True)
class TrailFilter:
    """What the auditor narrows the trail to. Dates are local (Asia/Shanghai) days, both ends included."""

    actor: str = ""  # username at the time of the event
    action: str = ""  # an action or its family: "break_glass" matches "break_glass.grant"
    student_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_trail(user: User, f: TrailFilter | None = None) -> QuerySet[AuditEvent]:
    """The audit trail for an auditor (``audit.read``), newest first; anyone else gets nothing.

    R-DESIGN (Access, auditor): the trail's metadata only — who, what, which student id, when, from where,
    why — never the content of a record; the auditor sees no student's name.
    """
    if not may(user, "audit.read"):
        return AuditEvent.objects.none()
    f = f or TrailFilter()
    qs = AuditEvent.objects.order_by("-seq").filter(_trail_scope(user))
    if f.actor:
        qs = qs.filter(actor_label=f.actor)
    if f.action:
        family = f.action.rstrip(".")
        qs = qs.filter(Q(action=family) | Q(action__startswith=f"{family}."))
    if f.student_id is not None:
        qs = qs.filter(student_id=f.student_id)
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + dt.timedelta(days=1)))
    return qs


def _trail_scope(user: User) -> Q:
    """Which events an auditor reads (issue 19): a city auditor the whole trail; a district's auditor only the
    events of its district — by a person who holds or held a post there, or about a student enrolled (now or
    before) at one of its schools — never a sibling district's. An event of neither (a system task, an anonymous
    digest, a refused sign-in of no one) is the city's."""
    from access.policy import action_nodes
    from org.models import Enrollment, NodeKind, Post

    nodes = action_nodes(user, "audit.read")
    if any(n.kind == NodeKind.CITY for n in nodes):
        return Q()
    q = Q(pk__in=[])
    for node in nodes:
        q |= Q(actor_id__in=Post.objects.filter(node__path__startswith=node.path).values("user_id"))
        q |= Q(
            student_id__in=Enrollment.objects.filter(school__path__startswith=node.path).values("student_id")
        )
    return q


def break_glass_review_queue(user: User) -> QuerySet[BreakGlassGrant]:
    """The grants a school leader must review: those on students of their school (T1 scope), unreviewed
    first, then the newest."""
    from access.policy import student_q

    if Role.SCHOOL_LEADER not in roles_of(user):
        return BreakGlassGrant.objects.none()
    return (
        BreakGlassGrant.objects.filter(student__in=Student.objects.filter(student_q(user, Tier.T1)))
        .select_related("user", "student", "reviewed_by")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-granted_at")
    )


def may_review_break_glass(user: User, grant: BreakGlassGrant) -> bool:
    return grant.user_id != user.pk and break_glass_review_queue(user).filter(pk=grant.pk).exists()


def reads_under_grant(grant: BreakGlassGrant) -> list[tuple[str, int]]:
    """What the holder did with the student while the grant was in force: (action, count), from the trail."""
    from django.db.models import Count

    return list(
        AuditEvent.objects.filter(
            actor_id=grant.user_id,
            student_id=grant.student_id,
            at__gte=grant.granted_at,
            at__lte=grant.expires_at,
        )
        .values_list("action")
        .annotate(n=Count("pk"))
        .order_by("action")
    )


# --- Security administration (安全管理员) ----------------------------------------------------------------------------


def security_accounts(user: User, query: str = "") -> QuerySet[User]:
    """The staff accounts a security administrator (``security.accounts``) keeps: every account with a staff
    post in the subtree of one of their posts — not students' or guardians' accounts (their names are student
    data, which this duty never reads). Anyone else gets nothing."""
    from access.policy import action_nodes
    from org.models import Post

    nodes = action_nodes(user, "security.accounts")
    if not nodes:
        return User.objects.none()
    under = Q()
    for node in nodes:
        under |= Q(node__path__startswith=node.path)
    staff_posts = Post.objects.filter(under).exclude(role__in=[Role.STUDENT, Role.GUARDIAN])
    qs = User.objects.filter(pk__in=staff_posts.values("user_id")).order_by("username")
    if query:
        qs = qs.filter(Q(username__icontains=query) | Q(display_name__icontains=query))
    return qs


@dataclass(frozen=True)
class GrantOversight:
    """One break-glass grant as the security administrator oversees it: who, where, when, reviewed — never the
    student's name or the reason."""

    pk: int
    holder: str
    school: str
    granted_at: dt.datetime
    expires_at: dt.datetime
    reviewed_at: dt.datetime | None


def oversight_grants(user: User) -> QuerySet[BreakGlassGrant]:
    """Break-glass grants of students in the security administrator's subtree, unreviewed first, then newest."""
    from access.policy import action_nodes
    from org.models import Enrollment, EnrollmentStatus

    nodes = action_nodes(user, "security.break_glass")
    if not nodes:
        return BreakGlassGrant.objects.none()
    under = Q()
    for node in nodes:
        under |= Q(school__path__startswith=node.path)
    enrolled = Enrollment.objects.filter(under, status=EnrollmentStatus.ACTIVE)
    return (
        BreakGlassGrant.objects.filter(student_id__in=enrolled.values("student_id"))
        .select_related("user")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-granted_at")
    )


def break_glass_oversight(grants: Iterable[BreakGlassGrant]) -> list[GrantOversight]:
    """The rows of the security page for ``grants`` (of :func:`oversight_grants`): who, which school, when."""
    from org.models import Enrollment, EnrollmentStatus

    grants = list(grants)
    schools = dict(
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE, student_id__in=[g.student_id for g in grants]
        ).values_list("student_id", "school__name")
    )
    return [
        GrantOversight(
            g.pk, g.user.username, schools.get(g.student_id, ""), g.granted_at, g.expires_at, g.reviewed_at
        )
        for g in grants
    ]
