"""In a real browser (issue 7, Done when): the approval chain through the pages. School A's leader sees the
figures and submits them; the 海淀 district officer approves school A (school B already approved), then the
district — the button is enabled only once every school is approved; the city officer accepts 海淀. On a phone
the school's page does not scroll sideways."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD
from org.models import Post, Role, User
from supervision.approval import services
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full
from supervision.models import DirtyNode
from tests.browser.menu import menu_link
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def school_b_approved(world):
    """Figures computed and school B submitted and approved before the browser opens (no ORM call inside
    Playwright's event loop)."""
    periods = ensure_periods(world.year)
    sem = next(p for p in periods if p.code.endswith("-S1"))
    run_full([sem])
    DirtyNode.objects.all().delete()
    leader_b = User.objects.create_user(username="leader_b", password=PASSWORD, display_name="育英校长")
    Post.objects.create(user=leader_b, role=Role.SCHOOL_LEADER, node=world.school_b)
    services.submit(user=leader_b, school=world.school_b, period=sem)
    services.approve(user=world.district_officer, node=world.school_b, period=sem)
    return sem


def test_school_submits_district_approves_city_accepts(
    live_server, world, school_b_approved, browser_context_factory
):
    base = live_server.url
    errors: list[str] = []
    school_a, haidian = world.school_a.pk, world.haidian.pk

    leader = browser_context_factory(viewport=PHONE).new_page()
    leader.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(leader, base, "leader")
    menu_link(leader, "数据审核").click()
    leader.wait_for_selector("h1:has-text('第一实验学校')")
    assert "未提交" in leader.locator("#approval-state").inner_text()
    assert leader.locator("#approval-figures tr[data-indicator='r1.1-psych-teacher']").count() == 1
    assert leader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    leader.locator("#submit-figures").click()
    leader.wait_for_selector("#approval-state:has-text('已提交')")
    assert leader.locator("#submit-figures").count() == 0

    officer = browser_context_factory().new_page()
    officer.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(officer, base, "district_officer")
    officer.goto(base + reverse("supervision:approval"))
    officer.wait_for_selector("h1:has-text('海淀区')")
    assert officer.locator("#approve-district").is_disabled()
    officer.locator(f"tr[data-school='{school_a}']").get_by_role("button", name="审核通过").click()
    officer.wait_for_selector(f"tr[data-school='{school_a}'] .approval-approved")
    assert officer.locator("#approve-district").is_enabled()
    officer.locator("#approve-district").click()
    officer.wait_for_selector("#district-state .approval-approved")

    city = browser_context_factory().new_page()
    city.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(city, base, "city_officer")
    city.goto(base + reverse("supervision:approval"))
    row = city.locator(f"tr[data-district='{haidian}']")
    assert "2 / 2" in row.inner_text()
    row.get_by_role("button", name="验收").click()
    city.wait_for_selector(f"tr[data-district='{haidian}'] .approval-accepted")
    assert "已验收" in city.locator(f"tr[data-district='{haidian}']").inner_text()

    # The school's page now shows the figures locked and the whole history.
    leader.reload()
    assert "数据已锁定" in leader.content()
    assert errors == []
