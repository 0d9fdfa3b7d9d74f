"""The school calendar and year rollover pages (issue 18): who keeps which days, bad input refused with a
Chinese message, every change audited, a rollover previewed, confirmed once and refused the second time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from access.models import AuditEvent
from org.calendar import selectors
from org.calendar import services as calendar
from org.models import CalendarDay, Enrollment, RolloverPlan, RolloverStatus, SchoolClass, Semester

D = dt.date


@pytest.fixture(autouse=True)
def _inline(settings):
    settings.ROLLOVER_INLINE = True


def test_a_district_keeps_its_days_and_a_school_its_own_on_top(world, client):
    monday = D(2026, 11, 16)
    client.force_login(world.district_admin)
    r = client.post(
        "/calendar/",
        {"action": "days", "node": world.haidian.pk, "first": "2026-11-16", "last": "2026-11-17",
         "kind": "holiday", "name": "区运动会"},
    )  # fmt: skip
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="org.calendar.days", actor=world.district_admin).exists()
    client.force_login(world.leader)
    r = client.post(
        "/calendar/",
        {
            "action": "days",
            "node": world.school_a.pk,
            "first": "2026-11-16",
            "kind": "workday",
            "name": "补课",
        },
    )
    assert r.status_code == 302
    assert selectors.is_school_day(world.school_a, monday)  # the school works
    assert not selectors.is_school_day(world.school_b, monday)  # the rest of the district is off
    page = client.get(f"/calendar/?node={world.school_a.pk}&year=2026").content.decode()
    assert "补课" in page
    # A school leader cannot write the district's days.
    r = client.post(
        "/calendar/",
        {"action": "days", "node": world.haidian.pk, "first": "2026-11-18", "kind": "holiday", "name": "x"},
    )
    assert r.status_code == 403
    assert not CalendarDay.objects.filter(date=D(2026, 11, 18)).exists()


def test_an_overlapping_semester_is_refused_with_a_clear_message_and_nothing_changes(world, client):
    client.force_login(world.district_admin)
    before = list(Semester.objects.values_list("pk", "starts_on", "ends_on"))
    spring = world.year.semesters.get(term=2)
    r = client.post(
        "/calendar/",
        {"action": "semester", "for": world.haidian.pk, "school_year": world.year.pk, "term": 1,
         "starts_on": world.year.starts_on.isoformat(), "ends_on": (spring.starts_on + dt.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert r.status_code == 400
    assert "重叠" in r.content.decode()
    assert list(Semester.objects.values_list("pk", "starts_on", "ends_on")) == before


def test_the_rollover_page_previews_confirms_once_and_refuses_a_second_run(world, client):
    next_year = calendar.create_school_year(start_year=world.year.start_year + 1)
    client.force_login(world.leader)
    page = client.get(f"/calendar/rollover/?school={world.school_a.pk}").content.decode()
    assert "升年级的学生" in page  # the preview's counts, before anything changes
    assert not Enrollment.objects.filter(school_year=next_year).exists()
    client.post("/calendar/rollover/", {"school": world.school_a.pk, "action": "preview"})
    plan = RolloverPlan.objects.get(school=world.school_a, status=RolloverStatus.STAGED)
    r = client.post(
        "/calendar/rollover/", {"school": world.school_a.pk, "action": "confirm", "plan": plan.pk}
    )
    assert r.status_code == 302
    assert SchoolClass.objects.filter(school=world.school_a, school_year=next_year, name="六年级1班").exists()
    assert AuditEvent.objects.filter(action="org.rollover.confirm", actor=world.leader).exists()
    r = client.post(
        "/calendar/rollover/", {"school": world.school_a.pk, "action": "confirm", "plan": plan.pk}
    )
    assert r.status_code == 400 and "本次未做任何更改" in r.content.decode()
    # Another school's rollover is out of the leader's reach.
    r = client.get(f"/calendar/rollover/?school={world.school_b.pk}")
    assert r.status_code == 404


def test_the_school_year_field_offers_the_year_to_set_up_next(world, client):
    """Issue 18 walk: on a new installation the field offers the school year holding today (in March, the one
    that began last September); once that is set up, the next one — what the year's end needs before a rollover."""
    from xinyu.web.calendar.views import year_to_set_up

    assert year_to_set_up([], D(2026, 12, 7)) == 2026
    assert year_to_set_up([], D(2027, 3, 2)) == 2026
    assert year_to_set_up([world.year], D(world.year.start_year + 1, 7, 10)) == world.year.start_year + 1
    client.force_login(world.district_admin)
    page = client.get("/calendar/").content.decode()
    assert (
        f'id="y-start" name="start_year" type="number" min="2000" max="2100" value="{world.year.start_year + 1}"'
        in (page)
    )


def test_a_district_administrator_sets_the_district_s_own_spring_and_never_the_city_s(world, client):
    """Issue 18: a district keeps its own semester dates (its schools count by them); the city's semesters are the
    city administrator's — a district administrator's attempt is 404 and changes nothing."""
    spring = world.year.semesters.get(term=2)
    later = spring.starts_on + dt.timedelta(days=7)
    city_before = list(Semester.objects.values_list("pk", "starts_on", "ends_on"))
    client.force_login(world.district_admin)
    form = {"school_year": world.year.pk, "term": 2, "starts_on": later.isoformat(),
            "ends_on": spring.ends_on.isoformat()}  # fmt: skip
    assert client.post(f"/calendar/semesters/{world.city.pk}/", form).status_code == 404
    assert client.get(f"/calendar/semesters/{world.city.pk}/").status_code == 404
    assert client.post(f"/calendar/semesters/{world.chaoyang.pk}/", form).status_code == 404
    assert client.post("/calendar/", {"action": "semester", "for": world.city.pk, **form}).status_code == 404
    assert list(Semester.objects.values_list("pk", "starts_on", "ends_on")) == city_before

    r = client.post(f"/calendar/semesters/{world.haidian.pk}/", form)
    assert r.status_code == 302
    assert list(Semester.objects.values_list("pk", "starts_on", "ends_on")) == city_before
    page = client.get(f"/calendar/semesters/{world.haidian.pk}/").content.decode()
    assert "本区自定" in page and later.isoformat() in page
    assert selectors.semester_for(spring.starts_on, world.school_a) is None  # 海淀 still on its break
    assert selectors.semester_for(spring.starts_on, world.school_c) == spring  # 朝阳 follows the city
    event = AuditEvent.objects.filter(action="org.calendar.semester", actor=world.district_admin).get()
    assert event.detail["district"] == world.haidian.pk

    # Back to the city's dates, with the button.
    r = client.post(f"/calendar/semesters/{world.haidian.pk}/follow/{spring.pk}/")
    assert r.status_code == 302
    assert selectors.semester_for(spring.starts_on, world.school_a) == spring


def test_the_city_administrator_keeps_the_city_s_semesters(world, client):
    autumn = world.year.semesters.get(term=1)
    shorter = autumn.ends_on - dt.timedelta(days=3)
    client.force_login(world.city_admin)
    r = client.post(
        f"/calendar/semesters/{world.city.pk}/",
        {"school_year": world.year.pk, "term": 1, "starts_on": autumn.starts_on.isoformat(),
         "ends_on": shorter.isoformat()},
    )  # fmt: skip
    assert r.status_code == 302
    autumn.refresh_from_db()
    assert autumn.ends_on == shorter
    assert selectors.semester_for(autumn.ends_on, world.school_a) == autumn
    page = client.get("/calendar/").content.decode()
    assert (
        f"/calendar/semesters/{world.haidian.pk}/" in page and f"/calendar/semesters/{world.city.pk}/" in page
    )


@pytest.mark.parametrize("year", ["14748", "0", "-3", "9" * 25, "２０２６", "abc"])
def test_a_year_the_calendar_does_not_keep_shows_this_year_rather_than_an_error(world, client, year):
    """Issue 19 build 6: the form fuzz asked the calendar for year 14748 and ``date()`` answered 500."""
    client.force_login(world.district_admin)
    r = client.get("/calendar/", {"year": year, "node": "9" * 25})
    assert r.status_code == 200 and r.context["year"] == timezone.localdate().year


def test_a_school_year_id_too_long_for_the_database_is_refused_in_chinese(world, client):
    client.force_login(world.district_admin)
    before = Semester.objects.count()
    r = client.post(
        "/calendar/",
        {
            "action": "semester",
            "for": world.haidian.pk,  # the district's own dates: a district administrator's to keep (issue 18)
            "school_year": "9" * 25,
            "starts_on": "2026-09-01",
            "ends_on": "2027-01-15",
            "term": "1",
        },
    )
    assert r.status_code == 400 and r.context["error"] == "请选择学年，并填写学期的第一天和最后一天。"
    assert Semester.objects.count() == before


def test_an_impossible_date_is_refused_in_chinese_and_changes_nothing(world, client):
    """Issue 19 build 6: ``2026-02-30`` is well formed, and Django's ``parse_date`` raised on it: a 500."""
    client.force_login(world.district_admin)
    before = CalendarDay.objects.count()
    r = client.post(
        "/calendar/", {"action": "days", "node": world.haidian.pk, "first": "2026-02-30", "kind": "holiday"}
    )
    assert r.status_code == 400 and r.context["error"] == "请填写日期。"
    assert CalendarDay.objects.count() == before
