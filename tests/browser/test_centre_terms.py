"""In a real browser (issue 16, build 2): a district counselor adds a slang word their students use to the
district's triage terms — previewed against the labelled rows, then saved — and a student's message containing it
is flagged at once: the sender sees the hotline notice and the message tops the counselor's queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from counseling.centre.tests.centre_helpers import put_on_duty
from tests.browser.menu import menu_link
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

MESSAGE = "今晚就去折纸鹤"  # 折纸鹤: a code word of this district's children, in no shipped list


@pytest.fixture
def on_duty(world):
    """Before the browser opens (no ORM call while it runs): the counselor on duty."""
    put_on_duty(world)
    return world


def test_a_counselor_adds_a_slang_word_and_a_message_containing_it_is_flagged(
    live_server, on_duty, browser_context_factory
):
    base = live_server.url
    desk = browser_context_factory().new_page()
    log_in(desk, base, "district_counselor")
    menu_link(desk, "研判词条").click()
    desk.get_by_label("网络用语/谐音").check()
    desk.get_by_label("词语", exact=True).fill("折纸鹤")
    desk.get_by_label("意思", exact=True).fill("自杀")
    desk.get_by_label("来源", exact=True).fill("本区初二学生QQ群里的暗语，班主任反映")
    desk.get_by_role("button", name="预览").click()
    preview = desk.locator("section.card")
    preview.wait_for()
    assert "会新标出0条" in preview.inner_text()
    desk.get_by_role("button", name="保存词条").click()
    desk.get_by_text("词条已添加").wait_for()
    assert "历史记录" in desk.locator("#main").inner_text()

    phone = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(phone, base, "student")
    phone.goto(base + reverse("counseling:centre_leave"))
    phone.get_by_label("你的留言").fill(MESSAGE)
    phone.get_by_label("匿名发送").check()
    phone.get_by_role("button", name="发送", exact=True).click()
    # "今晚就去折纸鹤" reads "今晚就去自杀": a plan within hours, imminent danger since lexicon v10 (issue 16)
    phone.locator("#emergency-help").wait_for()

    desk.goto(base + reverse("counseling:centre_queue"))
    first = desk.locator("tr.queue-row").first
    assert "紧急危险" in first.inner_text()
    first.get_by_role("link").click()
    assert MESSAGE in desk.locator("#main").inner_text()
