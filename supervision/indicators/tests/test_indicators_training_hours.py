"""R2.2 in hours on the world, worked by hand (schoolwork/programs/tests/test_training_hours.py builds it): school
A 2 of 7 staff with the hours; B and C have staff and no training; the district and the city sum them."""

from __future__ import annotations

import pytest

from schoolwork.programs.tests.test_training_hours import build_hours_world
from supervision.indicators.compute.training import training_hours_details
from supervision.indicators.rollup import run_full
from supervision.indicators.tests.support import assert_queries_do_not_grow, figures, period, stored


@pytest.mark.django_db
def test_staff_with_the_semesters_training_hours(world, settings):
    settings.XINYU_TRAINING_HOURS_PER_SEMESTER = 4
    settings.XINYU_TRAINING_PRE_SERVICE_HOURS = 2
    build_hours_world(world)
    sem = period(world, "-S1")
    a, b, c = figures("r2.2-training-hours", sem, world.school_a, world.school_b, world.school_c)
    assert a == (2, 7)
    assert b == (0, 1)  # 育英's teacher: no training
    assert c == (0, 0)  # 朝阳中学 has no staff post in the world
    assert [(r["staff"], r["trained"], r["short"]) for r in training_hours_details(world.school_a, sem)] == [
        (7, 2, 5), (1, 0, 1)
    ]  # fmt: skip
    run_full([sem], ["r2.2-training-hours"])
    assert stored("r2.2-training-hours", world.haidian, sem) == (2, 8)
    assert stored("r2.2-training-hours", world.city, sem) == (2, 8)


@pytest.mark.django_db
def test_training_hours_cost_the_same_queries_for_3_or_23_schools(world):
    assert_queries_do_not_grow("r2.2-training-hours", period(world, "-S1"), world)
