"""In a real browser (issue 16, Done when): a counselor marks the message's risk while replying — the triage's
class preselected, one click to change it — and the label lands, anonymised, in the triage's training set."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from counseling.centre import services
from counseling.centre.models import TriageLabel
from counseling.centre.tests.centre_helpers import put_on_duty
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

BODY = "我叫李明轩，电话13812345678，作业太多了，最近睡不着，有时候觉得活着没意思"


def _stored_labels() -> list[tuple[str, int, str]]:
    """The training set as stored, read in another thread (Playwright's event loop runs in this one)."""
    from django.db import connection

    def read():
        try:
            return list(TriageLabel.objects.values_list("label", "district_id", "text"))
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


@pytest.fixture
def waiting_message(world):
    """Before the browser opens (no ORM call while it runs): the counselor on duty, one message waiting."""
    put_on_duty(world)
    message, _code, _ = services.leave_message(
        user=world.student, body=BODY, anonymous=True, submit_key="label-" + "k" * 16
    )
    return message


def test_a_counselor_marks_risk_while_replying_and_the_label_lands_in_the_training_set(
    live_server, waiting_message, browser_context_factory, world
):
    desk = browser_context_factory().new_page()
    log_in(desk, live_server.url, "district_counselor")
    desk.goto(live_server.url + reverse("counseling:centre_message", kwargs={"pk": waiting_message.pk}))
    preselected = "有风险" if waiting_message.crisis else "无风险"
    assert desk.get_by_label(preselected).is_checked()
    desk.get_by_label("回复", exact=True).fill("谢谢你告诉我们，我们一直在。")
    desk.get_by_label("有风险").check()  # the one click: the counselor's own reading
    desk.get_by_role("button", name="发送回复").click()
    desk.get_by_text("回复已发送").wait_for()

    [(label, district_id, text)] = _stored_labels()
    assert label == "risk" and district_id == world.haidian.pk
    assert "李明轩" not in text and "13812345678" not in text and "活着没意思" in text
