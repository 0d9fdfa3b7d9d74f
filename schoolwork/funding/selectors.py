"""Reads of mental-health funding (R16). Every read starts from ``access.policy``: the schools a user sees
aggregates of (``visible_schools``) and the districts of their posts. Funding is no one's personal data (T0)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from access.policy import posts_of, roles_of, visible_schools
from org.models import Enrollment, EnrollmentStatus, Node, NodeKind, Role, SchoolYear, User
from schoolwork.funding.models import BudgetLine, DistrictAllocation, FundingCategory, FundingSource

SCHOOL_ROLES = frozenset({Role.SCHOOL_LEADER, Role.PSYCH_TEACHER})
DISTRICT_ROLES = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN})
CITY_ROLES = frozenset({Role.CITY_OFFICER, Role.CITY_ADMIN, Role.SUPERVISOR})
# Who reads funding: the school's leader and psychological teachers, the district's officers and
# administrators, the city and supervisors (each within their posts' subtrees).
READ_ROLES = SCHOOL_ROLES | DISTRICT_ROLES | CITY_ROLES
# Who writes a school's budget lines: its leader, and the district's officers and administrators (who often
# collect the schools' sheets). A district's allocations: its own officers and administrators.
SCHOOL_WRITERS = frozenset({Role.SCHOOL_LEADER}) | DISTRICT_ROLES
# Enrollments that count as the year's students (a past year's are completed or graduated by now).
COUNTED = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED, EnrollmentStatus.GRADUATED)
ZERO = Decimal("0.00")

# --- locks ---------------------------------------------------------------------------------------------------------
# Figures under approval (supervision's data approval) must not change under the approver: supervision registers
# a check at start-up, ``fn(school_year) -> set of node ids`` whose school-year figures are locked.
LOCK_CHECKS: list[Callable[[SchoolYear], set[int]]] = []


def register_lock_check(fn: Callable[[SchoolYear], set[int]]) -> None:
    if fn not in LOCK_CHECKS:
        LOCK_CHECKS.append(fn)


def locked_ids(year: SchoolYear) -> set[int]:
    """The schools and districts whose funding of ``year`` is locked (one or two queries per check)."""
    out: set[int] = set()
    for check in LOCK_CHECKS:
        out |= check(year)
    return out


def is_locked(node: Node, year: SchoolYear) -> bool:
    return node.pk in locked_ids(year)


# --- scopes -----------------------------------------------------------------------------------------------------


def may_read(user: User) -> bool:
    return bool(roles_of(user) & READ_ROLES)


def funding_schools(user: User) -> QuerySet[Node]:
    """Schools whose funding the user reads: T0 over them and a funding role."""
    if not may_read(user):
        return Node.objects.none()
    return visible_schools(user)


def writable_schools(user: User) -> list[Node]:
    """Schools whose budget lines the user writes: a leader's own school, every school of a district officer's
    or administrator's district."""
    found: dict[int, Node] = {}
    district_paths = []
    for p in posts_of(user):
        if p.role == Role.SCHOOL_LEADER and p.node.kind == NodeKind.SCHOOL:
            found[p.node.pk] = p.node
        elif p.role in DISTRICT_ROLES and p.node.kind == NodeKind.DISTRICT:
            district_paths.append(p.node.path)
    if district_paths:
        q = Q()
        for path in district_paths:
            q |= Q(path__startswith=path)
        for school in Node.objects.schools().filter(q):
            found[school.pk] = school
    return sorted(found.values(), key=lambda n: n.path)


def own_districts(user: User) -> list[Node]:
    """Districts whose allocations the user writes (their own district posts)."""
    return [p.node for p in posts_of(user) if p.role in DISTRICT_ROLES and p.node.kind == NodeKind.DISTRICT]


def readable_districts(user: User) -> list[Node]:
    """Districts whose allocations the user reads: their own, or every district under a city post."""
    found = {d.pk: d for d in own_districts(user)}
    cities = [p.node for p in posts_of(user) if p.role in CITY_ROLES]
    if cities:
        q = Q()
        for c in cities:
            q |= Q(path__startswith=c.path)
        found.update({d.pk: d for d in Node.objects.filter(q, kind=NodeKind.DISTRICT)})
    return sorted(found.values(), key=lambda n: n.path)


def lines_for(user: User, year: SchoolYear) -> QuerySet[BudgetLine]:
    return BudgetLine.objects.filter(
        school_year=year, school__in=funding_schools(user).values("pk")
    ).select_related("school")


def get_line_or_404(user: User, pk: int) -> BudgetLine:
    line = BudgetLine.objects.filter(pk=pk, school__in=funding_schools(user).values("pk")).first()
    if line is None:
        raise Http404
    return line


def allocations_for(user: User, years: Iterable[SchoolYear]) -> QuerySet[DistrictAllocation]:
    return DistrictAllocation.objects.filter(
        district__in=[d.pk for d in readable_districts(user)], school_year__in=list(years)
    ).select_related("district", "school_year")


def get_allocation_or_404(user: User, pk: int) -> DistrictAllocation:
    a = DistrictAllocation.objects.filter(
        pk=pk, district__in=[d.pk for d in readable_districts(user)]
    ).first()
    if a is None:
        raise Http404
    return a


# --- summaries (what supervision counts) --------------------------------------------------------------------------


@dataclass
class SchoolFunding:
    """一校一年 — one school's mental-health budget and spending in a school year, and its students."""

    school: Node
    budgeted: Decimal = ZERO
    spent: Decimal = ZERO
    students: int = 0
    lines: int = 0
    by_category: dict[str, Decimal] = field(default_factory=dict)

    @property
    def has_budget_line(self) -> bool:
        return self.budgeted > 0

    @property
    def spent_per_student(self) -> Decimal | None:
        if not self.students:
            return None
        return (self.spent / self.students).quantize(Decimal("0.01"))


def school_funding(schools: Iterable[Node], year: SchoolYear) -> list[SchoolFunding]:
    """Per school: budgeted and spent in ``year`` (totals and spending by category) and the year's students
    (two queries whatever the number of schools)."""
    out = {s.pk: SchoolFunding(s) for s in schools}
    for school_id, category, budgeted, spent in BudgetLine.objects.filter(
        school_year=year, school_id__in=list(out)
    ).values_list("school_id", "category", "budgeted", "spent"):
        row = out[school_id]
        row.budgeted += budgeted
        row.spent += spent
        row.lines += 1
        row.by_category[category] = row.by_category.get(category, ZERO) + spent
    for school_id, n in (
        Enrollment.objects.filter(school_year=year, school_id__in=list(out), status__in=COUNTED)
        .values("school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("school_id", "n")
    ):
        out[school_id].students = n
    return sorted(out.values(), key=lambda r: r.school.path)


@dataclass
class DistrictFunding:
    """One district's allocations in a school year by source, and the year before's total (the trend)."""

    district: Node
    by_source: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    previous_total: Decimal | None = None  # None: nothing recorded for the year before

    @property
    def sources(self) -> int:
        """多渠道: how many sources gave money this year."""
        return sum(1 for v in self.by_source.values() if v > 0)

    @property
    def not_falling(self) -> bool:
        """R16 trend: something allocated this year, and no less than the year before."""
        return self.total > 0 and (self.previous_total is None or self.total >= self.previous_total)

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else self.total - self.previous_total


def previous_year(year: SchoolYear) -> SchoolYear | None:
    return SchoolYear.objects.filter(start_year=year.start_year - 1).first()


def district_funding(districts: Iterable[Node], year: SchoolYear) -> list[DistrictFunding]:
    """Per district: this year's allocations by source and last year's total (two queries)."""
    out = {d.pk: DistrictFunding(d) for d in districts}
    for district_id, source, amount in DistrictAllocation.objects.filter(
        school_year=year, district_id__in=list(out)
    ).values_list("district_id", "source", "amount"):
        row = out[district_id]
        row.by_source[source] = row.by_source.get(source, ZERO) + amount
        row.total += amount
    before = previous_year(year)
    if before is not None:
        for district_id, total in (
            DistrictAllocation.objects.filter(school_year=before, district_id__in=list(out))
            .values("district_id")
            .annotate(t=Sum("amount"))
            .values_list("district_id", "t")
        ):
            out[district_id].previous_total = total
    return sorted(out.values(), key=lambda r: r.district.path)


def yuan(value: Decimal | None) -> str:
    """Money as a school's sheet writes it: 12,345.60."""
    return "" if value is None else f"{value:,.2f}"


CATEGORY_LABELS = dict(FundingCategory.choices)
SOURCE_LABELS = dict(FundingSource.choices)
