"""Default batteries per grade (issue 15, point 5; docs/instruments.md "Default batteries").

Rules: from the grade whose students have all reached the age the ASQ is validated for (10), the default holds
suicide-risk items; a district may set its own default on a page (its administrator or officer), with a warning —
not a refusal — when such a grade has none; the change is audited; bad input changes nothing; new campaigns of
the district and of its schools start from it, other districts' do not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from screening import instruments
from screening.battery import services as battery_services
from screening.battery.selectors import ALL_TEN_OR_OLDER_FROM_GRADE, PLATFORM_BATTERY, suicide_risk_gaps
from screening.campaigns import services
from screening.campaigns.services import ScreeningError
from screening.models import DistrictBattery, DistrictBatteryEntry

URL = "screening:default_battery"


def _youngest_age_at_school_year_start(grade: int, year: int = 2025) -> int:
    """Beijing's entry rule: a child enters grade 1 in the September after turning 6 (6 by 31 August). The
    youngest student of grade ``grade`` in the school year starting 1 September ``year`` was born on 31 August
    of the year they turned 6 before entering grade 1."""
    entered_grade_1 = year - (grade - 1)
    youngest_birthday = dt.date(entered_grade_1 - 6, 8, 31)
    return services._age_on(youngest_birthday, dt.date(year, 9, 1))


def test_from_grade_5_every_student_has_reached_the_age_the_asq_is_validated_for_and_grade_4_has_not():
    asq_age = instruments.load("asq").min_age
    assert asq_age == 10
    assert _youngest_age_at_school_year_start(ALL_TEN_OR_OLDER_FROM_GRADE) >= asq_age
    assert _youngest_age_at_school_year_start(ALL_TEN_OR_OLDER_FROM_GRADE - 1) < asq_age


def test_the_platform_default_asks_about_suicide_risk_in_every_grade_from_5_and_not_in_grade_4():
    assert suicide_risk_gaps(PLATFORM_BATTERY) == []
    assert "asq" not in PLATFORM_BATTERY[4]
    assert all("asq" in PLATFORM_BATTERY[g] for g in range(ALL_TEN_OR_OLDER_FROM_GRADE, 13))


def test_every_default_instrument_is_meant_for_its_grade():
    for grade, ids in PLATFORM_BATTERY.items():
        for iid in ids:
            inst = instruments.load(iid)
            assert inst.min_grade <= grade <= inst.max_grade, (iid, grade)


def _new(world, by=None, organiser=None):
    now = timezone.now()
    return services.create_campaign(
        by=by or world.district_officer, organiser=organiser or world.haidian, name="测评", starts_at=now,
        ends_at=now + dt.timedelta(days=3), school_year=world.year,
    )  # fmt: skip


def _bands(campaign) -> set[tuple[int, int, str]]:
    return {(e.grade_from, e.grade_to, e.instrument_id) for e in campaign.battery.all()}


def test_a_district_officer_sets_the_default_and_the_districts_and_its_schools_new_campaigns_start_from_it(
    world, login
):
    client = login(world.district_officer)
    form = {f"grade_{g}": ["gad-7", "asq"] for g in range(4, 13)}
    form["grade_4"] = ["who-5"]
    got = client.post(reverse(URL), form)
    assert got.status_code == 302
    assert [str(m) for m in get_messages(got.wsgi_request)] == [
        "默认测评组合已保存，本区新建的测评活动将从它开始。"
    ]
    district = _new(world)
    assert _bands(district) == {(4, 4, "who-5"), (5, 12, "gad-7"), (5, 12, "asq")}
    school = _new(world, by=world.leader, organiser=world.school_a)
    assert _bands(school) == _bands(district)
    other = _new(world, by=world.other_district_officer, organiser=world.chaoyang)
    assert ("asq", 5) in {
        (e.instrument_id, e.grade_from) for e in other.battery.all()
    }  # the platform default
    assert (5, 6, "who-5") in _bands(other)


def test_the_students_answer_in_the_order_the_page_lists(world, login):
    login(world.district_admin).post(reverse(URL), {"grade_7": ["asq", "gad-7", "who-5"]})
    c = _new(world)
    assert list(c.battery.order_by("order").values_list("instrument_id", flat=True)) == [
        "who-5",
        "gad-7",
        "asq",
    ]


def test_a_grade_of_ten_year_olds_without_suicide_risk_items_is_warned_about_but_saved_and_audited(
    world, login
):
    client = login(world.district_admin)
    got = client.post(
        reverse(URL), {"grade_4": ["who-5"], "grade_5": ["who-5", "scared-c"], "grade_7": ["gad-7"]}
    )
    assert got.status_code == 302
    texts = [str(m) for m in get_messages(got.wsgi_request)]
    assert any(t.startswith("五年级、初一的学生都已满10岁，但默认组合中没有自杀风险题目") for t in texts), (
        texts
    )
    battery = DistrictBattery.objects.get(district=world.haidian)
    assert set(battery.entries.values_list("grade", "instrument_id")) == {
        (4, "who-5"), (5, "who-5"), (5, "scared-c"), (7, "gad-7"),
    }  # fmt: skip
    event = AuditEvent.objects.filter(action="screening.default_battery.set").get()
    assert event.actor_id == world.district_admin.pk
    assert event.detail["warned_grades"] == [5, 7]
    page = client.get(reverse(URL)).content.decode()
    assert "五年级、初一的学生都已满10岁" in page  # the page keeps saying so


def test_grade_4_without_the_asq_raises_no_warning(world, login):
    got = login(world.district_admin).post(reverse(URL), {"grade_4": ["who-5"], "grade_5": ["asq"]})
    assert [m.level_tag for m in get_messages(got.wsgi_request)] == ["success"]


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"grade_7": ["k6"]}, "凯斯勒心理困扰量表（K6）适用于10至12年级，不适用于7年级，未保存。"),
        ({"grade_5": ["no-such-scale"]}, "没有这个量表。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_saved(world, login, form, message):
    client = login(world.district_officer)
    client.post(reverse(URL), {"grade_7": ["phq-a"]})
    before = list(DistrictBatteryEntry.objects.values_list("grade", "instrument_id"))
    events = AuditEvent.objects.filter(action="screening.default_battery.set").count()
    got = client.post(reverse(URL), form)
    assert got.status_code == 400
    assert message in got.content.decode()
    assert list(DistrictBatteryEntry.objects.values_list("grade", "instrument_id")) == before
    assert AuditEvent.objects.filter(action="screening.default_battery.set").count() == events


def test_only_the_districts_own_administrator_or_officer_may_set_it(world):
    for user in (world.leader, world.other_district_officer, world.psych, world.city_admin):
        with pytest.raises(ScreeningError) as exc:
            battery_services.set_district_battery(by=user, district=world.haidian, per_grade={5: ["asq"]})
        assert exc.value.status == 403
    assert not DistrictBattery.objects.exists()


def test_the_page_shows_each_grade_only_the_instruments_meant_for_it(
    world, login, django_assert_max_num_queries
):
    client = login(world.district_officer)
    with django_assert_max_num_queries(7):  # 6, and one for the licences the district has not recorded
        page = client.get(reverse(URL)).content.decode()
    grade_7 = page[page.index('id="grade-7"') : page.index('id="grade-8"')]
    assert "K6" not in grade_7 and "PHQ-A" in grade_7
    grade_10 = page[page.index('id="grade-10"') : page.index('id="grade-11"')]
    assert "K6" in grade_10
    assert "本区尚未设置自己的默认组合" in page


def test_an_instrument_is_marked_as_needing_a_licence_only_until_the_district_records_it(world, login):
    from screening.models import InstrumentLicence

    client = login(world.district_officer)

    def phq_a_label() -> str:
        page = client.get(reverse(URL)).content.decode()
        grade_7 = page[page.index('id="grade-7"') : page.index('id="grade-8"')]
        return grade_7[grade_7.index('value="phq-a"') :].split("</label>", 1)[0]

    assert "需要授权" in phq_a_label()
    InstrumentLicence.objects.create(
        district=world.haidian, instrument_id="phq-a", recorded_by=world.district_admin
    )
    assert "需要授权" not in phq_a_label()


def test_the_demo_district_has_a_licence_recorded_and_a_draft_campaign_blocked_on_the_others(db, client):
    from org.demo.seed import seed_demo_city
    from screening.models import Campaign, InstrumentLicence

    seed_demo_city(students=60, seed=3)
    campaign = Campaign.objects.get(name="心理健康测评（演示草稿）")
    assert ("asq", 5) in set(campaign.battery.values_list("instrument_id", "grade_from"))
    assert set(InstrumentLicence.objects.values_list("instrument_id", flat=True)) == {"who-5"}
    assert set(services.unlicensed_instruments(campaign)) == {"scared-c", "phq-a"}
