"""In a real browser on a phone (R18): the supervisor creates an inspection of school A, whose checklist shows
the school's figures, records a finding and sets a rectification task for the school's leader; the leader finds
it among their tasks and marks it done; the supervisor verifies it. No page scrolls sideways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full
from supervision.models import DirtyNode
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def rolled_up(world):
    run_full(ensure_periods(world.year))
    DirtyNode.objects.all().delete()
    return (timezone.localdate() + dt.timedelta(days=20)).isoformat()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_supervisor_inspects_and_the_leader_corrects_on_a_phone(
    live_server, world, rolled_up, browser_context_factory
):
    base = live_server.url
    errors: list[str] = []
    sup = browser_context_factory(viewport=PHONE).new_page()
    sup.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(sup, base, "supervisor")
    sup.goto(base + reverse("supervision:inspection_new"))
    sup.get_by_label("学校").select_option(label="第一实验学校")
    sup.get_by_role("button", name="创建督导检查").click()
    sup.wait_for_selector("#checklist")
    item = sup.locator("li[data-indicator='r1.2-campus-psych']")
    assert "1 / 2" in item.locator(".item-value").inner_text()
    assert _fits(sup)

    item.locator("summary", has_text="填写检查结论").click()
    item.get_by_label("未达标").check()
    item.get_by_label("检查说明").fill("本部校区无心理教师")
    item.get_by_role("button", name="保存").click()
    sup.wait_for_selector("li[data-indicator='r1.2-campus-psych'] .item-finding:has-text('未达标')")

    sup.locator("summary", has_text="布置整改任务").click()
    sup.get_by_label("整改内容").fill("本部校区配备心理教师")
    sup.get_by_label("负责人").select_option(label="校长")
    sup.get_by_label("整改期限").fill(rolled_up)
    sup.get_by_role("button", name="布置任务").click()
    sup.wait_for_selector("li[data-task]:has-text('本部校区配备心理教师')")
    assert _fits(sup)

    leader = browser_context_factory(viewport=PHONE).new_page()
    leader.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(leader, base, "leader")
    leader.goto(base + reverse("supervision:rectification_tasks"))
    leader.get_by_role("link", name="本部校区配备心理教师").click()
    task = leader.locator("li[data-task]", has_text="本部校区配备心理教师")
    task.get_by_label("完成情况").fill("已从东校区调配一名心理教师")
    task.get_by_role("button", name="标记完成").click()
    leader.wait_for_selector("li[data-task] .task-done")
    assert _fits(leader)

    sup.reload()
    sup.locator("li[data-task]").get_by_role("button", name="核验通过").click()
    sup.wait_for_selector("li[data-task] .task-verified")
    assert "已从东校区调配一名心理教师" in sup.locator("li[data-task]").inner_text()
    assert errors == []
