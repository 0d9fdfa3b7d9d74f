"""Closed units (撤销, issue 18) in the supervision figures: a school or campus closed before a semester is not in
that semester's counts, drill-down rows or approval queue; one closed during the semester still is (it worked in
it: history and past reports keep it)."""

from __future__ import annotations

import datetime as dt

import pytest

from org.models import Node
from supervision.approval.selectors import district_queue
from supervision.dashboards.selectors import child_nodes
from supervision.indicators.tests.support import figures, period

CAMPUS = "r1.2-campus-psych"


def _close(node: Node, on: dt.date) -> None:
    Node.objects.subtree(node).update(closed_on=on)


@pytest.mark.django_db
def test_a_campus_closed_before_the_semester_needs_no_teacher_and_a_school_closed_before_is_no_row(world):
    sem = period(world, "-S2")
    # Multi-site school A: the east campus has its own teacher, the main campus none (the school's post does not
    # cover it) — 1 of 2. With the east campus closed before the spring the school has one site, which the school's
    # teacher covers — 1 of 1.
    assert figures(CAMPUS, sem, world.school_a) == [(1, 2)]
    _close(world.campus_a_east, sem.starts_on - dt.timedelta(days=1))
    assert figures(CAMPUS, sem, world.school_a) == [(1, 1)]
    _close(world.school_b, sem.starts_on - dt.timedelta(days=1))
    assert world.school_b.pk not in {n.pk for n in child_nodes(world.haidian, sem)}
    assert world.school_b.pk not in {r.node.pk for r in district_queue(world.haidian, sem).rows}
    autumn = period(world, "-S1")  # the semester it worked in keeps it
    assert world.school_b.pk in {n.pk for n in child_nodes(world.haidian, autumn)}
    assert world.school_b.pk in {r.node.pk for r in district_queue(world.haidian, autumn).rows}
    assert figures(CAMPUS, autumn, world.school_a) == [(1, 2)]
