"""Issue 15, points 2–4, through the real pages: the psychological teacher goes alert → 签收 → the review of the
sheet → level 红 → 开案 and lands on the case with its crisis checklist; the alert shows 红; the class teacher's
home page shows his 陪护 step with its deadline, and he marks it done on "my tasks". Only the sheet and its
alert are made through the ORM (as the submit makes them); everything a person does is done on the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

TALK = "谈话中学生说最近有具体的轻生计划"


@pytest.fixture
def walk(world, live_server):
    """Student A1's ASQ sheet suggested orange and raised its alert; read everything before the browser opens."""
    from screening.campaigns.tests.campaign_helpers import orange_asq_sheet

    _a, alert = orange_asq_sheet(world)
    return {"base": live_server.url, "alert": alert.pk, "name": world.student_a1.name}


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).locator("button[type=submit]").first.click()


def test_alert_review_red_open_case_reaches_the_class_teacher_with_his_step(walk, browser_context_factory):
    base = walk["base"]
    alert_url = base + reverse("care:alert_detail", args=[walk["alert"]])

    # The psychological teacher opens the alert (橙) and takes it on (签收): the next steps appear.
    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(alert_url)
    assert psych.locator(".page-head .level-orange").count() == 1
    _submit(psych, "form.alert-actions")
    panel = psych.locator("#next-steps")
    assert panel.is_visible()
    assert panel.locator("[data-next=review] a").count() == 1
    assert panel.locator("[data-next=level] a").count() == 1
    assert panel.locator("[data-next=case] a").count() == 1

    # The review of the sheet: level 红, next step 开案.
    with psych.expect_navigation():
        panel.locator("[data-next=review] a").click()
    psych.fill("textarea[name=outcome]", TALK)
    psych.select_option("select[name=confirmed_level]", "red")
    psych.select_option("select[name=next_step]", "open_case")
    _submit(psych, "#confirm-level form")

    # She lands on the case, told what happened; the checklist is there, 陪护 owned by the class teacher.
    assert "/care/cases/" in psych.url
    said = psych.locator(".messages").inner_text()
    assert "已确认等级为红" in said and "已开案" in said and "危机干预清单已生成" in said
    steps = psych.locator("li.crisis-step")
    assert steps.count() == 6
    assert "一班班主任" in psych.locator("li.crisis-step[data-step=accompanied] .step-owner").inner_text()

    # The alert now shows 红, on its page and in the list.
    psych.goto(alert_url)
    assert psych.locator(".page-head .level-red").count() == 1
    psych.goto(base + reverse("care:alert_list"))
    assert psych.locator(".level-red").count() >= 1 and psych.locator(".level-orange").count() == 0

    # The class teacher, on a phone: his home page counts one task and shows the 陪护 step with its deadline.
    teacher = browser_context_factory(viewport={"width": 375, "height": 800}).new_page()
    log_in(teacher, base, "class_teacher")
    card = teacher.locator("section.card-tasks")
    assert "我的任务" in card.inner_text()
    assert card.locator(".figure", has_text="未完成任务").locator("dd").first.inner_text() == "1"
    assert "有人陪护学生，不让其独处 · 截止" in card.inner_text()
    with teacher.expect_navigation():
        card.get_by_role("link", name="查看我的任务").click()
    row = teacher.locator("#crisis-steps tr.crisis-step[data-step=accompanied]")
    assert walk["name"] in row.inner_text()
    with teacher.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "危机干预步骤已完成" in teacher.locator(".messages").inner_text()
    assert teacher.locator("#crisis-steps").count() == 0
