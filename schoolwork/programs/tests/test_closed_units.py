"""Closed units (撤销, issue 18) in the school-work lists: a school closed before a semester is not in that
semester's lesson compliance, staff-training coverage, key times or parent-session coverage; a school closed
during the semester still is (its work of that semester is history). Home-visit coverage leaves out this year's
classes of a campus closed before the year."""

from __future__ import annotations

import datetime as dt

import pytest

from org.models import Node
from schoolwork.home import selectors as home
from schoolwork.programs import selectors
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db


def _close(node: Node, on: dt.date) -> None:
    Node.objects.subtree(node).update(closed_on=on)


def _schools(world):
    return list(Node.objects.filter(pk__in=[world.school_a.pk, world.school_b.pk, world.school_c.pk]))


def test_a_school_closed_before_the_semester_leaves_its_lists_and_one_closed_during_it_stays(world):
    sem = autumn(world)
    _close(world.school_b, sem.starts_on)  # closed on the first day: not part of the semester's work
    _close(world.school_c, sem.starts_on + dt.timedelta(days=30))  # closed during it: still counted
    on = sem.starts_on + dt.timedelta(days=60)
    listed = {r.school.pk for r in selectors.school_lesson_compliance(_schools(world), sem, on=on)}
    assert listed == {world.school_a.pk, world.school_c.pk}
    trained = {r.school.pk for r in selectors.training_coverage(_schools(world), sem, on=on)}
    assert trained == {world.school_a.pk, world.school_c.pk}
    keytimes = {r.school.pk for r in selectors.key_time_status(_schools(world), sem)}
    assert world.school_b.pk not in keytimes and world.school_a.pk in keytimes
    sessions = {r.school.pk for r in home.session_coverage(world.city_officer, sem)}
    assert world.school_b.pk not in sessions and world.school_a.pk in sessions


def test_home_visit_coverage_leaves_out_this_year_s_classes_of_a_closed_campus(world):
    _close(world.campus_a_east, world.year.starts_on)
    rows = home.visit_coverage_by_class(home.visit_classes(world.psych), world.year)
    names = {r.school_class.name for r in rows}
    assert world.a1.name in names and world.a2.name not in names
