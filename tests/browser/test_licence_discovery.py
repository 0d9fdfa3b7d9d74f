"""In a real browser (issue 15, point 6): a district administrator finds the licence page from the home page and
records a licence; a district officer whose launch is blocked follows the message's link to the page that
unblocks it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from screening.campaigns import services
from tests.browser.menu import menu_link
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def draft(world):
    """A draft district campaign with the default battery (SCARED, WHO-5, PHQ-A need licences); made before the
    browser opens (no ORM call inside Playwright's event loop)."""
    now = timezone.now()
    return services.create_campaign(
        by=world.district_officer, organiser=world.haidian, name="首次测评", starts_at=now,
        ends_at=now + dt.timedelta(days=3), school_year=world.year,
    )  # fmt: skip


def test_the_district_admin_finds_the_licence_page_from_the_home_page(
    live_server, world, browser_context_factory
):
    page = browser_context_factory(viewport={"width": 390, "height": 844}).new_page()  # a phone
    log_in(page, live_server.url, "district_admin")
    card = page.locator(".card", has_text="需要授权的量表")
    assert card.get_by_text("4", exact=True).count() == 1
    card.get_by_role("link", name="量表授权").click()
    page.wait_for_url(live_server.url + reverse("screening:licences"))
    assert page.get_by_role("heading", level=1).inner_text() == "量表授权"
    page.get_by_label("量表").select_option("who-5")
    page.get_by_label("备注（合同编号、期限、范围）").fill("合同 2025-17")
    page.get_by_role("button", name="登记授权").click()
    page.wait_for_url(live_server.url + reverse("screening:licences"))
    assert "已登记世界卫生组织五项身心健康指标（WHO-5）的授权" in page.content()
    page.get_by_role("link", name="心育").first.click()
    page.wait_for_url(live_server.url + reverse("web:home"))
    card = page.locator(".card", has_text="需要授权的量表")
    assert card.get_by_text("3", exact=True).count() == 1
    # the navigation holds it too
    menu_link(page, "量表授权").click()
    page.wait_for_url(live_server.url + reverse("screening:licences"))


def test_the_blocking_message_links_to_the_licence_page(live_server, world, draft, browser_context_factory):
    page = browser_context_factory().new_page()
    log_in(page, live_server.url, "district_officer")
    page.goto(live_server.url + reverse("screening:campaign", args=[draft.pk]))
    blocked = page.locator(".launch-blocked")
    assert "儿童焦虑性情绪障碍筛查量表（SCARED，儿童版）" in blocked.inner_text()
    blocked.get_by_role("link", name="到量表授权页登记授权").click()
    page.wait_for_url(live_server.url + reverse("screening:licences"))
    assert "只有区管理员可以登记授权，请联系：海淀管理员。" in page.content()
