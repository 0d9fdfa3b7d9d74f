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

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from access.policy import NOTHING, role_student_q, roles_of
from access.tiers import Tier
from care.alerts.deadlines import SchoolCalendar
from care.models import (
    Case,
    CaseStatus,
    CrisisStep,
    GuardianContact,
    Institution,
    InstitutionMember,
    Plan,
    PlanAction,
    Referral,
    ReferralStatus,
)
from care.plans import deadlines
from org.models import Enrollment, EnrollmentStatus, Node, Post, Role, Student, User

READER_ROLES = frozenset({Role.PSYCH_TEACHER, Role.DISTRICT_COUNSELOR})
WRITER_ROLES = frozenset({Role.PSYCH_TEACHER})
CONTACT_ROLES = READER_ROLES | {Role.CLASS_TEACHER}
REFERRAL_ROLES = READER_ROLES | {Role.INSTITUTION_CLINICIAN}
# Steps in which a referral is with the institution: its clinicians see it (Scope.REFERRED).
AT_INSTITUTION = (
    ReferralStatus.SENT,
    ReferralStatus.APPOINTMENT,
    ReferralStatus.SEEN,
    ReferralStatus.FEEDBACK,
)
# The staff of a school who may own an action of a plan.
OWNER_ROLES = (Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.SCHOOL_LEADER, Role.TEACHER)


# --- Scope.REFERRED (registered with access in CareConfig.ready) ------------------------------------------------


def referred_scope(post: Post) -> Q:
    """Scope.REFERRED: students with a referral sent to an institution the post's holder is a clinician of,
    still with the institution (sent, appointment, seen, feedback; not yet back at school)."""
    if post.role != Role.INSTITUTION_CLINICIAN:
        return NOTHING
    institutions = InstitutionMember.objects.filter(user_id=post.user_id, institution__is_active=True).values(
        "institution_id"
    )
    referrals = Referral.objects.filter(institution_id__in=institutions, status__in=AT_INSTITUTION)
    return Q(pk__in=referrals.values("student_id"))


# --- Cases --------------------------------------------------------------------------------------------------


def _students(user: User, tier: Tier, roles) -> QuerySet[Student]:
    q = role_student_q(user, tier, roles)
    return Student.objects.filter(q) if q != NOTHING else Student.objects.none()


def may_read_plans(user: User) -> bool:
    return bool(roles_of(user) & READER_ROLES)


def may_log_contacts(user: User) -> bool:
    return bool(roles_of(user) & CONTACT_ROLES)


def may_see_referrals(user: User) -> bool:
    return bool(roles_of(user) & REFERRAL_ROLES)


def readable_cases(user: User) -> QuerySet[Case]:
    """Cases whose plan, contacts and referrals ``user`` may read (psychological teacher, escalated)."""
    return Case.objects.filter(student__in=_students(user, Tier.T3, READER_ROLES))


def may_write(user: User, case: Case) -> bool:
    """Only the school's psychological teacher writes plans and referrals (R12)."""
    return _students(user, Tier.T3, WRITER_ROLES).filter(pk=case.student_id).exists()


def contact_cases(user: User) -> QuerySet[Case]:
    """Cases whose guardian-contact log ``user`` may see and add to: the readers', and the class teacher's
    class (a class teacher contacts the parents too; DESIGN.md users table)."""
    class_students = _students(user, Tier.T2, {Role.CLASS_TEACHER})
    return Case.objects.filter(
        Q(student__in=_students(user, Tier.T3, READER_ROLES)) | Q(student__in=class_students)
    )


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


def contacts_of(case: Case) -> list[GuardianContact]:
    return list(case.guardian_contacts.select_related("by"))


@dataclass
class ContactStatus:
    """Whether "contact the parents promptly" was met for a case."""

    deadline: dt.datetime | None
    first_reached: dt.datetime | None
    state: str  # "in_time", "late", "overdue", "waiting", "none" (no deadline for the level)

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def _state(deadline: dt.datetime | None, reached: dt.datetime | None, now: dt.datetime) -> str:
    if deadline is None:
        return "none"
    if reached is not None:
        return "in_time" if reached <= deadline else "late"
    return "overdue" if now > deadline else "waiting"


def contact_status(
    case: Case,
    now: dt.datetime | None = None,
    first_reached: dt.datetime | None = None,
    calendar: SchoolCalendar | None = None,
) -> ContactStatus:
    now = now or timezone.now()
    if first_reached is None:
        first_reached = case.guardian_contacts.filter(reached=True).aggregate(m=Min("at"))["m"]
    code = _district_code(case.school.district_id)
    deadline = deadlines.contact_deadline(case.level, case.opened_at, code, calendar)
    return ContactStatus(deadline, first_reached, _state(deadline, first_reached, now))


_codes: dict[int, str] = {}


def _district_code(district_id: int | None) -> str:
    if district_id is None:
        return ""
    if district_id not in _codes:
        _codes[district_id] = Node.objects.filter(pk=district_id).values_list("code", flat=True).first() or ""
    return _codes[district_id]


def contacts_due(user: User, now: dt.datetime | None = None) -> list[tuple[Case, ContactStatus]]:
    """The user's open cases whose guardians have not been reached yet, with their deadline (overdue first)."""
    now = now or timezone.now()
    cases = list(
        contact_cases(user)
        .exclude(status=CaseStatus.CLOSED)
        .exclude(guardian_contacts__reached=True)
        .select_related("student", "school")
        .order_by("opened_at")
    )
    calendar = SchoolCalendar(timezone.localdate(min((c.opened_at for c in cases), default=now)))
    rows = [(c, contact_status(c, now, None, calendar)) for c in cases]
    rows = [r for r in rows if r[1].state in ("overdue", "waiting")]
    return sorted(rows, key=lambda r: (r[1].state != "overdue", r[1].deadline))


@dataclass
class ContactTimeliness:
    """Per school and period: cases that needed a guardian contact, and how many were reached in time."""

    school_id: int
    needing: int = 0
    in_time: int = 0
    late: int = 0
    overdue: int = 0  # no contact yet, deadline passed
    waiting: int = 0  # no contact yet, deadline not passed
    case_ids: list[int] = field(default_factory=list, repr=False)


def guardian_contact_timeliness(
    *, school_ids, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> dict[int, ContactTimeliness]:
    """R12 measured: for cases opened in [``start``, ``end``) at ``school_ids`` — pass the schools the caller may
    count, from ``access.policy.visible_schools`` — how many needed a guardian contact by their level, how many
    were reached in time, late, or not yet (overdue / still waiting). Counts only (T0): no student named.
    Two queries whatever the number of cases; the deadlines are computed in memory with one school calendar."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time(0, 0), tz)
    hi = dt.datetime.combine(end, dt.time(0, 0), tz)
    rows = list(
        Case.objects.filter(school_id__in=school_ids, opened_at__gte=lo, opened_at__lt=hi)
        .annotate(first_reached=Min("guardian_contacts__at", filter=Q(guardian_contacts__reached=True)))
        .values_list("pk", "school_id", "school__district__code", "level", "opened_at", "first_reached")
    )
    calendar = SchoolCalendar(start, days=(end - start).days + 120)
    out: dict[int, ContactTimeliness] = {}
    for pk, school_id, code, level, opened_at, reached in rows:
        deadline = deadlines.contact_deadline(level, opened_at, code, calendar)
        if deadline is None:
            continue
        t = out.setdefault(school_id, ContactTimeliness(school_id))
        t.needing += 1
        t.case_ids.append(pk)
        setattr(t, _state(deadline, reached, now), getattr(t, _state(deadline, reached, now)) + 1)
    return out


# --- Referrals and institutions -------------------------------------------------------------------------------


def _clinician_institutions(user: User) -> QuerySet[Institution]:
    if Role.INSTITUTION_CLINICIAN not in roles_of(user):
        return Institution.objects.none()
    return Institution.objects.filter(members__user=user, is_active=True)


def referrals_for(user: User) -> QuerySet[Referral]:
    """The referrals ``user`` may see: the school's (psychological teacher), the escalated students'
    (district counselor), those with their institution (clinician)."""
    q = Q(pk__in=[])
    roles = roles_of(user)
    if roles & READER_ROLES:
        q |= Q(student__in=_students(user, Tier.T3, READER_ROLES))
    if Role.INSTITUTION_CLINICIAN in roles:
        q |= Q(institution__in=_clinician_institutions(user).values("pk"), status__in=AT_INSTITUTION)
    return Referral.objects.filter(q)


def referral_list(user: User) -> list[Referral]:
    """The referrals page's rows, with what each row shows (no query per row) and the overdue flag."""
    rows = list(
        referrals_for(user).select_related("student", "school", "institution").order_by("-status_at", "-pk")
    )
    now = timezone.now()
    for r in rows:
        r.due = deadlines.referral_step_due(r)
        r.overdue = r.due is not None and r.due < now
    return rows


def is_clinician_view(user: User, referral: Referral) -> bool:
    """The clinician sees the minimum data; the school's readers see the whole referral."""
    return not readable_cases(user).filter(pk=referral.case_id).exists()


def is_member(user: User, institution: Institution) -> bool:
    return _clinician_institutions(user).filter(pk=institution.pk).exists()


def institutions_for_case(case: Case) -> QuerySet[Institution]:
    """The partner institutions a case's school may refer to: its district's active ones."""
    return Institution.objects.filter(district_id=case.school.district_id, is_active=True).order_by("name")


def managed_districts(user: User) -> list[Node]:
    """Districts whose partner-institution registry ``user`` keeps (the district administrator)."""
    from access.policy import posts_of

    return [p.node for p in posts_of(user) if p.role == Role.DISTRICT_ADMIN]


def registry(user: User) -> QuerySet[Institution]:
    return (
        Institution.objects.filter(district__in=managed_districts(user))
        .select_related("district")
        .prefetch_related("members__user")
        .order_by("district__name", "name")
    )


def clinician_choices() -> QuerySet[User]:
    ids = Post.objects.active().filter(role=Role.INSTITUTION_CLINICIAN).values("user_id")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "pk")


@dataclass
class PathwaySummary:
    """What a case page shows of the plan, contacts and referrals (``care/_pathway_summary.html``)."""

    plan: Plan | None
    open_tasks: int
    contact: ContactStatus
    contacts: int
    referrals: list[Referral]


def pathway_summary(user: User, case: Case, now: dt.datetime | None = None) -> PathwaySummary | None:
    """For the case page: ``None`` when ``user`` may not read the plan of ``case`` (leaders, class teachers)."""
    if not readable_cases(user).filter(pk=case.pk).exists():
        return None
    plan = plan_of(case)
    return PathwaySummary(
        plan=plan,
        open_tasks=plan.actions.filter(done_at__isnull=True).count() if plan else 0,
        contact=contact_status(case, now),
        contacts=case.guardian_contacts.count(),
        referrals=list(case.referrals.select_related("institution")),
    )
