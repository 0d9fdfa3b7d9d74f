"""In a real browser (issue 5, Done when): on a phone, a student leaves an anonymous crisis message and sees the
hotlines at once; it reaches the on-duty district counselor's notifications and the top of their queue, above
older ordinary messages; the counselor takes it on (签收) and replies; the student reads the reply with their private code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from counseling.centre import services
from counseling.centre.tests.centre_helpers import put_on_duty
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

CRISIS = "我真的撑不下去了，不想活了，药已经攒好了"
REPLY = "谢谢你告诉我们。你现在安全吗？我们一直在，请拨打12356，或者现在就回复我。"


@pytest.fixture
def centre_ready(world):
    """Before the browser opens (no ORM call while it runs): the counselor on duty, two older ordinary messages."""
    put_on_duty(world)
    earlier = timezone.now() - dt.timedelta(hours=6)
    for i in range(2):  # older ordinary messages, whose deadlines come first
        services.leave_message(
            user=world.student,
            body=f"作业太多了 {i}",
            anonymous=True,
            submit_key=f"older-{i}-" + "k" * 16,
            now=earlier,
        )
    return world


def test_an_anonymous_crisis_message_reaches_the_counselor_on_top_and_its_reply_is_read_with_the_code(
    live_server, centre_ready, browser_context_factory
):
    world = centre_ready
    base = live_server.url

    phone = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(phone, base, "student")
    phone.goto(base + reverse("counseling:centre_leave"))
    phone.get_by_label("你的留言").fill(CRISIS)
    phone.get_by_label("匿名发送").check()
    phone.get_by_role("button", name="发送", exact=True).click()
    phone.locator("#crisis-help").wait_for()
    assert "12356" in phone.content() and "12355" in phone.content()
    code = phone.locator("#message-code").inner_text().strip()
    assert len(code) == 14
    overflow = phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    desk = browser_context_factory().new_page()
    log_in(desk, base, "district_counselor")
    desk.goto(base + reverse("care:notifications"))
    assert "紧急" in desk.locator("#main").inner_text()
    desk.goto(base + reverse("counseling:centre_queue"))
    first = desk.locator("tr.queue-row").first
    assert "危机" in first.inner_text() and "匿名" in first.inner_text()
    assert desk.locator("tr.queue-row").count() == 3
    page_text = desk.locator("#main").inner_text()
    assert world.student_a1.name not in page_text and world.school_a.name not in page_text
    first.get_by_role("link").click()
    assert CRISIS in desk.locator("#main").inner_text()
    assert world.student_a1.name not in desk.locator("#main").inner_text()
    # 签收 first (it stops the climb to the whole centre and the district), then reply.
    desk.get_by_role("button", name="签收，由我处理").click()
    desk.get_by_text("你已签收这条留言").wait_for()
    assert desk.get_by_role("button", name="签收，由我处理").count() == 0
    desk.get_by_label("回复").fill(REPLY)
    desk.get_by_role("button", name="发送回复").click()
    desk.get_by_text("回复已发送").wait_for()

    phone.goto(base + reverse("counseling:centre_read_code"))
    phone.get_by_label("取件码").fill(code)
    phone.get_by_role("button", name="查看").click()
    phone.get_by_text(REPLY).wait_for()
    assert CRISIS in phone.locator("#main").inner_text()


def test_the_students_centre_pages_fit_a_375_px_phone(live_server, world, browser_context_factory):
    page = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(page, live_server.url, "student")
    for name in (
        "centre_leave",
        "centre_my_messages",
        "centre_read_code",
        "centre_chat_start",
        "centre_visit",
    ):
        page.goto(live_server.url + reverse(f"counseling:{name}"))
        assert page.locator("#main").is_visible()
        assert "12356" in page.content()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 375 px"
