"""Funding under data approval (R16): once a school's leader submits the school-year figures, its budget lines
stay as the district sees them until the district returns them; a district's allocations likewise once the
district approves its own figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from schoolwork.funding.models import BudgetLine
from supervision.approval import services
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full

URL = reverse("schoolwork:funding")


@pytest.fixture
def school_year(world):
    period = next(p for p in ensure_periods(world.year) if p.kind == "school_year")
    run_full([period])
    return period


def _line(client, world, budgeted):
    return client.post(
        URL, {"action": "line", "school": world.school_a.pk, "category": "assessment", "budgeted": budgeted}
    )


def test_a_submitted_schools_funding_cannot_change_until_the_district_returns_it(world, login, school_year):
    leader = login(world.leader)
    assert _line(leader, world, "1000").status_code == 302
    services.submit(user=world.leader, school=world.school_a, period=school_year)
    got = _line(leader, world, "5")
    assert got.status_code == 409
    assert "已提交审核" in got.content.decode()
    assert BudgetLine.objects.get().budgeted == Decimal("1000.00")
    services.return_for_correction(
        user=world.district_officer, node=world.school_a, period=school_year, reason="经费有误"
    )
    assert _line(leader, world, "1200").status_code == 302
    assert BudgetLine.objects.get().budgeted == Decimal("1200.00")
