"""Reads of home–school work and governance (R9, R10, R11, R14, R17). Every read starts from ``access.policy``:
the user's posts, ``visible_students``, ``visible_schools``. Coverage selectors count per class and school so
supervision can roll them up per district and semester."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from access.models import AuditEvent
from access.policy import NOTHING, clinical_student_q, posts_of, roles_of, visible_schools, visible_students
from access.tiers import Tier
from care.models import Case, CaseStatus
from org.calendar import selectors as calendar_selectors
from org.models import (
    PATH_STEP,
    Enrollment,
    EnrollmentStatus,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolYear,
    Semester,
    Student,
    User,
    open_q,
)
from schoolwork.home.models import (
    DistrictPlan,
    ExcellentCase,
    HomeVisit,
    LeadershipMeeting,
    ParentAttendance,
    ParentSession,
    Pilot,
    Resource,
)

# Who records and reads home visits (R10): the class teacher for their class, the psychological teacher and
# the school leader for their school (or campus).
VISIT_ROLES = frozenset({Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
SCHOOL_STAFF_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
DISTRICT_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER})
CITY_ROLES = frozenset({Role.CITY_ADMIN, Role.CITY_OFFICER, Role.SUPERVISOR})
# Governance records (meetings, plans, the case library) are read by school leaders and psychological teachers
# of the school and by district and city staff above it (counts and records, never a student).
GOVERNANCE_ROLES = SCHOOL_STAFF_ROLES | DISTRICT_ROLES | CITY_ROLES


# --- calendar ---------------------------------------------------------------------------------------------------


def semester_of(day: dt.date, node: Node | None = None) -> Semester | None:
    """The semester whose dates contain ``day`` where ``node`` is (its district's own dates, else the city's;
    None in the holidays between them)."""
    return calendar_selectors.semester_for(day, node)


def current_semester(today: dt.date | None = None, node: Node | None = None) -> Semester | None:
    """The semester under way where ``node`` is, or in the holidays the last one begun (the one whose work is
    being finished)."""
    today = today or timezone.localdate()
    started = [s for s in calendar_selectors.semesters_of(node) if s.starts_on <= today]
    return started[-1] if started else None


def current_year(today: dt.date | None = None) -> SchoolYear | None:
    sem = current_semester(today)
    return sem.school_year if sem else SchoolYear.current()


# --- scopes ------------------------------------------------------------------------------------------------------


def _school_of_post(post: Post) -> Node:
    return post.node.parent if post.node.kind == NodeKind.CAMPUS else post.node


def staff_schools(user: User, roles: frozenset[str] = SCHOOL_STAFF_ROLES) -> list[Node]:
    """The schools where the user holds one of ``roles`` (a campus post counts for its school)."""
    found = {}
    for p in posts_of(user):
        if p.role in roles and p.node.kind in (NodeKind.SCHOOL, NodeKind.CAMPUS):
            school = _school_of_post(p)
            found[school.pk] = school
    return list(found.values())


def visit_classes(user: User) -> QuerySet[SchoolClass]:
    """Classes whose home visits the user records and reads: their own class (class teacher), every class of
    their school or campus (psychological teacher, school leader)."""
    q = NOTHING
    for p in posts_of(user):
        if p.role == Role.CLASS_TEACHER:
            q |= Q(pk=p.school_class_id)
        elif p.role in SCHOOL_STAFF_ROLES:
            q |= (
                Q(campus=p.node)
                if p.node.kind == NodeKind.CAMPUS
                else Q(school__path__startswith=p.node.path)
            )
    if q == NOTHING:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(q)


def visit_students(user: User) -> QuerySet[Student]:
    """Students whose home visits the user records and reads (T2: the non-clinical summary)."""
    classes = visit_classes(user)
    return Student.objects.filter(
        pk__in=Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, school_class__in=classes).values(
            "student_id"
        )
    )


def get_visit_student_or_404(user: User, pk: int) -> Student:
    student = visit_students(user).filter(pk=pk).first()
    if student is None:
        raise Http404
    return student


def get_visit_class_or_404(user: User, pk: int) -> SchoolClass:
    cls = visit_classes(user).select_related("school", "school_year").filter(pk=pk).first()
    if cls is None:
        raise Http404
    return cls


def case_students_q(user: User) -> Q:
    """Over ``Case``: the open cases the user may know of — T3 over the student (psychological teacher, the
    leader for red/orange) or a member or owner of the case's team (a class teacher on the team)."""
    t3 = visible_students(user, Tier.T3).values("pk")
    return Q(student__in=t3) | Q(members__user=user) | Q(owner=user)


def open_cases(user: User) -> QuerySet[Case]:
    return Case.objects.exclude(status=CaseStatus.CLOSED).filter(case_students_q(user)).distinct()


# --- home-visit coverage (R10) ------------------------------------------------------------------------------------


@dataclass
class StudentVisitRow:
    student: Student
    visits: int
    last_on: dt.date | None
    open_case: bool  # shown only to who may know of the case
    visited_this_semester: bool

    @property
    def needs_case_visit(self) -> bool:
        return self.open_case and not self.visited_this_semester


def class_visit_coverage(
    user: User, school_class: SchoolClass, *, semester: Semester | None
) -> list[StudentVisitRow]:
    """家访覆盖 — every active student of the class with their visits this school year (R10: at least one each)
    and, for students with an open case the user may know of, whether they were visited this semester."""
    year_id = school_class.school_year_id
    sem_id = semester.pk if semester else None
    students = (
        Student.objects.filter(
            enrollments__school_class=school_class, enrollments__status=EnrollmentStatus.ACTIVE
        )
        .annotate(
            n_visits=Count("home_visits", filter=Q(home_visits__school_year_id=year_id)),
            last_on=Max("home_visits__visited_on", filter=Q(home_visits__school_year_id=year_id)),
            this_sem=Exists(HomeVisit.objects.filter(student=OuterRef("pk"), semester_id=sem_id)),
        )
        .order_by("student_no")
    )
    case_ids = set(
        open_cases(user).filter(student__in=students.values("pk")).values_list("student_id", flat=True)
    )
    return [StudentVisitRow(s, s.n_visits, s.last_on, s.pk in case_ids, s.this_sem) for s in students]


@dataclass
class ClassVisitRow:
    school_class: SchoolClass
    students: int
    visited: int

    @property
    def missing(self) -> int:
        return self.students - self.visited


def visit_coverage_by_class(classes: QuerySet[SchoolClass], year: SchoolYear) -> list[ClassVisitRow]:
    """Per class of ``classes`` in ``year``: active students and how many have had a visit this year (one query)."""
    active = Q(enrollments__status=EnrollmentStatus.ACTIVE)
    # A class of a school or campus closed (撤销) before the year began is not listed (issue 18).
    opened = open_q("school__", year.starts_on) & open_q("campus__", year.starts_on)
    rows = (
        classes.filter(opened, school_year=year)
        .select_related("school")
        .annotate(
            n_students=Count("enrollments__student", filter=active, distinct=True),
            n_visited=Count(
                "enrollments__student",
                filter=active & Q(enrollments__student__home_visits__school_year=year),
                distinct=True,
            ),
        )
        .order_by("school__path", "grade", "name")
    )
    return [ClassVisitRow(c, c.n_students, c.n_visited) for c in rows]


@dataclass
class SchoolVisitRow:
    school: Node
    students: int
    visited: int


def visit_coverage_by_school(schools: QuerySet[Node], year: SchoolYear) -> list[SchoolVisitRow]:
    """家访覆盖 per school (R10, for supervision's rollups): active students of the year's classes and how many
    had at least one visit this school year. Counts only; two queries whatever the number of schools."""
    active = Enrollment.objects.filter(
        status=EnrollmentStatus.ACTIVE, school__in=schools, school_class__school_year=year
    )
    students = dict(
        active.values_list("school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("school_id", "n")
    )
    visited = dict(
        active.filter(student__home_visits__school_year=year)
        .values_list("school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("school_id", "n")
    )
    return [SchoolVisitRow(s, students.get(s.pk, 0), visited.get(s.pk, 0)) for s in schools.order_by("path")]


def cases_missing_visit(user: User, semester: Semester) -> list[Case]:
    """Students with an open case and no home visit this semester (R10), among the cases the user may know."""
    visited = HomeVisit.objects.filter(semester=semester).values("student_id")
    return list(
        open_cases(user)
        .exclude(student__in=visited)
        .select_related("student", "school")
        .order_by("school__path", "student__student_no")
    )


def visits_of(user: User, student: Student) -> tuple[list[HomeVisit], bool]:
    """A student's visits for the student page, newest first, and whether the user may read the sensitive
    notes (the student's clinical text: ``access.policy.CLINICAL_ROLES``; the author always reads their own). Empty
    when the user may not see visits. Not plain T3: a school leader's T3 on a red/orange student is name, level and
    status (issue 19 build 4: the tier tour found the leader reading the note here)."""
    if not visit_students(user).filter(pk=student.pk).exists():
        return [], False
    t3 = Student.objects.filter(clinical_student_q(user), pk=student.pk).exists()
    visits = list(HomeVisit.objects.filter(student=student).select_related("recorded_by"))
    for v in visits:
        v.may_read_note = t3 or v.recorded_by_id == user.pk
    return visits, t3


# --- parent sessions (R11) ----------------------------------------------------------------------------------------


def session_schools(user: User) -> list[Node]:
    """Schools whose parent sessions the user manages (psychological teacher, school leader)."""
    return staff_schools(user)


def guardian_schools(user: User) -> QuerySet[Node]:
    """The schools of a guardian's children (their active enrollments)."""
    return Node.objects.filter(
        pk__in=Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE, student__guardian_links__guardian__user=user
        ).values("school_id")
    )


def sessions_for(user: User) -> QuerySet[ParentSession]:
    """Parent sessions the user may read: of the schools they see aggregates of (staff, district, city), the
    schools where they teach a class, and their children's schools (guardians)."""
    schools = visible_schools(user).values("pk")
    q = Q(school__in=schools) | Q(school__in=guardian_schools(user).values("pk"))
    return ParentSession.objects.filter(q).select_related("school", "semester__school_year")


def get_session_or_404(user: User, pk: int) -> ParentSession:
    s = sessions_for(user).filter(pk=pk).first()
    if s is None:
        raise Http404
    return s


def attendance_classes(user: User, session: ParentSession) -> QuerySet[SchoolClass]:
    """Classes whose households the user may tick for this session: their own class (class teacher), every
    class of the school (psychological teacher, leader)."""
    return visit_classes(user).filter(school=session.school, school_year=session.semester.school_year)


@dataclass
class SessionClassRow:
    school_class: SchoolClass
    households: int
    attended: int


def session_attendance_by_class(
    session: ParentSession, classes: QuerySet[SchoolClass]
) -> list[SessionClassRow]:
    active = Q(enrollments__status=EnrollmentStatus.ACTIVE)
    rows = classes.annotate(
        n=Count("enrollments", filter=active, distinct=True),
    ).order_by("grade", "name")
    attended = dict(
        ParentAttendance.objects.filter(session=session)
        .values_list("school_class_id")
        .annotate(n=Count("pk"))
        .values_list("school_class_id", "n")
    )
    return [SessionClassRow(c, c.n, attended.get(c.pk, 0)) for c in rows]


@dataclass
class SchoolSessionRow:
    school: Node
    sessions: int


def session_coverage(user: User, semester: Semester) -> list[SchoolSessionRow]:
    """R11: parent sessions per school this semester (a school with none is missing) — for the schools whose
    aggregates the user sees."""
    schools = visible_schools(user).open_on(semester.starts_on)  # closed before the semester: not listed
    counts = dict(
        ParentSession.objects.filter(semester=semester, school__in=visible_schools(user))
        .values_list("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    return [SchoolSessionRow(s, counts.get(s.pk, 0)) for s in schools.order_by("path")]


# --- guardians ------------------------------------------------------------------------------------------------


def children_of(user: User) -> QuerySet[Student]:
    return Student.objects.filter(guardian_links__guardian__user=user).distinct()


def guardian_of(user: User) -> Guardian | None:
    return Guardian.objects.filter(user=user).first()


# Audit actions that are reads of a student's T1 roster only (the name on a list), not of their file: the
# transparency page lists the T2+ reads — every "<app>.<thing>.view" except these.
T1_VIEWS = frozenset({"student.view", "class.view", "student.list"})


@dataclass
class Opening:
    at: dt.datetime
    action: str
    child: str
    roles: list[str] = field(default_factory=list)
    schools: list[str] = field(default_factory=list)


def opening_events(user: User) -> QuerySet[AuditEvent]:
    """查阅记录 — the audit events of who opened the guardian's children's T2+ data, newest first. Reads by the
    guardian themself and by the child are left out."""
    children = list(children_of(user))
    if not children:
        return AuditEvent.objects.none()
    own = {user.pk} | {s.user_id for s in children if s.user_id}
    return (
        AuditEvent.objects.filter(student_id__in=[s.pk for s in children], action__endswith=".view")
        .exclude(action__in=T1_VIEWS)
        .exclude(actor_id__in=own)
        .order_by("-seq")
    )


def file_openings(user: User, events: Iterable[AuditEvent] | None = None) -> list[Opening]:
    """Who (role and school, not the name) opened the guardian's children's T2+ data, and when: ``events`` (of
    :func:`opening_events`; all of them when not given). Three queries."""
    children = {s.pk: s for s in children_of(user)}
    if not children:
        return []
    events = list(opening_events(user) if events is None else events)
    actor_ids = {e.actor_id for e in events if e.actor_id}
    posts: dict[int, list[Post]] = {}
    for p in Post.objects.filter(user_id__in=actor_ids).select_related("node", "node__school"):
        posts.setdefault(p.user_id, []).append(p)
    out = []
    for e in events:
        mine = posts.get(e.actor_id, [])
        roles = sorted({p.get_role_display() for p in mine})
        schools = sorted({str(p.node.school or p.node) for p in mine})
        out.append(Opening(e.at, e.action, children[e.student_id].name, roles, schools))
    return out


# --- governance -------------------------------------------------------------------------------------------------


def _governance_schools(user: User) -> QuerySet[Node]:
    if not roles_of(user) & GOVERNANCE_ROLES:
        return Node.objects.none()
    return visible_schools(user)


def meetings_for(user: User) -> QuerySet[LeadershipMeeting]:
    return LeadershipMeeting.objects.filter(school__in=_governance_schools(user).values("pk")).select_related(
        "school"
    )


def get_meeting_or_404(user: User, pk: int) -> LeadershipMeeting:
    m = meetings_for(user).filter(pk=pk).first()
    if m is None:
        raise Http404
    return m


def quarters_of(year: SchoolYear) -> list[tuple[dt.date, dt.date]]:
    """The four quarters of a school year (Sep–Nov, Dec–Feb, Mar–May, Jun–Aug)."""
    out, start = [], year.starts_on
    for _i in range(4):
        m = start.month + 3
        end = dt.date(start.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)
        out.append((start, min(end - dt.timedelta(days=1), year.ends_on)))
        start = end
    return out


@dataclass
class MeetingCoverageRow:
    school: Node
    per_quarter: list[int]

    @property
    def quarters_missing(self) -> int:
        return sum(1 for n in self.per_quarter if n == 0)


def meeting_coverage(user: User, year: SchoolYear) -> list[MeetingCoverageRow]:
    """R14: leadership-group meetings per school per quarter (at least one each), in two queries."""
    schools = list(_governance_schools(user).order_by("path"))
    quarters = quarters_of(year)
    counts: dict[tuple[int, int], int] = {}
    rows = LeadershipMeeting.objects.filter(
        school__in=schools, held_on__gte=year.starts_on, held_on__lte=year.ends_on
    ).values_list("school_id", "held_on")
    for school_id, held_on in rows:
        for i, (a, b) in enumerate(quarters):
            if a <= held_on <= b:
                counts[(school_id, i)] = counts.get((school_id, i), 0) + 1
    return [MeetingCoverageRow(s, [counts.get((s.pk, i), 0) for i in range(4)]) for s in schools]


def plan_districts(user: User) -> list[Node]:
    return [p.node for p in posts_of(user) if p.role in DISTRICT_ROLES and p.node.kind == NodeKind.DISTRICT]


def plans_for(user: User) -> QuerySet[DistrictPlan]:
    """District plans: the district's own staff, and city staff (who review them)."""
    q = Q(district__in=[d.pk for d in plan_districts(user)])
    if roles_of(user) & CITY_ROLES:
        q |= Q(pk__isnull=False)
    return DistrictPlan.objects.filter(q).select_related("district", "school_year")


def get_plan_or_404(user: User, pk: int) -> DistrictPlan:
    p = plans_for(user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def pilots_for(user: User) -> QuerySet[Pilot]:
    return Pilot.objects.select_related("node", "school_year").order_by(
        "-school_year__start_year", "node__path"
    )


def cases_for(user: User) -> QuerySet[ExcellentCase]:
    """The case library: the school's own submissions (leader, psychological teacher), the district's for review,
    the city's for selection; and, for every staff member, the cases the city selected."""
    q = Q(school__in=_governance_schools(user).values("pk"))
    if posts_of(user) and not roles_of(user) & {Role.STUDENT, Role.GUARDIAN}:
        q |= Q(stage="city_selected")
    return ExcellentCase.objects.filter(q).select_related("school")


def get_case_or_404(user: User, pk: int) -> ExcellentCase:
    c = cases_for(user).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


def _ancestor_paths(path: str) -> list[str]:
    step = PATH_STEP + 1
    return [path[:i] for i in range(step, len(path) + 1, step)]


def resources_for(user: User, audience: str | None = None) -> QuerySet[Resource]:
    """Resources published at the user's nodes or above them (a school's parents see the city's, their
    district's and their school's), and, for staff, those published below their node."""
    up: set[str] = set()
    q = NOTHING
    for p in posts_of(user):
        up.update(_ancestor_paths(p.node.path))
        if p.role not in (Role.STUDENT, Role.GUARDIAN):
            q |= Q(node__path__startswith=p.node.path)
    qs = Resource.objects.filter(q | Q(node__path__in=up)).select_related("node")
    if audience:
        qs = qs.filter(audience__in=[audience, "both"])
    return qs


def get_resource_or_404(user: User, pk: int) -> Resource:
    r = resources_for(user).filter(pk=pk).first()
    if r is None:
        raise Http404
    return r


def guardian_link(user: User, student_pk: int) -> GuardianLink:
    link = (
        GuardianLink.objects.filter(guardian__user=user, student_id=student_pk)
        .select_related("guardian", "student")
        .first()
    )
    if link is None:
        raise Http404
    return link
