"""In a real browser (issue 7, Done when): the city officer opens the supervision dashboard, drills into 海淀区,
then 第一实验学校, and sees that its campus 本部 has no psychological teacher (school A's teacher is posted at the
school, which does not cover a campus of a multi-site school; the east campus has its own). On a phone the
charts draw and the page does not scroll sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full
from supervision.models import DirtyNode
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def rolled_up(world):
    """Figures computed before the browser opens: no ORM call inside Playwright's event loop."""
    periods = ensure_periods(world.year)
    run_full(periods)
    DirtyNode.objects.all().delete()
    return periods


def test_the_city_officer_drills_down_to_a_campus_without_a_psychological_teacher(
    live_server, world, rolled_up, browser_context_factory
):
    base = live_server.url
    errors: list[str] = []
    page = browser_context_factory().new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "city_officer")

    page.get_by_role("link", name="督导").first.click()
    page.wait_for_selector("h1:has-text('北京市')")
    page.wait_for_selector("[data-sup-chart='r1.1-psych-teacher'] canvas")  # ECharts drew the chart
    page.locator("table[data-indicator='r1.1-psych-teacher']").get_by_role("link", name="海淀区").click()
    page.wait_for_selector("h1:has-text('海淀区')")
    page.locator("table[data-indicator='r1.2-campus-psych']").get_by_role("link", name="第一实验学校").click()
    page.wait_for_selector("h1:has-text('第一实验学校')")

    details = page.locator("table.sup-details[data-indicator='r1.2-campus-psych']")
    main_campus = details.locator("tr", has_text="本部")
    assert main_campus.get_attribute("class") == "sup-missing"
    assert "否" in main_campus.inner_text()
    assert "是" in details.locator("tr", has_text="东校区").inner_text()
    # The breadcrumb leads back up.
    assert page.locator("nav.sup-crumbs").get_by_role("link", name="海淀区").count() == 1
    assert errors == []


def test_the_dashboard_fits_a_phone(live_server, world, rolled_up, browser_context_factory):
    base = live_server.url
    period = next(p for p in rolled_up if p.code.endswith("-S1"))
    url = base + reverse("supervision:dashboard", kwargs={"node": world.haidian.pk, "period": period.code})
    page = browser_context_factory(viewport=PHONE).new_page()
    log_in(page, base, "district_officer")
    page.goto(url)
    page.wait_for_selector("[data-sup-chart='r1.1-psych-teacher'] canvas")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1


def test_the_overview_is_the_first_screen_and_on_a_phone_keeps_the_indicator_column_in_place(
    live_server, world, rolled_up, browser_context_factory
):
    """Issue 20: the city page opens on the indicators × districts matrix; on a phone the matrix scrolls sideways
    inside its frame with the indicator names held in place, and a cell opens that district at that indicator."""
    base = live_server.url
    haidian_url = reverse(
        "supervision:dashboard",
        kwargs={
            "node": world.haidian.pk,
            "period": next(p for p in rolled_up if p.code.endswith("-S1")).code,
        },
    )
    page = browser_context_factory(viewport=PHONE).new_page()
    log_in(page, base, "city_officer")
    page.goto(base + reverse("supervision:index"))
    overview = page.locator("#overview")
    assert overview.bounding_box()["y"] < page.locator(".sup-indicator").first.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    row = page.locator("#overview tr[data-indicator='r1.1-psych-teacher']")
    name = row.locator("th.sup-sticky")
    before = name.bounding_box()["x"]
    page.locator(".sup-matrix-wrap").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert abs(name.bounding_box()["x"] - before) < 2  # the indicator's name stays on screen
    assert "未达标" in row.inner_text()  # the status in words, not colour alone
    row.locator(f"a[href='{haidian_url}#ind-r1.1-psych-teacher']").click()
    page.wait_for_selector("h1:has-text('海淀区')")
    assert page.url.endswith("#ind-r1.1-psych-teacher")
