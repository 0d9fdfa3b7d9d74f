"""Funding indicators on the world (R16), worked by hand: budget lines, spending per student, districts'
allocation trend; the rollup sums them up the tree; more schools cost no more queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from org.models import SchoolYear
from schoolwork.funding.models import BudgetLine, DistrictAllocation
from supervision.indicators.compute.funding import spending_details
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored

NOW = timezone.now()


def _line(world, school, category, budgeted, spent, year=None):
    BudgetLine.objects.create(
        school=school, school_year=year or world.year, category=category, budgeted=Decimal(budgeted),
        spent=Decimal(spent), updated_at=NOW,
    )  # fmt: skip


def _allocation(district, year, source, amount):
    DistrictAllocation.objects.create(
        district=district, school_year=year, source=source, amount=Decimal(amount), updated_at=NOW
    )


def _last_year(world) -> SchoolYear:
    start = world.year.start_year - 1
    return SchoolYear.objects.create(
        start_year=start, starts_on=dt.date(start, 9, 1), ends_on=dt.date(start + 1, 8, 31)
    )


@pytest.mark.django_db
def test_schools_with_a_budget_line_and_spending_per_student(world, settings):
    """Standard 20 yuan a student. School A (3 students) spent 40 + 20.00 = 60.00: exactly 20 a student, met.
    School B (1 student) has no line at all. School C (1 student) budgeted 500 but spent 19.99: under 20."""
    settings.XINYU_FUNDING_YUAN_PER_STUDENT = "20"
    _line(world, world.school_a, "assessment", "300", "40")
    _line(world, world.school_a, "training", "200", "20.00")
    _line(world, world.school_c, "counseling_room", "500", "19.99")
    year = period(world, "")
    assert figures("r16-budget-line", year, world.school_a, world.school_b, world.school_c) == [
        (1, 1), (0, 1), (1, 1)
    ]  # fmt: skip
    assert figures("r16-spending-per-student", year, world.school_a, world.school_b, world.school_c) == [
        (1, 1), (0, 1), (0, 1)
    ]  # fmt: skip
    assert spending_details(world.school_a, year) == [
        {"budgeted": "500.00", "spent": "60.00", "students": 3, "per_student": "20.00", "standard": "20.00"}
    ]
    assert figures("r16-budget-line", period(world, "-S1"), world.school_a) == [
        (0, 0)
    ]  # a school year's figure
    run_full([year], ["r16-budget-line", "r16-spending-per-student"])
    assert stored("r16-budget-line", world.haidian, year) == (1, 2)
    assert stored("r16-budget-line", world.city, year) == (2, 3)
    assert stored("r16-spending-per-student", world.city, year) == (1, 3)


@pytest.mark.django_db
def test_districts_whose_allocation_is_not_falling(world):
    """海淀 gave 1,000,000 last year and 800,000 + 300,000 this year: not falling. 朝阳 gave 500,000 last year and
    400,000 this year: falling. A new district with nothing allocated fails."""
    last = _last_year(world)
    _allocation(world.haidian, last, "budget", "1000000")
    _allocation(world.haidian, world.year, "budget", "800000")
    _allocation(world.haidian, world.year, "special", "300000")
    _allocation(world.chaoyang, last, "budget", "500000")
    _allocation(world.chaoyang, world.year, "budget", "400000")
    year = period(world, "")
    assert figures("r16-district-allocation", year, world.haidian, world.chaoyang) == [(1, 1), (0, 1)]
    run_full([year], ["r16-district-allocation"])
    assert stored("r16-district-allocation", world.city, year) == (1, 2)


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["r16-budget-line", "r16-spending-per-student", "r16-district-allocation"])
def test_funding_figures_cost_the_same_queries_for_3_or_23_schools(world, code):
    def grow(school):
        _line(world, school, "activities", "100", "50")

    assert_queries_do_not_grow(code, period(world, ""), world, grow)
