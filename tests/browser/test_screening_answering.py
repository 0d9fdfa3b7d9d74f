"""In a real browser: a student answers a questionnaire, the network drops for a while, and no answer is lost
(issue 3: "the network drops for a minute and nobody loses an answer")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import ConsentRule
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

QUEUE = "xinyu.screening.queue."


@pytest.fixture
def gad7(world):
    """Set up before the browser opens (no ORM call in the test body while Playwright's loop runs)."""
    campaign = launched_campaign(world, consent_rule=ConsentRule.NOTICE_ALL, instruments=("gad-7",))
    return assignment_of(campaign, world.student_a1)


def _in_thread(fn):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def _stored(assignment_pk: int) -> tuple[dict, int]:
    from django.db import connection

    from screening.models import Answer, Result

    try:
        answers = dict(
            Answer.objects.filter(response__assignment_id=assignment_pk).values_list("item_id", "value")
        )
        return answers, Result.objects.filter(response__assignment_id=assignment_pk).count()
    finally:
        connection.close()


def test_a_student_answers_through_a_network_drop_and_nothing_is_lost(
    live_server, gad7, browser_context_factory
):
    ctx = browser_context_factory(viewport={"width": 375, "height": 667})
    page = ctx.new_page()
    log_in(page, live_server.url, "student")
    page.goto(live_server.url + reverse("screening:answer", kwargs={"pk": gad7.pk}))
    page.locator('button[name="agree"][value="1"]').click()
    page.wait_for_selector("#answer")
    response_id = page.locator("#answer").get_attribute("data-response")
    pending = f"() => Object.keys(JSON.parse(localStorage.getItem('{QUEUE}{response_id}') || '{{}}')).length"

    def choose(item: str, value: int) -> None:
        page.locator(f'input[name="{item}"][value="{value}"]').check()

    for item in ("q1", "q2"):
        with page.expect_response(lambda r: r.url.endswith("/answer/") and r.status == 200):
            choose(item, 1)
    ctx.set_offline(True)
    for item in ("q3", "q4", "q5"):
        choose(item, 2)
    page.wait_for_timeout(300)
    assert page.evaluate(pending) == 3  # kept on the device while offline
    assert page.locator("#offline-note").is_visible()
    assert set(_in_thread(lambda: _stored(gad7.pk))[0]) == {"q1", "q2"}

    ctx.set_offline(False)
    page.wait_for_function(pending + " === 0", timeout=15_000)
    for item in ("q6", "q7"):
        choose(item, 0)
    page.wait_for_function(pending + " === 0", timeout=15_000)
    assert page.locator("progress").get_attribute("value") == "7"

    page.locator("#submit").click()
    page.wait_for_url("**/done/**", timeout=15_000)
    assert "12356" in page.content()
    answers, results = _in_thread(lambda: _stored(gad7.pk))
    assert answers == {"q1": 1, "q2": 1, "q3": 2, "q4": 2, "q5": 2, "q6": 0, "q7": 0}
    assert results == 1
