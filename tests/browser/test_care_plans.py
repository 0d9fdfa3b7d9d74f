"""In a real browser, on a 375-px phone: the psychological teacher agrees a plan with a safety plan and gives the
class teacher an action, proposes a referral, records the guardians' consent and sends it; the partner hospital's
clinician sees only the minimum data and posts feedback; the class teacher finds the task on their home page
(issue 4 items 5 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from care.plans.tests.plans_helpers import open_case
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def _fits(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 375 px"


@pytest.fixture
def pathway(world):
    """An open orange case of student_a1 and a 海淀 hospital whose clinician is the ``clinician`` persona — made
    before the browser starts (no ORM call while Playwright's loop runs)."""
    from django.utils import timezone

    from care.models import Institution, InstitutionMember

    now = timezone.now()
    case = open_case(world, now=now)
    hospital = Institution.objects.create(
        district=world.haidian, name="北京安定医院", kind="hospital", created_at=now
    )
    InstitutionMember.objects.create(institution=hospital, user=world.clinician, added_at=now)
    return case, timezone.localdate(now)


def test_a_plan_and_a_referral_from_the_school_to_the_hospital_and_back(
    live_server, world, pathway, browser_context_factory
):
    case, today = pathway
    base = live_server.url
    name = world.student_a1.name

    psych = browser_context_factory(viewport=PHONE).new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("care:plan", args=[case.pk]))
    _fits(psych)
    psych.get_by_text("修改目标").click()
    psych.locator("#p-goals").fill("情绪稳定，按时到校")
    psych.get_by_role("button", name="保存").first.click()
    psych.get_by_text("记录监护人同意").click()
    psych.locator("#a-on").fill(today.isoformat())
    psych.locator("#a-m").fill("来校面谈")
    psych.locator("#a-w").fill("母亲、班主任、心理老师")
    psych.get_by_role("button", name="记录同意").click()
    psych.get_by_text("添加措施").click()
    psych.locator("#t-text").fill("每天早上问候并观察情绪")
    psych.locator("#t-owner").select_option(label=str(world.class_teacher))
    psych.locator("#t-due").fill((today + dt.timedelta(days=7)).isoformat())
    psych.get_by_role("button", name="添加", exact=True).click()
    psych.get_by_text("修改安全计划").click()
    psych.locator("#s-warning_signs").fill("独处、拒绝进食")
    psych.locator("#s-professionals").fill("12356")
    psych.locator("form:has(textarea[name=warning_signs]) button").click()
    body = psych.content()
    assert "母亲、班主任、心理老师" in body and "每天早上问候并观察情绪" in body and "独处、拒绝进食" in body
    _fits(psych)

    psych.goto(base + reverse("care:case_referrals", args=[case.pk]))
    psych.locator("#r-r").fill("持续自伤念头，需专科评估")
    psych.locator("#r-s").fill("近两周情绪低落")
    psych.get_by_role("button", name="提出", exact=True).click()
    psych.locator("#c-by").fill("李妈妈")
    psych.locator("#c-on").fill(today.isoformat())
    psych.locator("#c-via").fill("签署同意书")
    psych.get_by_role("button", name="记录监护人同意").click()
    psych.get_by_role("button", name="转出至机构").click()
    assert "已转出" in psych.content()
    _fits(psych)
    referral_url = psych.url

    clinician = browser_context_factory(viewport=PHONE).new_page()
    log_in(clinician, base, "clinician")
    clinician.goto(base + reverse("care:referrals"))
    clinician.get_by_role("link", name=name).click()
    page = clinician.content()
    assert "持续自伤念头" in page and "近两周情绪低落" in page
    assert "李妈妈" not in page and "情绪稳定" not in page  # neither the consent record nor the plan
    _fits(clinician)
    clinician.locator("#f-t").fill("门诊随访，两周后复诊")
    clinician.get_by_role("button", name="发送反馈").click()
    assert "已收到反馈" in clinician.content()

    psych.goto(referral_url)
    assert "门诊随访，两周后复诊" in psych.content()

    teacher = browser_context_factory(viewport=PHONE).new_page()
    log_in(teacher, base, "class_teacher")
    assert "我的任务" in teacher.content()
    teacher.get_by_role("link", name="查看我的任务").click()
    assert "每天早上问候并观察情绪" in teacher.content() and name in teacher.content()
    _fits(teacher)
    assert teacher.goto(base + reverse("care:plan", args=[case.pk])).status == 403
