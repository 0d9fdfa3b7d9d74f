"""In a real browser on a phone: 海淀's district counselor adds a level rule with a reason, confirms it, and finds
it in force and in the version history (issue 15, the per-district editor)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.menu import menu_link
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_a_district_counselor_changes_the_rules_on_a_phone(
    live_server, world, browser_context_factory, tmp_path
):
    page = browser_context_factory(viewport=PHONE).new_page()
    log_in(page, live_server.url, "district_counselor")
    page.goto(live_server.url + reverse("web:home"))
    menu_link(page, "预警规则").click()
    assert page.get_by_role("heading", name="现行规则").is_visible()
    assert "内置默认规则" in page.content()
    # nothing sticks out sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    new = page.locator("details.rule-row").last
    new.get_by_label("级别").select_option("orange")
    new.get_by_label("条件").select_option("score")
    new.get_by_label("量表").select_option("phq-9")
    new.get_by_label("得分项").select_option("phq-9:total")
    new.get_by_label("界值").fill("15")
    page.get_by_label("修改原因").first.fill("二阶段访谈复盘后收紧")
    page.get_by_role("button", name="检查并预览").click()

    assert page.get_by_role("heading", name="确认预警规则 · " + world.haidian.name).is_visible()
    assert "新增" in page.content() and "总分 ≥ 15" in page.content()
    page.screenshot(path=str(tmp_path / "confirm.png"), full_page=True)
    page.get_by_role("button", name="确认保存").click()

    assert "预警规则第 1 版已生效" in page.content()
    history = page.locator("details.rule-version").first
    assert "二阶段访谈复盘后收紧" in history.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)
