"""The whole catalogue on the world: every indicator computes for every period of its kind, reaches the city,
and every drill-down function answers for a school (or a district) without naming a student."""

from __future__ import annotations

import pytest

from supervision.indicators import catalogue
from supervision.indicators.models import RollupValue
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full

REQUIRED = {"R1.1", "R1.2", "R1.4", "R2.2", "R2.3", "R3.1", "R3.3", "R4.2", "R4.3", "R5.1", "R5.2", "R6", "R7",
            "R10", "R11", "R12", "R13", "R14"}  # fmt: skip


def test_every_requirement_of_the_issue_has_an_indicator():
    assert {i.requirement for i in catalogue.indicators()} >= REQUIRED


@pytest.mark.django_db
def test_a_full_rollup_of_the_year_gives_every_indicator_a_city_figure(world):
    periods = ensure_periods(world.year)
    run_full(periods)
    for ind in catalogue.indicators():
        for p in (p for p in periods if p.kind == ind.period):
            assert RollupValue.objects.filter(indicator=ind.code, period=p, node=world.city).exists(), (
                ind.code
            )


@pytest.mark.django_db
def test_every_drill_down_answers_with_rows_of_plain_values(world):
    periods = ensure_periods(world.year)
    names = {s.name for s in (world.student_a1, world.student_a1b, world.student_a2)}
    for ind in catalogue.indicators():
        if ind.details_fn is None:
            continue
        node = world.haidian if ind.level == "district" else world.school_a
        for p in (p for p in periods if p.kind == ind.period):
            rows = ind.details_fn(node, p)
            assert isinstance(rows, list), ind.code
            for row in rows:
                assert isinstance(row, dict) and not names & {str(v) for v in row.values()}, ind.code
