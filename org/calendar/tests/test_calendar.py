"""The school calendar (issue 18, build 3): national days from chinesecalendar, a district's and a school's own
days on top, one answer to "is this a school day?", and school years and semesters that make sense."""

from __future__ import annotations

import datetime as dt

import pytest

from org.calendar import selectors, services
from org.calendar.models import CalendarDay, DayKind
from org.calendar.services import CalendarError
from org.models import SchoolYear, Semester

D = dt.date


def test_the_national_calendar_comes_from_the_state_councils_notices_and_loads_once(db):
    created, _updated = services.load_national_holidays(years=[2026])
    assert created > 20
    assert services.load_national_holidays(years=[2026]) == (0, 0)  # idempotent
    national_day = CalendarDay.objects.get(node__isnull=True, date=D(2026, 10, 1))
    assert (national_day.kind, national_day.name) == ("holiday", "国庆节")
    assert not selectors.is_school_day(None, D(2026, 10, 1))  # a Thursday off
    assert selectors.is_school_day(None, D(2026, 10, 10))  # a Saturday worked in exchange (调休)
    assert not selectors.is_school_day(None, D(2026, 10, 17))  # an ordinary Saturday


def test_a_person_s_correction_of_a_national_day_survives_a_reload(db, world):
    services.load_national_holidays(years=[2026])
    services.set_days(node=None, first=D(2026, 10, 10), kind=DayKind.HOLIDAY, name="改", by=world.city_admin)
    services.load_national_holidays(years=[2026])
    assert not selectors.is_school_day(None, D(2026, 10, 10))


def test_a_school_s_own_day_beats_its_district_s_and_the_district_s_beats_the_national(world):
    services.load_national_holidays(years=[2026])
    monday = D(2026, 11, 16)
    services.set_days(
        node=world.haidian, first=monday, last=monday + dt.timedelta(days=1), kind="holiday", name="区运动会"
    )
    services.set_days(node=world.school_b, first=monday, kind="workday", name="补课")
    assert not selectors.is_school_day(world.school_a, monday)  # the district's day off
    assert not selectors.is_school_day(
        world.campus_a_east, monday
    )  # a campus follows its school and district
    assert selectors.is_school_day(world.school_b, monday)  # the school works that day
    assert not selectors.is_school_day(world.school_b, monday + dt.timedelta(days=1))
    assert selectors.is_school_day(world.school_c, monday)  # another district: an ordinary Monday
    # The national holiday still holds where no level below says otherwise.
    assert not selectors.is_school_day(world.school_a, D(2026, 10, 1))


def test_school_days_counts_weekdays_less_holidays_plus_make_up_days(world):
    services.load_national_holidays(years=[2026])
    # 28 Sep – 11 Oct 2026: ten weekdays; 1–2 and 5–7 Oct off; Sat 10 Oct worked.
    days = selectors.school_days(world.school_a, D(2026, 9, 28), D(2026, 10, 11))
    assert days == [
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),
    ]


def test_clearing_a_school_s_day_gives_back_the_district_s(world):
    day = D(2026, 11, 18)
    services.set_days(node=world.haidian, first=day, kind="holiday", name="区教研日")
    services.set_days(node=world.school_a, first=day, kind="workday", name="上课")
    assert selectors.is_school_day(world.school_a, day)
    services.set_days(node=world.school_a, first=day, kind="", name="")
    assert not selectors.is_school_day(world.school_a, day)


def test_bad_day_input_gets_a_clear_message_and_changes_nothing(world):
    for kw, message in (
        ({"first": D(2026, 11, 5), "last": D(2026, 11, 1), "kind": "holiday", "name": "x"}, "早于"),
        ({"first": D(2026, 11, 5), "kind": "holiday", "name": ""}, "名称"),
        ({"first": D(2026, 11, 5), "kind": "party", "name": "x"}, "请选择"),
    ):
        with pytest.raises(CalendarError, match=message):
            services.set_days(node=world.haidian, **kw)
    assert not CalendarDay.objects.exists()


def test_setting_up_a_school_year_gives_two_semesters_and_the_holidays(world):
    year = services.set_up_year(start_year=world.year.start_year + 1)
    autumn, spring = year.semesters.order_by("term")
    assert autumn.starts_on.month == 9 and spring.ends_on.month == 7
    assert autumn.ends_on < spring.starts_on
    assert CalendarDay.objects.filter(node__isnull=True, date__year=year.start_year).exists() or (
        year.start_year not in services.national_years()
    )
    with pytest.raises(CalendarError, match="已经设置"):
        services.set_up_year(start_year=year.start_year)


def test_overlapping_semesters_are_refused_and_nothing_changes(world):
    year = services.create_school_year(start_year=world.year.start_year + 1)
    services.save_semester(
        school_year=year, term=1, starts_on=D(year.start_year, 9, 1), ends_on=D(year.start_year + 1, 1, 20)
    )
    before = list(Semester.objects.order_by("pk").values_list("pk", "starts_on", "ends_on"))
    with pytest.raises(CalendarError, match="重叠"):
        services.save_semester(
            school_year=year,
            term=2,
            starts_on=D(year.start_year + 1, 1, 10),
            ends_on=D(year.start_year + 1, 7, 1),
        )
    with pytest.raises(CalendarError, match="学年之内"):
        services.save_semester(
            school_year=year,
            term=2,
            starts_on=D(year.start_year + 1, 2, 20),
            ends_on=D(year.start_year + 1, 9, 30),
        )
    with pytest.raises(CalendarError, match="重叠"):
        services.create_school_year(start_year=year.start_year + 1, starts_on=D(year.start_year + 1, 8, 1))
    assert list(Semester.objects.order_by("pk").values_list("pk", "starts_on", "ends_on")) == before
    assert SchoolYear.objects.count() == 2


def test_the_calendar_of_a_window_is_read_in_two_queries(world, django_assert_max_num_queries):
    services.load_national_holidays(years=[2026])
    with django_assert_max_num_queries(1):
        cal = selectors.SchoolCalendar(D(2026, 9, 1), 120, world.school_a)
        [cal.is_school_day(D(2026, 9, 1) + dt.timedelta(days=i)) for i in range(120)]
