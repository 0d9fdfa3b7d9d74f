"""Reads of the school programs (lessons, key times, training, five educations), starting from ``access.policy``.

The compliance functions (``lesson_compliance``, ``school_lesson_compliance``, ``training_coverage``,
``key_time_status``) are what supervision counts per class, school, district and semester: they take the
schools already narrowed by the caller's policy and run a fixed number of queries whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.policy import NOTHING, posts_of, roles_of, visible_schools
from org.calendar.selectors import calendars_for, local_semesters
from org.models import (
    Enrollment,
    EnrollmentStatus,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    Semester,
    Student,
    User,
)
from schoolwork.programs.models import (
    ActivityKind,
    ClassActivity,
    ClassDay,
    KeyTime,
    KeyTimeActivity,
    Lesson,
    LessonFocus,
    LessonPlan,
    Training,
    TrainingAttendance,
    TrainingCertificate,
    TrainingCycle,
    TrainingKind,
)
from schoolwork.programs.semesters import PRE_EXAM_GRADES, DueKeyTime, Fortnight, fortnights, key_times

# --- who may do what -------------------------------------------------------------------------------------------

# R3.1: the psychological teacher gives the lessons; a class teacher records those combined with class meetings
# (R3.2); the school leader keeps the school's log complete.
LESSON_ROLES = frozenset({Role.PSYCH_TEACHER, Role.CLASS_TEACHER, Role.SCHOOL_LEADER})
PLAN_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
# Compliance is counts of lessons per class, no one's personal data: whoever sees the school's aggregates (T0).
COMPLIANCE_ROLES = frozenset(
    {Role.TEACHER, Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.DISTRICT_ADMIN,
     Role.DISTRICT_OFFICER, Role.DISTRICT_COUNSELOR, Role.CITY_ADMIN, Role.CITY_OFFICER, Role.SUPERVISOR}
)  # fmt: skip


def lesson_classes(user: User) -> QuerySet[SchoolClass]:
    """The classes whose lesson log ``user`` keeps: a class teacher's own class, a psychological teacher's school
    or campus, a school leader's school."""
    q = NOTHING
    for post in posts_of(user):
        if post.role == Role.CLASS_TEACHER:
            q |= Q(pk=post.school_class_id)
        elif post.role == Role.PSYCH_TEACHER:
            q |= Q(campus=post.node) if post.node.kind == NodeKind.CAMPUS else Q(school=post.node)
        elif post.role == Role.SCHOOL_LEADER:
            q |= Q(school=post.node)
    if q == NOTHING:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(q).select_related("school", "campus")


def plan_schools(user: User) -> list[Node]:
    """Schools whose semester plans ``user`` writes (a campus psychological teacher plans for the school)."""
    out = {}
    for post in posts_of(user):
        if post.role in PLAN_ROLES:
            school = post.node.parent if post.node.kind == NodeKind.CAMPUS else post.node
            out[school.pk] = school
    return list(out.values())


def lesson_teachers(user: User, classes: Iterable[SchoolClass]) -> list[User]:
    """Who may be named as a lesson's teacher: the user, and the psychological teachers of the classes' schools
    (a leader logging a lesson names who gave it, so it counts toward that teacher's workload, R1.3)."""
    schools = {c.school_id for c in classes}
    others = User.objects.filter(
        pk__in=Post.objects.active()
        .filter(role=Role.PSYCH_TEACHER, node__school__in=schools)
        .values("user_id")
    ).exclude(pk=user.pk)
    return [user, *others.order_by("display_name", "username")]


def may_see_compliance(user: User) -> bool:
    return bool(roles_of(user) & COMPLIANCE_ROLES)


def lesson_log(classes: QuerySet[SchoolClass], semester: Semester) -> QuerySet[Lesson]:
    return (
        Lesson.objects.filter(school_class__in=classes, semester=semester)
        .select_related("school_class", "teacher")
        .order_by("-given_on", "school_class__grade", "school_class__name")
    )


# --- lesson compliance (R3.1) ----------------------------------------------------------------------------------


class Rule:
    FORTNIGHTLY = (
        "fortnightly"  # grade 4+ and non-graduating junior/senior grades: 1 class hour every 2 weeks
    )
    GRADUATING = "graduating"  # 初三, 高三: pre-exam counseling and stress relief
    NONE = "none"  # grades 1–3: in the plan, no hour rule


RULE_LABELS = {
    Rule.FORTNIGHTLY: _("1 class hour every two weeks"),
    Rule.GRADUATING: _("Pre-exam counseling and stress relief"),
    Rule.NONE: _("In the plan"),
}


def rule_for_grade(grade: int) -> str:
    if grade in PRE_EXAM_GRADES:
        return Rule.GRADUATING
    return Rule.FORTNIGHTLY if grade >= 4 else Rule.NONE


@dataclass
class ClassCompliance:
    """心理健康教育课达标 — one class's lessons in a semester against R3.1."""

    school_class: SchoolClass
    rule: str
    hours: int = 0
    lessons: int = 0
    fortnights_due: int = 0  # teaching fortnights already over
    fortnights_covered: int = 0  # of those, with at least one class hour
    pre_exam: int = 0
    stress_relief: int = 0
    life_education: int = 0
    adolescence_education: int = 0

    @property
    def rule_label(self) -> str:
        return str(RULE_LABELS[self.rule])

    @property
    def met(self) -> bool:
        if self.rule == Rule.FORTNIGHTLY:
            return self.fortnights_covered >= self.fortnights_due
        if self.rule == Rule.GRADUATING:
            return self.pre_exam > 0 and self.stress_relief > 0
        return True


def lesson_compliance(
    classes: Iterable[SchoolClass], semester: Semester, *, on: dt.date
) -> list[ClassCompliance]:
    """Each class's compliance with R3.1 in ``semester`` as of ``on`` (the fortnights over by then): one query,
    aggregated in the database to a row per class (a count per fortnight), whatever the number of lessons."""
    classes = list(classes)
    one_school = {c.school_id for c in classes}
    # The fortnights of each class's district (its own semester dates, else the city's; issue 18): one set of
    # blocks per district with dates of its own, one for the rest. A single school counts its own days off too.
    if all(SchoolClass.school.is_cached(c) for c in classes):
        district_of = {c.school_id: c.school.district_id for c in classes}
    else:  # one query, whatever the number of classes
        district_of = dict(Node.objects.filter(pk__in=one_school).values_list("pk", "district_id"))
    local = local_semesters(semester, set(district_of.values()))
    group_of = {
        c.pk: (district_of[c.school_id] if local[district_of[c.school_id]].dates_of else None)
        for c in classes
    }
    groups: dict[int | None, list[Fortnight]] = {}
    for c in classes:
        g = group_of[c.pk]
        if g not in groups:
            if len(one_school) == 1:
                node = c.school
            elif g is not None:
                node = Node(pk=g, kind=NodeKind.DISTRICT, district_id=g)  # its district's days off; no query
            else:
                node = None  # the national calendar
            held = local[district_of[c.school_id]]
            groups[g] = [b for b in fortnights(held, node) if b.ends_on < on]
    out = {
        c.pk: ClassCompliance(c, rule_for_grade(c.grade), fortnights_due=len(groups[group_of[c.pk]]))
        for c in classes
    }
    per_block = {
        f"b{g or 0}_{i}": Count("pk", filter=Q(given_on__gte=b.starts_on, given_on__lte=b.ends_on))
        for g, blocks in groups.items()
        for i, b in enumerate(blocks)
    }
    rows = (
        Lesson.objects.filter(school_class__in=[c.pk for c in classes], semester=semester)
        .values("school_class_id")
        .annotate(
            n=Count("pk"),
            hours=Sum("class_hours"),
            pre=Count("pk", filter=Q(focus=LessonFocus.PRE_EXAM)),
            stress=Count("pk", filter=Q(focus=LessonFocus.STRESS_RELIEF)),
            life=Count("pk", filter=Q(life_education=True)),
            adolescence=Count("pk", filter=Q(adolescence_education=True)),
            **per_block,
        )
    )
    for r in rows:
        cc = out[r["school_class_id"]]
        cc.lessons, cc.hours = r["n"], r["hours"] or 0
        cc.pre_exam, cc.stress_relief = r["pre"], r["stress"]
        cc.life_education, cc.adolescence_education = r["life"], r["adolescence"]
        g = group_of[r["school_class_id"]]
        cc.fortnights_covered = sum(1 for i in range(len(groups[g])) if r[f"b{g or 0}_{i}"])
    return sorted(out.values(), key=lambda c: (c.school_class.grade, c.school_class.name))


@dataclass
class SchoolCompliance:
    school: Node
    classes: int = 0
    classes_met: int = 0
    hours: int = 0
    grades: list[int] = field(default_factory=list)  # grades taught this school year
    grades_planned: list[int] = field(default_factory=list)
    rows: list[ClassCompliance] = field(default_factory=list)

    @property
    def grades_unplanned(self) -> list[int]:
        return [g for g in self.grades if g not in self.grades_planned]

    @property
    def percent(self) -> int:
        return round(100 * self.classes_met / self.classes) if self.classes else 0

    @property
    def met(self) -> bool:
        return self.classes > 0 and self.classes_met == self.classes and not self.grades_unplanned


def school_lesson_compliance(
    schools: Iterable[Node], semester: Semester, *, on: dt.date
) -> list[SchoolCompliance]:
    """Per school: classes meeting R3.1, and every grade covered by a semester plan (three queries). A school
    closed (撤销) before the semester began is not listed; one closed during it still is (issue 18)."""
    schools = [s for s in schools if s.is_open_on(semester.starts_on)]
    classes = SchoolClass.objects.filter(
        school__in=schools, school_year_id=semester.school_year_id
    ).select_related("school")
    out = {s.pk: SchoolCompliance(s) for s in schools}
    for cc in lesson_compliance(classes, semester, on=on):
        sc = out[cc.school_class.school_id]
        sc.rows.append(cc)
        sc.classes += 1
        sc.classes_met += cc.met
        sc.hours += cc.hours
        if cc.school_class.grade not in sc.grades:
            sc.grades.append(cc.school_class.grade)
    for school_id, grade in LessonPlan.objects.filter(school__in=schools, semester=semester).values_list(
        "school_id", "grade"
    ):
        out[school_id].grades_planned.append(grade)
    for sc in out.values():
        sc.grades.sort()
    return sorted(out.values(), key=lambda s: s.school.path)


def compliance_schools(user: User) -> QuerySet[Node]:
    """The schools whose compliance ``user`` sees (their T0 aggregates)."""
    if not may_see_compliance(user):
        return Node.objects.none()
    return visible_schools(user)


def lesson_plans(schools: Iterable[Node], semester: Semester) -> QuerySet[LessonPlan]:
    return LessonPlan.objects.filter(school__in=list(schools), semester=semester)


def semester_choices() -> QuerySet[Semester]:
    return Semester.objects.select_related("school_year").order_by("-starts_on")


# --- staff training, teaching research, inspection guidance (R2.2, R1.4) ----------------------------------------

# Who organises: a school (its leader or psychological teacher), a district (its officers: 教研, 视导) or the city.
TRAINING_ROLES = frozenset(
    {Role.SCHOOL_LEADER, Role.PSYCH_TEACHER, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.CITY_ADMIN,
     Role.CITY_OFFICER}
)  # fmt: skip
# Who is staff that must be trained (R2.2: at least one training per semester) and may sign in.
STAFF_ROLES = frozenset({Role.TEACHER, Role.CLASS_TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
# Who sees training coverage: the school's leader and psychological teachers (with names), districts and the
# city (counts per school).
COVERAGE_ROLES = frozenset(
    {Role.SCHOOL_LEADER, Role.PSYCH_TEACHER, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.CITY_ADMIN,
     Role.CITY_OFFICER, Role.SUPERVISOR}
)  # fmt: skip
NAMES_ROLES = frozenset({Role.SCHOOL_LEADER, Role.PSYCH_TEACHER})


def _school_of(node: Node) -> Node:
    return node.parent if node.kind == NodeKind.CAMPUS else node


def organiser_nodes(user: User) -> list[Node]:
    """The nodes ``user`` organises trainings for (a campus psychological teacher organises for the school)."""
    out = {}
    for post in posts_of(user):
        if post.role in TRAINING_ROLES:
            node = _school_of(post.node)
            out[node.pk] = node
    return list(out.values())


def managed_trainings(user: User) -> QuerySet[Training]:
    """Trainings organised at or below the user's organiser nodes."""
    q = NOTHING
    for node in organiser_nodes(user):
        q |= Q(organiser__path__startswith=node.path)
    if q == NOTHING:
        return Training.objects.none()
    return Training.objects.filter(q).select_related("organiser", "visited", "semester__school_year")


def managed_training_or_404(user: User, pk: int) -> Training:
    found = managed_trainings(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def staff_school(user: User) -> Node | None:
    """The school where ``user`` is staff (the first staff post), ``None`` for a non-staff user."""
    for post in posts_of(user):
        if post.role in STAFF_ROLES:
            return _school_of(post.node)
    return None


def attendance(training: Training) -> QuerySet[TrainingAttendance]:
    return training.attendance.select_related("user", "school").order_by("school__path", "user__username")


@dataclass
class StaffCoverage:
    """全员培训覆盖 — one school's staff trained in a semester (R2.2: everyone at least once)."""

    school: Node
    staff: int = 0
    trained: int = 0
    class_teachers: int = 0
    class_teachers_trained: int = 0  # in a class-teacher training
    untrained: list[User] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.trained / self.staff) if self.staff else 0

    @property
    def met(self) -> bool:
        return self.staff > 0 and self.trained == self.staff


def training_coverage(schools: Iterable[Node], semester: Semester, *, on: dt.date) -> list[StaffCoverage]:
    """Per school: its staff (posts in force between the semester's start and ``on``) and those with a
    mental-health training this semester (three queries whatever the number of schools). A school closed before
    the semester began is not listed (issue 18)."""
    schools = [s for s in schools if s.is_open_on(semester.starts_on)]
    out = {s.pk: StaffCoverage(s) for s in schools}
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=semester.starts_on))
    # Node.school is the denormalised school of a school or campus node: no path matching needed.
    posts = Post.objects.filter(in_force, node__school__in=schools, role__in=STAFF_ROLES).select_related(
        "user"
    )
    staff: dict[int, dict[int, User]] = defaultdict(dict)
    class_teachers: dict[int, set[int]] = defaultdict(set)
    school_of_node = dict(Node.objects.filter(school__in=schools).values_list("pk", "school_id"))
    for post in posts:
        school_id = school_of_node[post.node_id]
        staff[school_id][post.user_id] = post.user
        if post.role == Role.CLASS_TEACHER:
            class_teachers[school_id].add(post.user_id)
    seen = defaultdict(set)
    seen_ct = defaultdict(set)
    rows = TrainingAttendance.objects.filter(
        school__in=schools, training__semester=semester, training__kind=TrainingKind.TRAINING
    ).values_list("school_id", "user_id", "training__for_class_teachers")
    for school_id, user_id, for_ct in rows:
        seen[school_id].add(user_id)
        if for_ct:
            seen_ct[school_id].add(user_id)
    for sid, cov in out.items():
        people = staff.get(sid, {})
        cov.staff = len(people)
        cov.trained = len(seen[sid] & people.keys())
        cov.class_teachers = len(class_teachers[sid])
        cov.class_teachers_trained = len(seen_ct[sid] & class_teachers[sid])
        cov.untrained = sorted((u for uid, u in people.items() if uid not in seen[sid]), key=str)
    return sorted(out.values(), key=lambda c: c.school.path)


DEFAULT_HOURS_PER_SEMESTER = Decimal(4)
DEFAULT_PRE_SERVICE_HOURS = Decimal(2)


def required_hours() -> Decimal:
    """R2.2: hours of mental-health training every staff member takes a semester (``XINYU_TRAINING_HOURS_PER_
    SEMESTER``; default 4 — two sessions of two hours; the city sets its own)."""
    return Decimal(str(getattr(settings, "XINYU_TRAINING_HOURS_PER_SEMESTER", DEFAULT_HOURS_PER_SEMESTER)))


def required_pre_service_hours() -> Decimal:
    """R2.2 岗前: hours of pre-service training a staff member new this semester takes before or on starting
    (``XINYU_TRAINING_PRE_SERVICE_HOURS``; default 2)."""
    return Decimal(str(getattr(settings, "XINYU_TRAINING_PRE_SERVICE_HOURS", DEFAULT_PRE_SERVICE_HOURS)))


@dataclass
class StaffHours:
    """One staff member's mental-health training hours in a semester (R2.2): sessions signed in at, by cycle, and
    certificates recorded for them."""

    user: User
    titles: list[str] = field(default_factory=list)
    new: bool = True  # every post of theirs at the school began during the semester
    pre_service: Decimal = Decimal(0)
    in_service: Decimal = Decimal(0)
    certificates: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.pre_service + self.in_service + self.certificates

    def lacks_pre_service(self, pre_required: Decimal) -> bool:
        return self.new and self.pre_service < pre_required

    def short(self, required: Decimal, pre_required: Decimal) -> bool:
        return self.total < required or self.lacks_pre_service(pre_required)


@dataclass
class SchoolHours:
    school: Node
    required: Decimal
    pre_required: Decimal
    staff: list[StaffHours] = field(default_factory=list)

    @property
    def short(self) -> list[StaffHours]:
        return [s for s in self.staff if s.short(self.required, self.pre_required)]

    @property
    def met(self) -> int:
        return len(self.staff) - len(self.short)

    @property
    def new_staff(self) -> int:
        return sum(1 for s in self.staff if s.new)


def training_hours(schools: Iterable[Node], semester: Semester, *, on: dt.date) -> list[SchoolHours]:
    """R2.2 in hours: per school, every staff member (posts of teacher — any staff, teaching or not —, class
    teacher, psychological teacher, leader in force between the semester's start and ``on``) with their hours of
    mental-health training this semester: sessions signed in at (by cycle, 岗前 / 在岗) and certificates. A staff
    member is short below ``required_hours()``, or, new this semester, without ``required_pre_service_hours()`` of
    pre-service training. Four queries whatever the number of schools."""
    schools = list(schools)
    required, pre_required = required_hours(), required_pre_service_hours()
    out = {s.pk: SchoolHours(s, required, pre_required) for s in schools}
    in_force = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=semester.starts_on))
    school_of_node = dict(Node.objects.filter(school__in=schools).values_list("pk", "school_id"))
    people: dict[tuple[int, int], StaffHours] = {}
    for post in (
        Post.objects.filter(in_force, node__school__in=schools, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__username", "pk")
    ):
        key = (school_of_node[post.node_id], post.user_id)
        row = people.get(key)
        if row is None:
            row = people[key] = StaffHours(post.user)
            out[key[0]].staff.append(row)
        title = post.title or str(Role(post.role).label)
        if title not in row.titles:
            row.titles.append(title)
        row.new = row.new and post.valid_from >= semester.starts_on
    for school_id, user_id, cycle, hours in (
        TrainingAttendance.objects.filter(
            school__in=schools, training__semester=semester, training__kind=TrainingKind.TRAINING
        )
        .values("school_id", "user_id", "training__cycle")
        .annotate(h=Sum("training__hours"))
        .values_list("school_id", "user_id", "training__cycle", "h")
    ):
        row = people.get((school_id, user_id))
        if row is not None:
            if cycle == TrainingCycle.PRE_SERVICE:
                row.pre_service += hours
            else:
                row.in_service += hours
    for school_id, user_id, cycle, hours in (
        TrainingCertificate.objects.filter(school__in=schools, semester=semester)
        .values("school_id", "user_id", "cycle")
        .annotate(h=Sum("hours"))
        .values_list("school_id", "user_id", "cycle", "h")
    ):
        row = people.get((school_id, user_id))
        if row is not None:
            if cycle == TrainingCycle.PRE_SERVICE:
                row.pre_service += hours
            else:
                row.certificates += hours
    return sorted(out.values(), key=lambda r: r.school.path)


DISTRICT_NAMES_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN})


def sees_hours_names(user: User, school: Node) -> bool:
    """Who sees the names behind a school's training hours: its own leader and psychological teachers (everyone),
    and the officers and administrators of its district (who is short, to follow up); the city sees counts."""
    return sees_staff_names(user, school) or any(
        p.role in DISTRICT_NAMES_ROLES and school.is_within(p.node) for p in posts_of(user)
    )


def certificate_schools(user: User) -> list[Node]:
    """Schools whose staff's certificates the user records: their own school as leader or psychological teacher."""
    found = {}
    for p in posts_of(user):
        if p.role in NAMES_ROLES:
            school = _school_of(p.node)
            found[school.pk] = school
    return list(found.values())


def certificates_for(user: User, semester: Semester) -> QuerySet[TrainingCertificate]:
    return TrainingCertificate.objects.filter(
        semester=semester, school__in=[s.pk for s in certificate_schools(user)]
    ).select_related("user", "school")


def get_certificate_or_404(user: User, pk: int) -> TrainingCertificate:
    c = (
        TrainingCertificate.objects.filter(pk=pk, school__in=coverage_schools(user).values("pk"))
        .select_related("school")
        .first()
    )
    if c is None or not sees_hours_names(user, c.school):
        raise Http404
    return c


def coverage_schools(user: User) -> QuerySet[Node]:
    if not roles_of(user) & COVERAGE_ROLES:
        return Node.objects.none()
    return visible_schools(user)


def sees_staff_names(user: User, school: Node) -> bool:
    """A school's own leader and psychological teachers see who is untrained; above the school, counts."""
    return any(p.role in NAMES_ROLES and _school_of(p.node).pk == school.pk for p in posts_of(user))


def district_activities(user: User, semester: Semester) -> QuerySet[Training]:
    """教研 and 视导 of a semester organised in the user's subtrees (R1.4)."""
    return managed_trainings(user).filter(
        semester=semester, kind__in=[TrainingKind.RESEARCH, TrainingKind.INSPECTION]
    )


# --- key times (R3.3) -------------------------------------------------------------------------------------------

KEYTIME_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})


@dataclass
class KeyTimeRow:
    """A key time due for a grade of a school, with the activity that met it (or ``None``)."""

    school: Node
    due: DueKeyTime
    activity: KeyTimeActivity | None

    @property
    def label(self) -> str:
        return str(KeyTime(self.due.key).label)

    def state(self, today: dt.date) -> str:
        if self.activity is not None:
            return "done"
        if today > self.due.due_on:
            return "missed"
        return "open" if today >= self.due.opens_on else "later"


def keytime_schools(user: User) -> list[Node]:
    """Schools whose key-time activities ``user`` records (psychological teacher, leader)."""
    out = {}
    for post in posts_of(user):
        if post.role in KEYTIME_ROLES:
            school = _school_of(post.node)
            out[school.pk] = school
    return list(out.values())


def key_time_status(schools: Iterable[Node], semester: Semester) -> list[KeyTimeRow]:
    """Every key time due in ``semester`` for each grade each school teaches that school year, with its
    activity (two queries whatever the number of schools). A school closed before the semester began is not
    listed (issue 18)."""
    schools = [s for s in schools if s.is_open_on(semester.starts_on)]
    grades: dict[int, set[int]] = defaultdict(set)
    for school_id, grade in (
        SchoolClass.objects.filter(school__in=schools, school_year_id=semester.school_year_id)
        .values_list("school_id", "grade")
        .distinct()
    ):
        grades[school_id].add(grade)
    done = {
        (a.school_id, a.grade, a.key): a
        for a in KeyTimeActivity.objects.filter(school__in=schools, semester=semester)
    }
    out = []
    # The semester's dates in each school's district (its own, else the city's): one query per district.
    local = local_semesters(semester, {school.district_id for school in schools})
    first = min((s.starts_on for s in local.values()), default=semester.starts_on)
    last = max((s.ends_on for s in local.values()), default=semester.ends_on)
    calendars = calendars_for(schools, first, last)  # one statement for all schools
    for school in sorted(schools, key=lambda s: s.path):
        held = local[school.district_id]
        for due in key_times(held, sorted(grades[school.pk]), school, calendars[school.pk]):
            out.append(KeyTimeRow(school, due, done.get((school.pk, due.grade, due.key))))
    return out


# --- five educations (R6–R8) ------------------------------------------------------------------------------------

# The class teacher keeps their class's record; the school leader sees and completes the school's.
FIVE_ED_ROLES = frozenset({Role.CLASS_TEACHER, Role.SCHOOL_LEADER})
PE_MINUTES = 60  # R6: 1 hour in school and 1 hour outside, every day


def activity_classes(user: User) -> QuerySet[SchoolClass]:
    q = NOTHING
    for post in posts_of(user):
        if post.role == Role.CLASS_TEACHER:
            q |= Q(pk=post.school_class_id)
        elif post.role == Role.SCHOOL_LEADER:
            q |= Q(school=post.node)
    if q == NOTHING:
        return SchoolClass.objects.none()
    return SchoolClass.objects.filter(q).select_related("school", "campus")


def class_students(school_class: SchoolClass) -> QuerySet[Student]:
    return Student.objects.filter(
        enrollments__school_class=school_class, enrollments__status=EnrollmentStatus.ACTIVE
    ).order_by("student_no")


@dataclass
class ClassFiveEducations:
    """五育 — one class's countable record: physical activity days in the semester (R6), students with a sport
    mastered (R6) and with arts practice (R7) in the school year, labour-education activities (R8)."""

    school_class: SchoolClass
    days: int = 0
    days_full: int = 0  # days with 60 minutes in school and 60 outside
    days_due: int = 0  # school days of the semester so far (up to yesterday): every one counts (R6)
    pe_in_avg: int = 0
    pe_out_avg: int = 0
    outdoor_avg: int = 0
    students: int = 0
    with_sport: int = 0
    with_arts: int = 0
    labour: int = 0


def school_days_due(
    classes: list[tuple[int, int]], first: dt.date, last: dt.date
) -> tuple[dict[int, int], set]:
    """R6: for (class id, campus id) pairs, the school days of each class's campus calendar from ``first`` to
    ``last`` (both included; ``org.calendar``: weekdays, less holidays, plus make-up working days), and the weekend
    days that are school days somewhere among them. One calendar query for all campuses."""
    if last < first:
        return {pk: 0 for pk, _campus in classes}, set()
    campuses = Node.objects.filter(pk__in={campus for _pk, campus in classes})
    calendars = calendars_for(campuses, first, last)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    per_campus, weekend_days = {}, set()
    for campus_id, cal in calendars.items():
        school = [d for d in days if cal.is_school_day(d)]
        per_campus[campus_id] = len(school)
        weekend_days.update(d for d in school if d.weekday() >= 5)
    return {pk: per_campus.get(campus, 0) for pk, campus in classes}, weekend_days


def activity_days_by_school(
    school_ids: Iterable[int] | None, school_year_id: int, first: dt.date, last: dt.date
) -> dict[int, tuple[int, int]]:
    """R6 so it cannot be gamed by choosing which days to record: every class of the school year, every school day
    of its calendar from ``first`` to ``last``; a day recorded with 60 minutes in school and 60 outside counts, a
    day not recorded counts as missing. Per school: (full days, school days due) summed over its classes — a
    class's full days counted on school days only and at most its days due. Four queries whatever the number of
    schools (``school_ids`` None: all)."""
    classes_q = SchoolClass.objects.filter(school_year_id=school_year_id)
    if school_ids is not None:
        classes_q = classes_q.filter(school_id__in=list(school_ids))
    classes = list(classes_q.values_list("pk", "school_id", "campus_id"))
    due, weekend_days = school_days_due([(pk, campus) for pk, _s, campus in classes], first, last)
    on_school_day = ~Q(day__week_day__in=[1, 7]) | Q(day__in=sorted(weekend_days))  # Sunday = 1, Saturday = 7
    full = dict(
        ClassDay.objects.filter(
            on_school_day,
            school_class_id__in=[pk for pk, _s, _c in classes],
            day__gte=first,
            day__lte=last,
            pe_in_school__gte=PE_MINUTES,
            pe_outside__gte=PE_MINUTES,
        )
        .values("school_class_id")
        .annotate(n=Count("pk"))
        .values_list("school_class_id", "n")
    )
    out: dict[int, tuple[int, int]] = {}
    for pk, school_id, _campus in classes:
        k, n = out.get(school_id, (0, 0))
        out[school_id] = (k + min(full.get(pk, 0), due[pk]), n + due[pk])
    return out


def five_educations(
    classes: Iterable[SchoolClass], semester: Semester, today: dt.date | None = None
) -> list[ClassFiveEducations]:
    """The five-education record of each class (five queries whatever the number of classes)."""
    classes = list(classes)
    ids = [c.pk for c in classes]
    out = {c.pk: ClassFiveEducations(c) for c in classes}
    last = min(semester.ends_on, (today or timezone.localdate()) - dt.timedelta(days=1))
    due, _weekend = school_days_due([(c.pk, c.campus_id) for c in classes], semester.starts_on, last)
    for pk, n in due.items():
        out[pk].days_due = n
    days = (
        ClassDay.objects.filter(school_class__in=ids, day__gte=semester.starts_on, day__lte=semester.ends_on)
        .values("school_class_id")
        .annotate(
            n=Count("pk"),
            full=Count("pk", filter=Q(pe_in_school__gte=PE_MINUTES, pe_outside__gte=PE_MINUTES)),
            pe_in=Avg("pe_in_school"),
            pe_out=Avg("pe_outside"),
            outdoor=Avg("outdoor_break"),
        )
    )
    for row in days:
        cf = out[row["school_class_id"]]
        cf.days, cf.days_full = row["n"], row["full"]
        cf.pe_in_avg, cf.pe_out_avg, cf.outdoor_avg = (
            round(row[k] or 0) for k in ("pe_in", "pe_out", "outdoor")
        )
    for row in (
        Enrollment.objects.filter(school_class__in=ids, status=EnrollmentStatus.ACTIVE)
        .values("school_class_id")
        .annotate(n=Count("pk"))
    ):
        out[row["school_class_id"]].students = row["n"]
    through = ClassActivity.participants.through
    for row in (
        through.objects.filter(
            classactivity__school_class__in=ids,
            classactivity__school_year_id=semester.school_year_id,
            classactivity__kind__in=[ActivityKind.SPORT, ActivityKind.ARTS],
        )
        .values("classactivity__school_class_id", "classactivity__kind")
        .annotate(n=Count("student_id", distinct=True))
    ):
        cf = out[row["classactivity__school_class_id"]]
        if row["classactivity__kind"] == ActivityKind.SPORT:
            cf.with_sport = row["n"]
        else:
            cf.with_arts = row["n"]
    for row in (
        ClassActivity.objects.filter(
            school_class__in=ids,
            kind=ActivityKind.LABOUR,
            held_on__gte=semester.starts_on,
            held_on__lte=semester.ends_on,
        )  # fmt: skip
        .values("school_class_id")
        .annotate(n=Count("pk"))
    ):
        out[row["school_class_id"]].labour = row["n"]
    return sorted(
        out.values(), key=lambda c: (c.school_class.school_id, c.school_class.grade, c.school_class.name)
    )


def class_activities(school_class: SchoolClass, semester: Semester) -> QuerySet[ClassActivity]:
    return (
        ClassActivity.objects.filter(school_class=school_class, school_year_id=semester.school_year_id)
        .annotate(n=Count("participants"))
        .order_by("-held_on", "-pk")
    )


# --- workload (R1.3) --------------------------------------------------------------------------------------------


def lessons_taught(user_ids: list[int], start: dt.date, end: dt.date) -> dict[int, dict[str, int]]:
    """工作量 — psychological lessons taught by each teacher between ``start`` and ``end`` (both included): the
    lessons and their class hours (a lesson given to several classes counts once per class). One query;
    registered with ``care.workload.registry`` in ``SchoolworkConfig.ready()``."""
    rows = (
        Lesson.objects.filter(teacher_id__in=user_ids, given_on__gte=start, given_on__lte=end)
        .values("teacher_id")
        .annotate(n=Count("pk"), hours=Sum("class_hours"))
    )
    return {r["teacher_id"]: {"lessons": r["n"], "lesson_hours": r["hours"] or 0} for r in rows}
