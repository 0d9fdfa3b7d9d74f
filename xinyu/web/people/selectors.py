"""Reads for the pages of the jurisdiction tree, classes and students (学校 / 班级 / 学生).

Every queryset starts from ``access.policy`` (visible_schools, visible_classes, visible_students,
get_student_or_404); this module only adds columns (annotations, so a page costs the same number of queries
for 10 rows or 10,000) and search. It never widens a scope.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from access.policy import (
    Scope,
    full_roster_q,
    get_student_or_404,
    grants,
    node_roots,
    posts_of,
    roster_detail_q,
    student_q,
    visible_classes,
    visible_schools,
    visible_students,
)
from access.tiers import Tier
from org.models import (
    Enrollment,
    EnrollmentStatus,
    GuardianLink,
    Node,
    NodeKind,
    Role,
    SchoolClass,
    Student,
    User,
    open_q,
)

MAX_QUERY = 50


def clean_query(raw: str | None) -> str:
    """Normalise a search box entry: full-width digits and letters (ＧＩ２３) become ASCII, spaces trimmed."""
    return unicodedata.normalize("NFKC", raw or "").strip()[:MAX_QUERY]


# --- T0: counts and small-cell suppression -------------------------------------------------------------


def min_cell() -> int:
    return int(getattr(settings, "XINYU_MIN_CELL", 5))


def school_level_school_ids(user: User) -> set[int]:
    """Schools where the user holds a school- or campus-level post: there counts are not suppressed."""
    ids = set()
    for node in node_roots(user, Tier.T0):
        if node.kind == NodeKind.SCHOOL:
            ids.add(node.pk)
        elif node.kind == NodeKind.CAMPUS:
            ids.add(node.parent_id)
    return ids


def shown_count(n: int, *, suppress: bool) -> str:
    """A T0 figure as shown: below ``XINYU_MIN_CELL`` it is "<5" when the viewer's scope is above school."""
    if suppress and n < min_cell():
        return f"<{min_cell()}"
    return str(n)


def _active_count(field_name: str) -> Coalesce:
    """Subquery: active enrollments whose ``field_name`` is the outer row (one scalar, no join fan-out)."""
    sub = (
        Enrollment.objects.filter(**{field_name: OuterRef("pk")}, status=EnrollmentStatus.ACTIVE)
        .order_by()
        .values(field_name)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


# --- Schools ------------------------------------------------------------------------------------------------


def school_rows(user: User, *, q: str = "") -> QuerySet[Node]:
    """Schools in the user's T0 scope with district, campuses and active student count."""
    qs = visible_schools(user).open_on()  # a closed (撤销) school or campus is not listed (issue 18)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__iexact=q) | Q(district__name__icontains=q))
    campuses = Node.objects.filter(kind=NodeKind.CAMPUS).open_on().order_by("path")
    return (
        qs.select_related("district")
        .prefetch_related(Prefetch("children", queryset=campuses, to_attr="campus_list"))
        .annotate(student_count=_active_count("school"))
        .order_by("path")
    )


# --- Classes ------------------------------------------------------------------------------------------------


def class_rows(user: User, *, q: str = "", school_id: int | None = None) -> QuerySet[SchoolClass]:
    """Classes whose roster (T1) the user may see, with campus, class teacher and size."""
    # This year's classes of a closed (撤销) school or campus are not listed; past years' stay (issue 18).
    today = timezone.localdate()
    qs = visible_classes(user).filter(
        (open_q("school__", today) & open_q("campus__", today)) | Q(school_year__ends_on__lt=today)
    )
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(school__name__icontains=q))
    return (
        qs.select_related("school", "campus", "school_year", "class_teacher")
        .annotate(size=_active_count("school_class"))
        .order_by("school__path", "-school_year__start_year", "grade", "name", "pk")
    )


def visible_class_or_none(user: User, class_id: int | None) -> SchoolClass | None:
    if class_id is None:
        return None
    return visible_classes(user).select_related("school").filter(pk=class_id).first()


def visible_school_or_none(user: User, school_id: int | None) -> Node | None:
    if school_id is None:
        return None
    return visible_schools(user).filter(pk=school_id).first()


# --- Students -----------------------------------------------------------------------------------------------


def mask_student_no(no: str) -> str:
    """学籍号 shown to roles without T3: everything but the last four characters hidden."""
    return "*" * max(len(no) - 4, 0) + no[-4:]


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def _flag(q: Q) -> Case:
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def student_rows(user: User, *, q: str = "", class_id: int | None = None) -> QuerySet[Student]:
    """Students the user may see on the roster (T1), with their current class and school.

    Each row carries ``full`` (the full roster record, not a plain teacher's "name and class only") and
    ``unmasked`` (T3 over the student: the whole 学籍号 is shown)."""
    active = Enrollment.objects.filter(student=OuterRef("pk"), status=EnrollmentStatus.ACTIVE)
    may_t3 = bool(grants(user, Tier.T3))
    qs = visible_students(user)
    if class_id is not None:
        qs = qs.filter(enrollments__status=EnrollmentStatus.ACTIVE, enrollments__school_class_id=class_id)
    if q:
        # A search matches only what the viewer is shown (issue 19 finding 3: matching a whole 学籍号 for a viewer
        # shown four characters, or none, let 237 calls recover one): the name; the last four characters where
        # the viewer sees them (the full roster record); the whole number only where it is shown unmasked (T3).
        match = Q(name__icontains=q)
        if len(q) == 4:
            match |= Q(student_no__endswith=q) & full_roster_q(user)
        if may_t3:
            match |= Q(student_no__icontains=q) & student_q(user, Tier.T3)
        qs = qs.filter(match)
    return qs.annotate(
        class_id=Subquery(active.values("school_class_id")[:1]),
        class_name=Subquery(active.values("school_class__name")[:1]),
        school_name=Subquery(active.values("school__name")[:1]),
        current_grade=Subquery(active.values("grade")[:1]),
        full=_flag(full_roster_q(user)),
        unmasked=_flag(student_q(user, Tier.T3)) if may_t3 else Value(False, output_field=BooleanField()),
    ).order_by("current_grade", "class_name", "name", "pk")


@dataclass
class StudentPage:
    """What the student page shows, already cut to what the viewer may see (一人一档 shell)."""

    student: Student
    full: bool  # full roster record; False for a plain teacher ("name and class only")
    show_guardians: bool  # node or class scope (school staff, district roster admin)
    unmasked: bool  # T3: the whole 学籍号
    current: Enrollment | None
    # Birth date and enrollment history: not for a referred student's institution clinician, who reads the age
    # (issue 19 finding 11: need-to-know; access.policy.roster_detail_q).
    detail: bool = False
    age: int | None = None
    history: list[Enrollment] = field(default_factory=list)
    guardians: list[GuardianLink] = field(default_factory=list)

    @property
    def student_no_shown(self) -> str:
        return self.student.student_no if self.unmasked else mask_student_no(self.student.student_no)


def student_page(user: User, pk: int) -> StudentPage:
    """The student page for ``user``; outside their scope raises Http404 (no leak of existence)."""
    student = get_student_or_404(user, pk)
    flags = (
        Student.objects.filter(pk=student.pk)
        .annotate(
            full=_flag(full_roster_q(user)),
            guardians=_flag(full_roster_q(user, scopes={Scope.NODE, Scope.CLASS})),
            unmasked=_flag(student_q(user, Tier.T3)),
            detail=_flag(roster_detail_q(user)),
        )
        .values("full", "guardians", "unmasked", "detail")
        .get()
    )
    history = list(
        student.enrollments.select_related("school", "school__district", "school_class", "school_year")
        .order_by("-school_year__start_year", "-pk")
        .all()
    )
    current = next((e for e in history if e.status == EnrollmentStatus.ACTIVE), None)
    page = StudentPage(
        student=student,
        full=flags["full"],
        show_guardians=flags["guardians"],
        unmasked=flags["unmasked"],
        current=current,
        detail=flags["full"] and flags["detail"],
    )
    if page.full:
        page.age = student.age_on(timezone.localdate())
    if page.detail:
        page.history = history
    if page.show_guardians:
        page.guardians = list(student.guardian_links.select_related("guardian").order_by("-is_primary", "pk"))
        for link in page.guardians:
            link.masked_phone = mask_phone(link.guardian.phone)
    return page


# --- Home page figures ---------------------------------------------------------------------------------------


@dataclass
class ScopeFigures:
    """T0 figures for one node of the user's scope (or one class)."""

    label: str
    schools: str | None
    classes: str | None
    students: str


def _current_year_classes() -> QuerySet[SchoolClass]:
    today = timezone.localdate()
    return SchoolClass.objects.filter(
        open_q("school__", today), open_q("campus__", today), school_year__starts_on__lte=today,
        school_year__ends_on__gte=today,
    )  # fmt: skip


def scope_figures(user: User) -> list[ScopeFigures]:
    """Counts for each node where the user holds a T0 post, and for each class they teach."""
    out: list[ScopeFigures] = []
    seen: set[int] = set()
    for node in node_roots(user, Tier.T0):
        if node.pk in seen:
            continue
        seen.add(node.pk)
        suppress = node.kind not in (NodeKind.SCHOOL, NodeKind.CAMPUS)
        active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
        if node.kind == NodeKind.CAMPUS:
            students = active.filter(school_class__campus=node).count()
            classes = _current_year_classes().filter(campus=node).count()
            schools = None
        else:
            students = active.filter(school__path__startswith=node.path).count()
            classes = _current_year_classes().filter(school__path__startswith=node.path).count()
            schools = (
                None
                if node.kind == NodeKind.SCHOOL
                else Node.objects.schools().subtree(node).open_on().count()
            )
        out.append(
            ScopeFigures(
                label=node.name,
                schools=None if schools is None else str(schools),
                classes=shown_count(classes, suppress=suppress),
                students=shown_count(students, suppress=suppress),
            )
        )
    for post in posts_of(user):
        if post.school_class_id and post.role == Role.CLASS_TEACHER:
            n = Enrollment.objects.filter(
                status=EnrollmentStatus.ACTIVE, school_class_id=post.school_class_id
            ).count()
            out.append(
                ScopeFigures(
                    label=f"{post.node.name} {post.school_class.name}",
                    schools=None,
                    classes=None,
                    students=str(n),
                )
            )
    return out


def own_students(user: User) -> QuerySet[Student]:
    """A student's own record or a guardian's children (T1 by SELF or CHILDREN scope), narrowed from
    ``visible_students`` so it can never show more than the policy allows."""
    narrow = Q(pk__in=[])
    for g in grants(user, Tier.T1):
        if g.scope == Scope.SELF:
            narrow |= Q(user=user)
        elif g.scope == Scope.CHILDREN:
            narrow |= Q(guardian_links__guardian__user=user)
    return visible_students(user).filter(narrow).distinct().order_by("name")
