"""Issue 16, "Done when" (routing): an imminent-danger message left at 03:00 reaches the counselor on duty through
the SMS stand-in within a minute, and the student sees the emergency numbers at once.

At 03:00 on a school day a student writes to the district centre's 24-hour board from her phone that she has just
swallowed a whole bottle of sleeping pills. The page after sending shows 120, 110, 12356 and the district's line
with a short reply written for that moment; within a minute the district counselor on duty (night shift 16:00 →
08:00) has an SMS on the emergency template (through the Alibaba Cloud SDK's real HTTP code), carrying no name;
on her queue the message is on top, marked 紧急危险, above an older risk message.

The world (people, the night shift, the district's line, the counselor's phone, an earlier risk message) is made
before the browser opens; what the student and the counselor do is done on the pages.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.urls import reverse

from conftest import school_day_at
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
COUNSELOR_PHONE = "13900001111"
DISTRICT_LINE = "010-62345678"
IMMINENT = "我刚吃了一整瓶安眠药，头好晕"
RISK = "我不想活了，药已经攒好了"


@pytest.fixture
def three_am(world, live_server, provider_standin, settings, browser_clock):
    from counseling.centre import services
    from counseling.centre.models import DutyShift
    from counseling.rooms.models import DistrictLinks
    from tests.standins.providers import give_channels

    settings.CELERY_TASK_ALWAYS_EAGER = True  # sent after commit, in the request
    at = school_day_at(3, 0)
    browser_clock.move_to(at)
    DutyShift.objects.create(
        district=world.haidian,
        counselor=world.district_counselor,
        starts_at=at - dt.timedelta(hours=11),
        ends_at=at + dt.timedelta(hours=5),
        created_at=at,
    )
    DistrictLinks.objects.create(
        district=world.haidian,
        platform_name="海淀心理",
        hotlines=[{"number": DISTRICT_LINE, "name": "海淀区心理咨询中心热线"}],
    )
    give_channels(world.district_counselor, phone=COUNSELOR_PHONE)
    # An earlier risk message from another evening, still waiting: imminent danger must go above it.
    services.leave_message(
        user=world.student, body=RISK, anonymous=True, submit_key="r" * 20, now=at - dt.timedelta(hours=2)
    )
    return {"base": live_server.url}


def test_an_imminent_message_at_0300_reaches_the_counselor_on_duty_by_sms_within_a_minute_and_the_student_sees_120_110_12356(
    three_am, browser_context_factory, provider_standin
):
    base = three_am["base"]
    student = browser_context_factory(viewport=PHONE).new_page()
    log_in(student, base, "student")
    student.goto(base + reverse("counseling:centre_leave"))
    student.fill("textarea[name=body]", IMMINENT)
    sent_at, sent_clock = time.monotonic(), time.time()  # the stand-in stamps with time.time (traveled)
    with student.expect_navigation():
        student.locator("form.form button[type=submit]").click()

    # At once: the emergency numbers and a short reply for that moment, before anything else on the page.
    help_box = student.locator("#emergency-help")
    assert help_box.is_visible()
    said = help_box.inner_text()
    assert "120" in said and "110" in said and "12356" in said and DISTRICT_LINE in said
    assert "值班" in said  # the counselor on duty already has the message
    for number in ("120", "110", "12356", DISTRICT_LINE):
        assert help_box.locator(f'a[href="tel:{number}"]').count() == 1

    # Within a minute: an SMS on the emergency template to the counselor on duty, with no one named in it.
    def emergency():
        return [s for s in provider_standin.sms_to(COUNSELOR_PHONE) if s.template == "SMS_EMERGENCY"]

    while not emergency() and time.monotonic() - sent_at < 60:
        time.sleep(0.2)
    sms = emergency()
    assert len(sms) == 1, provider_standin.requests()
    assert sms[0].ok and sms[0].at - sent_clock < 60
    assert sms[0].params in ({}, "{}", None)  # no parameter travels: the registered text is fixed
    # She is named, so her school's red alert goes the off-hours route too — to the same counselor on duty, who
    # was just told of this message by SMS: the alert reaches her in the app, not by a second text.
    assert [s.template for s in provider_standin.sms_to(COUNSELOR_PHONE)] == ["SMS_EMERGENCY"]

    # The counselor, woken by it, finds the message on top of her queue, marked 紧急危险, above the risk one.
    counselor = browser_context_factory(viewport=PHONE).new_page()
    log_in(counselor, base, "district_counselor")
    counselor.goto(base + reverse("counseling:centre_queue"))
    rows = counselor.locator("tr.queue-row")
    assert rows.count() == 2
    assert "紧急危险" in rows.nth(0).inner_text() and "紧急危险" not in rows.nth(1).inner_text()
    with counselor.expect_navigation():
        rows.nth(0).locator("a").click()
    assert counselor.locator("#imminent-notice").is_visible()
