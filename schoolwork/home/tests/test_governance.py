"""Governance (R14, R17, R9): leadership-group meetings per quarter, district plans submitted to the city, pilots,
the excellent-case library (school submits → district recommends → city selects), resources for families."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schoolwork.home import selectors, services
from schoolwork.home.models import DistrictPlan, ExcellentCase, Pilot, Resource
from schoolwork.home.services import HomeSchoolError
from schoolwork.home.tests.home_helpers import noon, school_day


def _quarters(world, user, school) -> list[int]:
    return next(r.per_quarter for r in selectors.meeting_coverage(user, world.year) if r.school == school)


def test_a_leader_records_a_meeting_and_the_quarter_is_covered(world, login):
    day = school_day(world)
    before = _quarters(world, world.district_officer, world.school_a)
    got = login(world.leader).post(
        reverse("schoolwork:meetings"),
        {"school": world.school_a.pk, "held_on": day.isoformat(), "title": "心理健康工作领导小组会议",
         "minutes": "部署本学期工作", "key": "m1"},
    )  # fmt: skip
    assert got.status_code == 302
    after = _quarters(world, world.district_officer, world.school_a)
    assert sum(after) == sum(before) + 1
    assert _quarters(world, world.other_district_officer, world.school_c) == [0, 0, 0, 0]
    assert all(
        r.school != world.school_a
        for r in selectors.meeting_coverage(world.other_district_officer, world.year)
    )


def test_a_meeting_in_the_future_is_refused(world):
    day = school_day(world)
    with pytest.raises(HomeSchoolError):
        services.record_meeting(
            user=world.leader, school_id=world.school_a.pk, held_on=day.replace(year=day.year + 1), title="x",
            now=noon(day),
        )  # fmt: skip


def test_a_district_submits_its_plan_and_only_the_city_accepts_it(world, login):
    plan = services.create_plan(
        user=world.district_officer, district_id=world.haidian.pk, title="海淀区实施方案"
    )
    with pytest.raises(HomeSchoolError) as exc:
        services.move_plan(user=world.district_officer, plan=plan, to="accepted")
    assert exc.value.status == 409
    services.move_plan(user=world.district_officer, plan=plan, to="submitted")
    with pytest.raises(HomeSchoolError) as exc:
        services.move_plan(user=world.district_officer, plan=plan, to="accepted")
    assert exc.value.status == 403
    got = login(world.city_officer).post(reverse("schoolwork:plans"), {"plan": plan.pk, "to": "accepted"})
    assert got.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "accepted"
    # Another district does not see the plan at all.
    got = login(world.other_district_officer).post(
        reverse("schoolwork:plans"), {"plan": plan.pk, "to": "submitted"}
    )
    assert got.status_code == 404


def test_the_city_designates_pilots_and_a_district_cannot(world):
    services.designate_pilot(user=world.city_officer, node_id=world.school_a.pk, theme="家校共育")
    services.designate_pilot(user=world.city_officer, node_id=world.school_a.pk, theme="家校共育")
    assert Pilot.objects.count() == 1
    with pytest.raises(HomeSchoolError):
        services.designate_pilot(user=world.district_officer, node_id=world.school_b.pk, theme="x")
    assert Pilot.objects.count() == 1


def test_an_excellent_case_goes_school_district_city_in_order(world):
    c = services.submit_case(
        user=world.psych, school_id=world.school_a.pk, title="一例厌学学生的辅导", body="某生…"
    )
    with pytest.raises(HomeSchoolError):
        services.review_case(user=world.city_officer, case=c, to="city_selected")  # not yet recommended
    with pytest.raises(HomeSchoolError):
        services.review_case(user=world.other_district_officer, case=c, to="district_reviewed")
    services.review_case(user=world.district_officer, case=c, to="district_reviewed")
    services.review_case(user=world.city_officer, case=c, to="city_selected")
    c.refresh_from_db()
    assert c.stage == "city_selected"
    # Selected cases are a library for every staff member, in every district.
    assert selectors.cases_for(world.other_school_teacher).filter(pk=c.pk).exists()
    assert not selectors.cases_for(world.guardian).filter(pk=c.pk).exists()


def test_a_case_that_names_a_student_is_refused(world):
    with pytest.raises(HomeSchoolError):
        services.submit_case(
            user=world.psych, school_id=world.school_a.pk, title="个案", body=f"{world.student_a1.name}同学……"
        )
    assert ExcellentCase.objects.count() == 0


def test_a_schools_resource_reaches_its_own_families_only(world):
    r = services.publish_resource(
        user=world.psych, node_id=world.school_a.pk, audience="parents", title="亲子沟通十招", body="…"
    )
    city = services.publish_resource(
        user=world.city_officer, node_id=world.city.pk, audience="both", title="热线"
    )
    assert set(selectors.resources_for(world.guardian, "parents")) == {r, city}
    assert set(selectors.resources_for(world.other_guardian, "parents")) == {city}
    assert set(selectors.resources_for(world.district_officer)) == {r, city}


def test_a_resource_link_must_be_a_web_address(world):
    with pytest.raises(HomeSchoolError):
        services.publish_resource(
            user=world.psych,
            node_id=world.school_a.pk,
            audience="parents",
            title="x",
            link="javascript:alert(1)",
        )
    assert Resource.objects.count() == 0
    assert DistrictPlan.objects.count() == 0
