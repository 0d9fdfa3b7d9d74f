"""Reads of plans, guardian contacts and referrals (干预方案、家校联系、转介; issue 4 items 5–7).

Every read starts from ``access.policy``. Who reads what (DESIGN.md tier table):

- the psychological teacher of the school (T3, school): everything of the school's cases, and writes it;
- the district counselor (T3, escalated students): plans, contacts and referrals of escalated cases, read-only,
  identified, to coordinate referrals;
- the class teacher (T2 class; T3 "tasks assigned to them"): the actions assigned to them, and the guardian
  contacts of their class's cases (they contact parents too), outcomes only of the contacts they logged;
- the institution clinician: the referrals sent to their institution, minimum data (Scope.REFERRED);
- the school leader: nothing here (open red/orange cases by name, level and status, on the case pages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from access.policy import CLINICAL_ROLES, NOTHING, role_student_q, roles_of
from access.tiers import Tier
from care.models import Case, CaseStatus, CrisisStep, Plan, PlanAction, PlanShare, PlanShareReading
from org.models import Enrollment, EnrollmentStatus, Post, Role, Student, User

READER_ROLES = CLINICAL_ROLES  # access.policy: the one list of who reads clinical text
WRITER_ROLES = frozenset({Role.PSYCH_TEACHER})
# The staff of a school who may own an action of a plan.
OWNER_ROLES = (Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.SCHOOL_LEADER, Role.TEACHER)


# --- Scope.REFERRED (registered with access in CareConfig.ready) ------------------------------------------------


# --- Cases --------------------------------------------------------------------------------------------------


def students_of(user: User, tier: Tier, roles) -> QuerySet[Student]:
    q = role_student_q(user, tier, roles)
    return Student.objects.filter(q) if q != NOTHING else Student.objects.none()


def may_read_plans(user: User) -> bool:
    return bool(roles_of(user) & READER_ROLES)


def readable_cases(user: User) -> QuerySet[Case]:
    """Cases whose plan, contacts and referrals ``user`` may read (psychological teacher, escalated)."""
    return Case.objects.filter(student__in=students_of(user, Tier.T3, READER_ROLES))


def may_write(user: User, case: Case) -> bool:
    """Only the school's psychological teacher writes plans and referrals (R12)."""
    return students_of(user, Tier.T3, WRITER_ROLES).filter(pk=case.student_id).exists()


def case_or_none(qs: QuerySet[Case], pk: int) -> Case | None:
    return qs.select_related("student", "school", "owner").filter(pk=pk).first()


# --- Plans and tasks ------------------------------------------------------------------------------------------


def plan_of(case: Case) -> Plan | None:
    return Plan.objects.filter(case=case).select_related("updated_by").first()


def plan_actions(plan: Plan | None) -> list[PlanAction]:
    if plan is None:
        return []
    return list(plan.actions.select_related("owner", "done_by"))


def owner_choices(case: Case) -> QuerySet[User]:
    """Who may own an action of this case's plan: the staff of the student's school (psychological teachers,
    class teachers, leaders, teachers) with a post in force."""
    posts = Post.objects.active().filter(Q(node_id=case.school_id) | Q(node__parent_id=case.school_id))
    ids = posts.filter(role__in=OWNER_ROLES).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk")


def my_tasks(user: User) -> QuerySet[PlanAction]:
    """The open actions assigned to ``user`` of open cases ("my tasks"; a class teacher's T3 is exactly this),
    soonest due first, with the student's name (one query)."""
    return (
        PlanAction.objects.filter(owner=user, done_at__isnull=True)
        .exclude(plan__case__status=CaseStatus.CLOSED)
        .select_related("plan__case__student")
        .order_by("due_on", "pk")
    )


def my_crisis_steps(user: User) -> QuerySet[CrisisStep]:
    """The crisis steps of open cases whose owner is ``user`` and that are still to do, soonest due first, with
    the student's name and class (issue 15, build 3). What a class teacher reads here is exactly his task and
    the student's name and class — never a level, score or reason (the tier table: "tasks assigned to them")."""
    class_name = Enrollment.objects.filter(
        student=OuterRef("case__student_id"), status=EnrollmentStatus.ACTIVE
    ).values("school_class__name")[:1]
    return (
        CrisisStep.objects.filter(owner=user, done_at__isnull=True, skipped_at__isnull=True)
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__student")
        .annotate(class_name=Subquery(class_name))
        .order_by("due_at", "pk")
    )


@dataclass
class TaskCounts:
    open: int
    due_soon: int
    overdue: int
    crisis_steps: list = field(
        default_factory=list
    )  # the user's open crisis steps (the home card lists them)


def task_counts(user: User, today: dt.date | None = None, now: dt.datetime | None = None) -> TaskCounts:
    """Open plan actions and crisis steps of ``user``: due today or tomorrow, overdue (two queries)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    dues = list(my_tasks(user).values_list("due_on", flat=True))
    steps = list(my_crisis_steps(user))
    soon = today + dt.timedelta(days=1)
    return TaskCounts(
        open=len(dues) + len(steps),
        due_soon=sum(today <= d <= soon for d in dues)
        + sum(s.due_at >= now and timezone.localdate(s.due_at) <= soon for s in steps),
        overdue=sum(d < today for d in dues) + sum(s.due_at < now for s in steps),
        crisis_steps=steps,
    )


# --- Guardian contacts ----------------------------------------------------------------------------------------


# --- Referrals and institutions -------------------------------------------------------------------------------


# --- What the guardians are told (告知家长, R10, R12) -------------------------------------------------------------


def guardian_children(user: User) -> QuerySet[Student]:
    """The guardian's own children (access.policy's CHILDREN scope)."""
    return students_of(user, Tier.T1, {Role.GUARDIAN})


def guardian_shares(user: User) -> QuerySet[PlanShare]:
    """Every share made to the guardians of ``user``'s children — nothing else of a case reaches them."""
    return PlanShare.objects.filter(plan__case__student__in=guardian_children(user))


def latest_shares_for_guardian(user: User) -> list[PlanShare]:
    """The latest share of each plan of the guardian's children, newest first, with whether ``user`` has
    confirmed reading it (``confirmed_at``). Two queries."""
    newest = PlanShare.objects.filter(plan=OuterRef("plan")).order_by("-shared_at", "-pk").values("pk")[:1]
    shares = list(
        guardian_shares(user)
        .filter(pk=Subquery(newest))
        .select_related("plan__case__student", "plan__case__school")
        .order_by("-shared_at", "-pk")
    )
    read = dict(
        PlanShareReading.objects.filter(reader=user, share__in=shares).values_list("share_id", "read_at")
    )
    for s in shares:
        s.confirmed_at = read.get(s.pk)
    return shares


def shares_of_plan(plan: Plan | None) -> list[PlanShare]:
    """The shares of a plan, newest first, each with its readings (who confirmed, when) — for the school."""
    if plan is None:
        return []
    return list(plan.shares.select_related("shared_by").prefetch_related("readings__reader"))
