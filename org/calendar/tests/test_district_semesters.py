"""A district's own semesters (issue 18): a district sets its own semester dates, its schools count by them, every
other district keeps the city's; overlapping dates are refused wherever they would hold, and a district can follow
the city's dates again."""

from __future__ import annotations

import datetime as dt

import pytest

from org.calendar import selectors, services
from org.calendar.models import DistrictSemester
from org.calendar.services import CalendarError
from org.models import Semester

D = dt.date


def _terms(world):
    return world.year.semesters.get(term=1), world.year.semesters.get(term=2)


def test_a_district_s_own_spring_holds_for_its_schools_and_the_other_district_keeps_the_city_s(world):
    autumn, spring = _terms(world)
    later = spring.starts_on + dt.timedelta(days=7)
    services.save_semester(
        school_year=world.year, term=2, starts_on=later, ends_on=spring.ends_on, district=world.haidian
    )
    between = spring.starts_on + dt.timedelta(days=2)
    assert selectors.semester_for(between, world.school_a) is None  # 海淀 is still on its winter break
    assert (
        selectors.semester_for(between, world.school_c) == spring
    )  # 朝阳 follows the city: spring has begun
    assert selectors.semester_for(between) == spring  # the city's own
    held = selectors.semester_for(later, world.campus_a_east)  # a campus counts by its district too
    assert (held.pk, held.starts_on, held.dates_of) == (spring.pk, later, world.haidian.pk)
    assert selectors.current_semester(world.school_a, between) == autumn  # in the break: the one last begun
    assert selectors.current_semester(world.school_c, between) == spring
    spring.refresh_from_db()
    assert spring.starts_on != later  # the city's row is untouched
    assert [s.starts_on for s in selectors.semesters_of(world.haidian)] == [autumn.starts_on, later]


def test_overlapping_dates_of_a_district_are_refused_and_nothing_changes(world):
    _autumn, spring = _terms(world)
    with pytest.raises(CalendarError, match="重叠|overlap"):
        services.save_semester(
            school_year=world.year,
            term=1,
            starts_on=world.year.starts_on,
            ends_on=spring.starts_on + dt.timedelta(days=3),
            district=world.haidian,
        )
    assert not DistrictSemester.objects.exists()


def test_the_city_cannot_move_a_semester_into_a_district_s_own_dates(world):
    autumn, spring = _terms(world)
    early = spring.starts_on - dt.timedelta(days=14)
    services.save_semester(
        school_year=world.year, term=2, starts_on=early, ends_on=spring.ends_on, district=world.haidian
    )
    before = list(Semester.objects.values_list("pk", "starts_on", "ends_on"))
    # The city's autumn to end a week before the city's spring would run into 海淀's own spring.
    with pytest.raises(CalendarError) as refused:
        services.save_semester(
            school_year=world.year,
            term=1,
            starts_on=autumn.starts_on,
            ends_on=spring.starts_on - dt.timedelta(days=7),
        )
    assert "海淀区" in str(refused.value)
    assert list(Semester.objects.values_list("pk", "starts_on", "ends_on")) == before


def test_a_district_follows_the_city_s_dates_again(world):
    _autumn, spring = _terms(world)
    later = spring.starts_on + dt.timedelta(days=7)
    services.save_semester(
        school_year=world.year, term=2, starts_on=later, ends_on=spring.ends_on, district=world.haidian
    )
    assert services.follow_city_semester(semester=spring, district=world.haidian) is True
    assert selectors.semester_for(spring.starts_on, world.school_a) == spring
    assert selectors.semester_for(spring.starts_on, world.school_a).dates_of is None
    assert services.follow_city_semester(semester=spring, district=world.haidian) is False


def test_a_school_does_not_keep_semester_dates_of_its_own(world):
    _autumn, spring = _terms(world)
    with pytest.raises(CalendarError):
        services.save_semester(
            school_year=world.year,
            term=2,
            starts_on=spring.starts_on,
            ends_on=spring.ends_on,
            district=world.school_a,
        )


def test_a_semester_read_with_a_district_s_dates_is_never_saved_over_the_city_s(world):
    _autumn, spring = _terms(world)
    later = spring.starts_on + dt.timedelta(days=7)
    services.save_semester(
        school_year=world.year, term=2, starts_on=later, ends_on=spring.ends_on, district=world.haidian
    )
    held = selectors.local_semester(spring, world.school_a)
    assert held.starts_on == later
    with pytest.raises(ValueError):
        held.save()
    assert selectors.local_semester(held, world.school_c).starts_on == spring.starts_on
