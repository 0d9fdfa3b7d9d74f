"""seed_demo (issue 21): the year's mental-health funding through the funding services — every school's budget
lines by category with what is spent so far (every seventh school has none yet, so the indicator has something
to find), and each district's allocations from the budget, special funds and (some districts) social support.
Deterministic: schools and districts in primary-key order, amounts from their position."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from org.demo.logins import DEMO_SCHOOL_CODE
from org.models import Node, NodeKind, Post, Role, SchoolYear, User
from schoolwork.funding import services
from schoolwork.funding.models import FundingCategory, FundingSource

# category → yuan budgeted per student, and the share of it spent so far
PER_STUDENT = {
    FundingCategory.COUNSELING_ROOM: (Decimal("12"), Decimal("0.8")),
    FundingCategory.TRAINING: (Decimal("6"), Decimal("0.5")),
    FundingCategory.ACTIVITIES: (Decimal("8"), Decimal("0.6")),
    FundingCategory.ASSESSMENT: (Decimal("5"), Decimal("1")),
}


def _writer(role: str, node: Node) -> User | None:
    post = Post.objects.active().filter(role=role, node=node).select_related("user").order_by("pk").first()
    return post.user if post else None


def funding(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    year = SchoolYear.current() or SchoolYear.objects.order_by("-start_year").first()
    if year is None:
        return
    from schoolwork.funding.selectors import school_funding

    lines = allocations = 0
    for d_index, district in enumerate(Node.objects.filter(kind=NodeKind.DISTRICT).order_by("pk")):
        officer = _writer(Role.DISTRICT_OFFICER, district) or _writer(Role.DISTRICT_ADMIN, district)
        if officer is None:
            continue
        schools = Node.objects.schools().filter(path__startswith=district.path).order_by("pk")
        for s_index, row in enumerate(school_funding(schools, year)):
            if (d_index + s_index) % 7 == 6 and row.school.code != DEMO_SCHOOL_CODE:
                continue  # no budget line yet (the demo school always has its lines)
            students = max(row.students, 100)
            for category, (per_student, share) in PER_STUDENT.items():
                budgeted = (per_student * students).quantize(Decimal("1"))
                services.save_budget_line(
                    user=officer, school_id=row.school.pk, year=year, category=category, budgeted=budgeted,
                    spent=(budgeted * share * Decimal(5 + s_index % 5) / 10).quantize(Decimal("0.01")),
                    note="区财政拨款" if category == FundingCategory.COUNSELING_ROOM else "",
                )  # fmt: skip
                lines += 1
        base = Decimal(800000 + 150000 * (d_index % 4))
        for source, share in ((FundingSource.BUDGET, 1), (FundingSource.SPECIAL, Decimal("0.4"))):
            services.save_allocation(
                user=officer, district_id=district.pk, year=year, source=source, amount=base * share
            )
            allocations += 1
        if d_index % 2 == 0:
            services.save_allocation(
                user=officer, district_id=district.pk, year=year, source=FundingSource.SOCIAL,
                amount=Decimal("50000"), note="公益基金会心理健康项目",
            )  # fmt: skip
            allocations += 1
    progress(f"funding: {lines} budget lines, {allocations} district allocations")
