"""Funding indicators (R16 落实经费投入): schools with a mental-health budget line, schools whose spending per
student reaches the standard, districts whose allocation is not falling — from ``schoolwork.funding``'s own
summaries (the funding page's figures)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from org.models import Node
from schoolwork.funding.selectors import district_funding, school_funding, yuan
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import districts, schools
from supervision.indicators.models import Period

DEFAULT_YUAN_PER_STUDENT = Decimal("20")


def yuan_per_student() -> Decimal:
    """The spending standard per student and school year (``XINYU_FUNDING_YUAN_PER_STUDENT``, yuan): a city's
    own figure — no national text sets one — defaulting to 20."""
    return Decimal(str(getattr(settings, "XINYU_FUNDING_YUAN_PER_STUDENT", DEFAULT_YUAN_PER_STUDENT)))


def _school_rows(period: Period, node_ids: Iterable[int] | None):
    return school_funding(list(schools(node_ids)), period.school_year)


def schools_with_budget_line(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R16 (school year): 1/1 for a school with a mental-health budget line (some amount budgeted) for the year,
    0/1 otherwise. Only school years: another period counts nothing (three queries)."""
    if period.semester_id is not None or period.kind != "school_year":
        return {}
    return {r.school.pk: (int(r.has_budget_line), 1) for r in _school_rows(period, node_ids)}


def schools_spending_per_student(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R16 (school year): among schools with students in the year, 1/1 for one whose mental-health spending
    divided by its students reaches ``yuan_per_student()``, else 0/1 (exact decimal arithmetic)."""
    if period.kind != "school_year":
        return {}
    standard = yuan_per_student()
    return {
        r.school.pk: (int(r.spent >= standard * r.students), 1)
        for r in _school_rows(period, node_ids)
        if r.students
    }


def spending_details(school: Node, period: Period) -> list[dict]:
    """Drill-down: the school's year in money — budgeted, spent, students, spent per student, the standard."""
    if period.kind != "school_year":
        return []
    (r,) = school_funding([school], period.school_year)
    return [
        {
            "budgeted": yuan(r.budgeted),
            "spent": yuan(r.spent),
            "students": r.students,
            "per_student": yuan(r.spent_per_student),
            "standard": yuan(yuan_per_student()),
        }
    ]


spending_details.columns = {  # type: ignore[attr-defined]
    "budgeted": _("Budgeted (yuan)"),
    "spent": _("Spent (yuan)"),
    "students": _("Students"),
    "per_student": _("Spent per student (yuan)"),
    "standard": _("Standard per student (yuan)"),
}


def districts_allocation_not_falling(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R16 (level district, school year): 1/1 for a district that allocated something this year and no less than
    the year before (a first year counts when something was allocated), else 0/1 — the allocation trend; the
    trend page shows it year by year (two queries)."""
    if period.kind != "school_year":
        return {}
    rows = district_funding(list(districts(node_ids)), period.school_year)
    return {r.district.pk: (int(r.not_falling), 1) for r in rows}


WATCHES = {
    "schoolwork.BudgetLine": lambda line: [line.school_id],
    "schoolwork.DistrictAllocation": lambda a: [a.district_id],
}
