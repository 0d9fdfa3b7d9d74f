"""In a real browser (issue 5, Done when): a student books on a 375-px phone, the psychological teacher confirms
and records the session; the notes are unreadable to the school leader and to the east campus's psychological
teacher."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from counseling.rooms.tests.room_helpers import make_room, make_slot, tomorrow_at
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

NOTES = "她说数学考试前总是心慌，想换座位"
PHONE = {"width": 375, "height": 667}


def _no_sideways_scroll(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.fixture
def open_room(world):
    """A room on student_a1's campus, open 07:00–21:00, with psych's free slot tomorrow at 10:00 (made before
    the browser starts: no ORM call while Playwright's loop runs)."""
    room = make_room(world.campus_a_main)
    return make_slot(room, world.psych, tomorrow_at(10))


def test_a_student_books_from_a_phone_the_counselor_confirms_and_records_and_nobody_else_reads_the_notes(
    live_server, world, open_room, browser_context_factory
):
    base = live_server.url

    student = browser_context_factory(viewport=PHONE).new_page()
    log_in(student, base, "student")
    student.get_by_role("link", name="预约心理老师聊一聊").click()  # from the home card
    assert "12356" in student.content() and "12355" in student.content()  # R4.1 on the student's pages
    assert _no_sideways_scroll(student) <= 0
    student.locator("input[name=slot]").first.check()
    student.get_by_label("想聊些什么？（可不填）").fill("考试")
    student.get_by_role("button", name="预约", exact=True).click()
    student.wait_for_url(base + reverse("counseling:room_book"))
    assert "待确认" in student.locator(".appointments").inner_text()

    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("counseling:room_desk"))
    psych.get_by_role("button", name="确认").click()
    psych.get_by_role("link", name="填写辅导记录").click()
    # The session took place (the test cannot wait for tomorrow): the counselor records it as of an hour ago.
    held = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    psych.get_by_label("日期和时间").fill(held)
    psych.get_by_label("学习与考试").check()
    psych.get_by_label("辅导笔记（仅你本人可见）").fill(NOTES)
    psych.get_by_role("button", name="保存记录").click()
    psych.wait_for_url("**/counseling/sessions/*/")
    assert NOTES in psych.locator(".session-notes").inner_text()
    session_url = psych.url

    student.goto(base + reverse("counseling:room_book"))
    assert "出席" in student.locator(".appointments").inner_text()  # attended

    for who in ("leader", "psych_east"):
        other = browser_context_factory().new_page()
        log_in(other, base, who)
        for url in (session_url, session_url + "notes/"):
            response = other.goto(url)
            assert response.status in (403, 404), (who, url, response.status)
            assert NOTES not in other.content()
