"""Issue 15, "Done when": the critical path end to end, through the real pages, on a frozen clock.

At 22:42 on a school day a grade-5 student answers PHQ-A on a phone — item 9 "几乎每天", serious thoughts in the
past month "是", an attempt in her life "是" — in a campaign the district opened to evenings. Within a minute the
district counselor on duty has an SMS (on the provider stand-in, through the Alibaba Cloud SDK's real HTTP code) and
the student sees the help lines. A campaign with the default window refuses to open the same questionnaire at
22:42, with a clear message and the help lines. The next morning the school's psychological teacher goes alert →
签收 → the review of the sheet → level 红 → 开案; the case exists with its crisis checklist, the alert shows 红,
and the class teacher's home page and his 企业微信 both show his 陪护 step with its deadline.

The world (people, the campaigns, the duty roster, the accounts people entered) is made before the browser opens;
everything a person does is done on the pages; the ORM only reads, from another thread, at the end.
"""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from conftest import school_day_at
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
COUNSELOR_PHONE = "13900001111"
TEACHER_WECOM = "banzhuren_a1"
DISTRICT_LINE = "010-62345678"
# The walk of issue 15, point 1 (PHQ-A; 0 = 完全不会 / 否, 3 = 几乎每天).
WALK = {f"q{i}": "0" for i in range(1, 9)} | {
    "q9": "3",
    "past_year": "0",
    "difficulty": "0",
    "past_month_thoughts": "1",
    "ever_attempted": "1",
}
TALK = "次日早晨面谈：学生承认昨晚有具体的轻生想法，已安排专人陪护并联系家长。"


def _in_thread(fn):
    """ORM reads run outside Playwright's event-loop thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@pytest.fixture
def night(world, live_server, provider_standin, settings, browser_clock):
    """22:42 on a school day. 海淀's centre has the district counselor on duty from 16:00 to 08:00 with her phone
    entered for SMS; the class teacher has entered his 企业微信 account; the district's line is on its links page;
    two launched campaigns for school A's grade 5 hold PHQ-A: one opened to evenings, one with the default window."""
    from counseling.centre.models import DutyShift
    from counseling.rooms.models import DistrictLinks
    from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
    from screening.models import AnswerHours, InstrumentLicence
    from tests.standins.providers import give_channels

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the embedded default: sent after commit, in the request
    at = school_day_at(22, 42)
    browser_clock.move_to(at)
    DutyShift.objects.create(
        district=world.haidian,
        counselor=world.district_counselor,
        starts_at=at.replace(hour=16, minute=0),
        ends_at=at.replace(hour=8, minute=0) + dt.timedelta(days=1),
        created_at=at,
    )
    DistrictLinks.objects.create(
        district=world.haidian,
        platform_name="海淀心理",
        hotlines=[{"number": DISTRICT_LINE, "name": "海淀区心理咨询中心热线"}],
    )
    InstrumentLicence.objects.create(
        district=world.haidian, instrument_id="phq-a", recorded_by=world.district_admin
    )
    give_channels(world.district_counselor, phone=COUNSELOR_PHONE)
    give_channels(world.class_teacher, wecom_user_id=TEACHER_WECOM)
    evening = launched_campaign(world, instruments=("phq-a",), answer_hours=AnswerHours.EVENINGS)
    default = launched_campaign(world, instruments=("phq-a",), answer_hours=AnswerHours.RESPONDER)
    assert world.student_a1.current_enrollment().school_class.grade == 5
    return {
        "base": live_server.url,
        "at": at,
        "evening": assignment_of(evening, world.student_a1).pk,
        "default": assignment_of(default, world.student_a1).pk,
        "student_pk": world.student_a1.pk,
        "name": world.student_a1.name,
    }


def _outcome(student_pk: int) -> dict:
    from django.db import connection

    from care.models import Alert, Case, CrisisStep

    try:
        alert = Alert.objects.get(student_id=student_pk)
        case = Case.objects.filter(student_id=student_pk).first()
        steps = (
            dict(CrisisStep.objects.filter(case=case).values_list("kind", "owner__username")) if case else {}
        )
        return {"alert": alert.pk, "level": alert.level, "route": alert.route, "case": case, "steps": steps}
    finally:
        connection.close()


def _submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).locator("button[type=submit]").first.click()


def test_a_sheet_at_2242_reaches_the_counselor_on_duty_and_the_next_morning_the_case_reaches_the_class_teacher(
    night, browser_context_factory, provider_standin, browser_clock
):
    base = night["base"]

    # --- 22:42, the student on her phone -------------------------------------------------------------------
    student = browser_context_factory(viewport=PHONE).new_page()
    log_in(student, base, "student")

    # The campaign with the default window does not open PHQ-A at this hour: it says why and gives the lines.
    student.goto(base + reverse("screening:answer", args=[night["default"]]))
    with student.expect_navigation() as opened:
        student.locator('button[name="agree"][value="1"]').click()
    assert opened.value.status == 409
    notice = student.locator(".error-page").inner_text()
    for number in ("12356", "12355", DISTRICT_LINE):
        assert number in notice
    assert student.locator(f'a[href="tel:{DISTRICT_LINE}"]').count() >= 1

    # The campaign opened to evenings: assent, the walk's answers, submit.
    student.goto(base + reverse("screening:answer", args=[night["evening"]]))
    student.locator('button[name="agree"][value="1"]').click()
    student.wait_for_selector("#answer")
    for item, value in WALK.items():
        field = student.locator(f'input[name="{item}"][value="{value}"]')
        if not field.is_visible():
            continue  # an item the questionnaire does not ask
        with student.expect_response(lambda r: r.url.endswith("/answer/") and r.status == 200):
            field.check()
    submitted, submitted_at = time.monotonic(), time.time()  # the stand-in stamps with time.time (traveled)
    student.locator("#submit").click()
    student.wait_for_url("**/done/**", timeout=15_000)
    done = student.content()
    for number in ("12356", "12355", DISTRICT_LINE):
        assert f'href="tel:{number}"' in done  # the help lines, at once

    # Within a minute: an SMS to the district counselor on duty, carrying no name, level or school.
    while not provider_standin.sms_to(COUNSELOR_PHONE) and time.monotonic() - submitted < 60:
        time.sleep(0.2)
    sms = provider_standin.sms_to(COUNSELOR_PHONE)
    assert len(sms) == 1, provider_standin.requests()
    assert sms[0].at - submitted_at < 60
    sent = f"{sms[0].template} {sms[0].params} {sms[0].text}"
    assert night["name"] not in sent and "红" not in sent and "橙" not in sent and "实验" not in sent
    got = _in_thread(lambda: _outcome(night["student_pk"]))
    assert got["route"] == "off_hours" and got["level"] == "red" and got["case"] is None

    # --- 08:30 the next school day, the psychological teacher --------------------------------------------------
    browser_clock.move_to(night["at"].replace(hour=8, minute=30) + dt.timedelta(days=1))
    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("care:alert_list"))
    with psych.expect_navigation():
        psych.get_by_role("link", name=night["name"]).first.click()
    alert_url = psych.url
    assert "区心理中心" in psych.locator("main").inner_text()  # who is responsible now, and until when
    _submit(psych, "form.alert-actions")  # 签收
    panel = psych.locator("#next-steps")
    assert panel.is_visible()
    with psych.expect_navigation():
        panel.locator("[data-next=review] a").click()
    psych.fill("textarea[name=outcome]", TALK)
    psych.select_option("select[name=confirmed_level]", "red")
    psych.select_option("select[name=next_step]", "open_case")
    _submit(psych, "#confirm-level form")

    # She lands on the case, told what happened, with its crisis checklist; the alert shows 红.
    assert "/care/cases/" in psych.url
    said = psych.locator(".messages").inner_text()
    assert "已确认等级为红" in said and "已开案" in said and "危机干预清单已生成" in said
    assert psych.locator("li.crisis-step").count() == 6
    psych.goto(alert_url)
    assert psych.locator(".page-head .level-red").count() == 1

    got = _in_thread(lambda: _outcome(night["student_pk"]))
    assert got["case"] is not None and got["case"].level == "red"
    assert got["steps"]["accompanied"] == "class_teacher"

    # The class teacher: his home page shows his 陪护 step with its deadline, and so does his 企业微信.
    teacher = browser_context_factory(viewport=PHONE).new_page()
    log_in(teacher, base, "class_teacher")
    card = teacher.locator("section.card-tasks")
    assert "有人陪护学生，不让其独处 · 截止" in card.inner_text()
    wecom = provider_standin.wecom_to(TEACHER_WECOM)
    assert len(wecom) == 1 and "请登录心育查看" in wecom[0].text
    assert night["name"] not in wecom[0].text
