"""Issue 18: what asks "which semester is it" at a school counts by its district's own semester dates — lesson
fortnights, key times, home visits — while a school of another district keeps the city's."""

from __future__ import annotations

import datetime as dt

import pytest

from org.calendar import services as calendar
from schoolwork.home import services as home
from schoolwork.home.services import HomeSchoolError
from schoolwork.home.tests.home_helpers import noon
from schoolwork.programs.semesters import current_semester, fortnights, key_times, semester_for
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db


def _haidian_autumn_starts_a_week_later(world):
    sem = autumn(world)
    later = sem.starts_on + dt.timedelta(days=7)
    calendar.save_semester(
        school_year=world.year, term=1, starts_on=later, ends_on=sem.ends_on, district=world.haidian
    )
    return sem, later


def test_lesson_fortnights_and_key_times_of_a_school_start_on_its_district_s_first_day(world):
    sem, later = _haidian_autumn_starts_a_week_later(world)
    assert fortnights(sem, world.school_a)[0].starts_on == later
    assert fortnights(sem, world.school_c)[0].starts_on == sem.starts_on  # 朝阳 keeps the city's dates
    entry = {d.key: d for d in key_times(sem, [7], world.school_a)}["entry"]
    assert entry.opens_on == later
    entry = {d.key: d for d in key_times(sem, [7], world.school_c)}["entry"]
    assert entry.opens_on == sem.starts_on


def test_the_semester_under_way_is_the_district_s(world):
    sem, later = _haidian_autumn_starts_a_week_later(world)
    first_week = sem.starts_on + dt.timedelta(days=2)
    assert semester_for(first_week, world.school_c) == sem
    assert semester_for(first_week, world.school_a) is None  # 海淀's autumn has not begun
    assert current_semester(later, world.school_a).starts_on == later


def test_a_home_visit_in_a_week_the_district_is_not_in_term_is_refused(world):
    sem, later = _haidian_autumn_starts_a_week_later(world)
    day = sem.starts_on + dt.timedelta(days=2)
    with pytest.raises(HomeSchoolError) as refused:
        home.record_home_visit(
            user=world.class_teacher, student=world.student_a1, visited_on=day, visitors="班主任",
            mode="phone", summary="电话沟通", now=noon(later),
        )  # fmt: skip
    assert "学期" in refused.value.message or "semester" in refused.value.message
    visit = home.record_home_visit(
        user=world.class_teacher, student=world.student_a1, visited_on=later, visitors="班主任",
        mode="phone", summary="电话沟通", now=noon(later),
    )  # fmt: skip
    assert visit.semester_id == sem.pk


def test_a_city_wide_compliance_list_counts_each_class_s_fortnights_by_its_district(world):
    from schoolwork.programs.selectors import lesson_compliance

    sem = autumn(world)
    later = sem.starts_on + dt.timedelta(days=14)
    calendar.save_semester(
        school_year=world.year, term=1, starts_on=later, ends_on=sem.ends_on, district=world.haidian
    )
    on = sem.starts_on + dt.timedelta(days=60)
    due = {c.school_class.pk: c.fortnights_due for c in lesson_compliance([world.a1, world.c1], sem, on=on)}
    assert due[world.c1.pk] == due[world.a1.pk] + 1  # 海淀 began two weeks after the city (and 朝阳)
