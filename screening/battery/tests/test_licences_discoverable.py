"""A district finds how to publish its first campaign (issue 15, point 6): the licence page is in the district
administrator's and officer's navigation, their home page counts the licensed instruments not yet recorded
("需要授权的量表"), and every message that blocks a launch links to the page that unblocks it."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from screening.battery import services as battery_services
from screening.battery.selectors import licensed_catalogue
from screening.campaigns import services
from screening.models import CampaignStatus, InstrumentLicence

LICENCES = reverse("screening:licences")


def _draft(world, **kw):
    now = timezone.now()
    return services.create_campaign(by=world.district_officer, organiser=world.haidian, name="首次测评",
                                    starts_at=now, ends_at=now + dt.timedelta(days=3), school_year=world.year, **kw)  # fmt: skip


def _home(client) -> str:
    return client.get(reverse("web:home")).content.decode()


def test_the_district_admin_finds_the_licence_page_in_the_navigation_and_on_a_home_card_with_the_count(
    world, login, django_assert_max_num_queries
):
    client = login(world.district_admin)
    with django_assert_max_num_queries(12):
        home = _home(client)
    nav = home[home.index('class="site-nav"') : home.index("</nav>")]
    assert f'href="{LICENCES}"' in nav and "量表授权" in nav
    card = home[home.index("需要授权的量表") :]
    n = len(licensed_catalogue())
    assert n == 4  # PHQ-A, CES-DC, SCARED, WHO-5: "confirm" (docs/instruments.md)
    assert f">{n}<" in card[:800] and f'href="{LICENCES}"' in card[:800]
    battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id="who-5")
    card = _home(client)[_home(client).index("需要授权的量表") :]
    assert f">{n - 1}<" in card[:800]


def test_the_card_goes_away_when_every_licence_is_recorded(world, login):
    for inst in licensed_catalogue():
        battery_services.record_licence(
            by=world.district_admin, district=world.haidian, instrument_id=inst.id
        )
    assert "需要授权的量表" not in _home(login(world.district_admin))
    assert "需要授权的量表" in _home(login(world.other_district_officer))  # 朝阳 has recorded none


def test_the_officer_who_publishes_campaigns_sees_the_page_and_who_may_record_a_licence(world, login):
    client = login(world.district_officer)
    assert f'href="{LICENCES}"' in _home(client)
    page = client.get(LICENCES).content.decode()
    assert "只有区管理员可以登记授权，请联系：海淀管理员。" in page
    assert 'name="instrument_id"' not in page  # no form the officer could not use
    got = client.post(LICENCES, {"instrument_id": "who-5"})
    assert got.status_code == 403 and not InstrumentLicence.objects.exists()


def test_other_roles_have_neither_the_navigation_entry_nor_the_card(world, login):
    for persona in (world.leader, world.psych, world.city_admin):
        home = _home(login(persona))
        assert LICENCES not in home and "需要授权的量表" not in home


def test_the_licence_page_names_instruments_and_what_the_default_battery_uses(
    world, login, django_assert_max_num_queries
):
    client = login(world.district_admin)
    with django_assert_max_num_queries(6):
        page = client.get(LICENCES).content.decode()
    row = page[page.index('id="licence-phq-a"') :]
    assert "青少年患者健康问卷（PHQ-A）" in row[:600] and "未记录" in row[:600]
    got = login(world.district_admin).post(
        LICENCES, {"instrument_id": "phq-a", "note": "合同 2025-17"}, follow=True
    )
    assert "已登记青少年患者健康问卷（PHQ-A）的授权" in got.content.decode()
    row = got.content.decode()[got.content.decode().index('id="licence-phq-a"') :]
    assert "海淀管理员" in row[:600] and "合同 2025-17" in row[:600]


def test_an_unknown_instrument_is_refused_and_nothing_recorded(world, login):
    got = login(world.district_admin).post(LICENCES, {"instrument_id": "mht"})
    assert got.status_code == 400 and "没有这个量表" in got.content.decode()
    assert not InstrumentLicence.objects.exists()


def test_the_blocked_launch_links_to_the_licence_page_and_the_link_unblocks_it(world, login):
    campaign = _draft(world)  # the default battery uses SCARED, WHO-5 and PHQ-A: licences not yet recorded
    officer = login(world.district_officer)
    url = reverse("screening:campaign", args=[campaign.pk])
    page = officer.get(url).content.decode()
    blocked = page[page.index("launch-blocked") :]
    assert "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in blocked[:900]
    assert f'href="{LICENCES}"' in blocked[:900]
    got = officer.post(url, {"action": "launch"})
    assert got.status_code == 409
    body = got.content.decode()
    assert "以下量表需要区管理员登记授权后才能发布" in body and f'href="{LICENCES}"' in body
    assert officer.get(LICENCES).status_code == 200  # the link works for the one who met the block
    admin = login(world.district_admin)
    for iid in ("scared-c", "who-5", "phq-a"):
        admin.post(LICENCES, {"instrument_id": iid})
    officer = login(world.district_officer)
    confirm = officer.post(url, {"action": "launch"})  # unblocked: the counts to confirm (issue 20)
    assert confirm.status_code == 200 and "确认发布" in confirm.content.decode()
    from screening.campaigns.services import launch_summary

    assert (
        officer.post(url, {"action": "launch", "confirmed": launch_summary(campaign).fingerprint}).status_code
        == 302
    )
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED


def test_a_campaign_without_instruments_links_to_its_battery_section(world, login):
    campaign = _draft(world, default_battery=False)
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[campaign.pk])
    page = client.get(url).content.decode()
    assert 'id="battery"' in page and "测评活动还没有量表" in page and 'href="#battery"' in page
    got = client.post(url, {"action": "launch"})
    assert got.status_code == 400 and f'href="{url}#battery"' in got.content.decode()


def test_schools_without_a_psychological_teacher_link_to_the_staff_import(world, login):
    campaign = _draft(world)
    page = (
        login(world.district_officer).get(reverse("screening:campaign", args=[campaign.pk])).content.decode()
    )
    warning = page[page.index("育英学校", page.index('id="launch"')) :]  # (the targeting form names it too)
    assert f'href="{reverse("roster:index")}"' in warning[:600]


def test_the_campaign_page_warns_when_ten_year_olds_get_no_suicide_risk_items(world, login):
    campaign = _draft(world)
    campaign.battery.filter(instrument_id="asq", grade_from__gte=5).filter(grade_to__lte=6).delete()
    page = (
        login(world.district_officer).get(reverse("screening:campaign", args=[campaign.pk])).content.decode()
    )
    assert "五年级、六年级的学生都已满10岁，但测评组合中没有自杀风险题目" in page
