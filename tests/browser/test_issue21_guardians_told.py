"""In a real browser, on a 375-px phone (issue 21 build 3; R10, R12): the psychological teacher shares an agreed
plan with the guardian — the tasks for the family and, on purpose, the level with the reason in plain words; the
guardian finds it from the family page, reads it and confirms; the school sees the confirmation. The plan's goals
and safety plan never reach the guardian."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from care.plans.tests.plans_helpers import open_case
from tests.browser.test_issue20_words_and_axe import axe_violations
from tests.browser.test_student_access import log_in
from tests.words import check_page

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def _fits(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 375 px"


@pytest.fixture
def agreed_case(world):
    """An open orange case of student_a1 with goals, a safety plan and the guardians' agreement — made before
    the browser starts (no ORM call while Playwright's loop runs)."""
    from django.utils import timezone

    from care.plans import services

    case = open_case(world, now=timezone.now())
    today = timezone.localdate()
    review = today + dt.timedelta(days=14)
    services.save_goals(case=case, by=world.psych, goals="降低考试焦虑的临床目标", review_on=review)
    services.save_safety_plan(case=case, by=world.psych, parts={"warning_signs": "夜里不睡"})
    services.record_agreement(
        case=case, by=world.psych, agreed_on=today, meeting="来校面谈", agreed_with="母亲"
    )
    return case, review


def test_the_school_shares_the_plan_and_the_guardian_reads_and_confirms(
    live_server, world, agreed_case, browser_context_factory
):
    case, review = agreed_case
    base = live_server.url

    psych = browser_context_factory(viewport=PHONE).new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("care:plan", args=[case.pk]))
    psych.locator("#share summary").click()
    psych.locator("#g-tasks").fill("每天陪孩子吃晚饭，晚上十点前睡觉")
    psych.get_by_label("同时告知监护人当前关注等级和原因").check()
    psych.locator("#g-reason").fill("最近考试压力大，情绪有些低落")
    psych.locator("form:has(#g-tasks) button").click()
    assert "尚未确认" in psych.locator("#share").inner_text()
    _fits(psych)
    assert check_page(psych.content()) == []

    guardian = browser_context_factory(viewport=PHONE).new_page()
    log_in(guardian, base, "guardian")
    guardian.goto(base + reverse("schoolwork:guardian_home"))
    guardian.get_by_role("link", name="查看干预方案").click()
    text = guardian.locator("main").inner_text()
    assert "每天陪孩子吃晚饭，晚上十点前睡觉" in text and "最近考试压力大，情绪有些低落" in text
    assert review.isoformat() in text
    assert "临床目标" not in text and "夜里不睡" not in text
    _fits(guardian)
    assert check_page(guardian.content()) == []  # Chinese words only: no key, code or English
    assert axe_violations(guardian) == []
    guardian.get_by_role("button", name="我已阅读").click()
    assert "您已确认阅读" in guardian.locator("main").inner_text()
    assert guardian.get_by_role("button", name="我已阅读").count() == 0

    psych.reload()
    share = psych.locator("#share").inner_text()
    assert "尚未确认" not in share and str(world.guardian) in share
