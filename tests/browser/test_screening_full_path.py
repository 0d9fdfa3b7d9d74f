"""Issue 3, "Done when": the whole screening path in a real browser, through the real pages only.

A district officer creates a campaign for school A's grade 5 (the default battery for grades 4–6 holds WHO-5,
whose licence the district administrator records on the licence page), adds the ASQ and launches
it; the guardian of student_a1 (born 2015, under 14: active consent) consents from their account; the student
gives assent, answers through a network drop, answers "yes" on the ASQ and sees the stay-here screen; the
school's psychological teacher acknowledges the alert, records the follow-up talk and confirms a level, which
becomes the student's current level (R5.1, R5.3). No step is done through the ORM; the ORM only reads at the end.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

QUEUE = "xinyu.screening.queue."


def _in_thread(fn):
    """ORM reads run outside Playwright's event-loop thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def _outcome(student_pk: int) -> dict:
    from django.db import connection

    from care.alerts.selectors import current_level
    from care.models import Alert
    from org.models import Student
    from screening.models import Answer, Result

    try:
        student = Student.objects.get(pk=student_pk)
        record = current_level(student)
        alerts = list(Alert.objects.filter(student=student).values("level", "acknowledged_by__username"))
        asq = dict(
            Answer.objects.filter(
                response__assignment__student=student, response__instrument_id="asq"
            ).values_list("item_id", "value")
        )
        results = dict(
            Result.objects.filter(response__assignment__student=student).values_list("instrument_id", "level")
        )
        return {
            "level": record.level if record else None,
            "alerts": alerts,
            "asq": asq,
            "results": results,
        }
    finally:
        connection.close()


@pytest.fixture
def plan(world):
    """Everything the test needs from the world, read before the browser opens (no ORM call afterwards)."""
    now = timezone.localtime()
    return {
        "organiser": str(world.haidian.pk),
        "starts": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends": (now + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "student_pk": world.student_a1.pk,
        "student_name": world.student_a1.name,
        "born_under_14": world.student_a1.birth_date.year >= now.year - 13,
    }


def test_the_whole_screening_path_from_campaign_to_a_confirmed_level(
    live_server, world, plan, browser_context_factory
):
    assert plan["born_under_14"]  # the guardian's active consent is needed (default consent rule)
    base = live_server.url

    # --- the district administrator records the licences the default grade 4–6 battery needs -------------
    admin = browser_context_factory().new_page()
    log_in(admin, base, "district_admin")
    admin.goto(base + reverse("screening:licences"))
    for instrument in ("scared-c", "who-5"):
        admin.locator("#l-i").select_option(instrument)
        admin.locator("#l-n").fill("市教委采购合同 2025-07")
        admin.locator('form:has(#l-i) button[type="submit"]').click()
        admin.wait_for_url(base + reverse("screening:licences"))
        assert "登记" in admin.locator(f"#licence-{instrument}").inner_text()  # recorded, by whom and when

    # --- the district officer creates the campaign for grade 5 (the default has the ASQ from grade 5) -------
    officer = browser_context_factory().new_page()
    log_in(officer, base, "district_officer")
    officer.goto(base + reverse("screening:campaigns"))
    officer.locator("#f-name").fill("2025 秋季心理测评")
    officer.locator("#f-org").select_option(plan["organiser"])
    officer.locator("#f-gf").fill("5")
    officer.locator("#f-gt").fill("5")
    officer.locator("#f-s").fill(plan["starts"])
    officer.locator("#f-e").fill(plan["ends"])
    officer.locator("#f-c").select_option("active_under_age")
    officer.locator("#f-n").fill("本次测评用于了解学生心理健康状况，结果仅由学校心理老师查看。")
    officer.locator('form:has(#f-name) button[type="submit"]').click()
    officer.wait_for_url("**/screening/campaigns/*/")
    campaign_url = officer.url
    battery = officer.locator("table.table tbody").inner_text()
    assert "（ASQ）" in battery and "（WHO-5）" in battery and "（SCARED，儿童版）" in battery
    for _ in range(2):  # the ASQ comes last; two clicks on ↑ put it before SCARED and WHO-5
        officer.locator("tr", has_text="（ASQ）").locator('button[value="up"]').click()
        officer.wait_for_url(campaign_url)
    assert "（ASQ）" in officer.locator("table.table tbody tr").first.inner_text()
    officer.locator('form:has(input[value="launch"]) button').click()
    # issue 20: first the counts (school A's three fifth-graders, each needing a guardian's consent), then launch
    assert officer.locator('[data-figure="students"] dd').inner_text() == "3"
    assert officer.locator('[data-figure="consents"] dd').inner_text() == "3"
    officer.locator("#confirm-launch").click()
    officer.wait_for_url(campaign_url)
    assert officer.locator('form:has(input[value="close"])').count() == 1  # launched

    # --- the student cannot start before the guardian's consent --------------------------------------------
    ctx = browser_context_factory(viewport={"width": 375, "height": 667})
    student = ctx.new_page()
    log_in(student, base, "student")
    student.goto(base + reverse("screening:mine"))
    assert "2025 秋季心理测评" in student.content()
    assert student.locator('a[href*="/screening/answer/"]').count() == 0  # waiting for the guardian

    # --- the guardian consents from their account ----------------------------------------------------------
    guardian = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(guardian, base, "guardian")
    guardian.goto(base + reverse("screening:guardian_consent"))
    assert plan["student_name"] in guardian.content()
    guardian.locator('button[name="decision"][value="consent"]').click()
    guardian.wait_for_url(base + reverse("screening:guardian_consent"))
    assert guardian.locator('button[name="decision"][value="withdraw"]').count() == 1

    # --- the student gives assent and answers the ASQ (moved first, before SCARED and WHO-5) through a network drop -------
    student.goto(base + reverse("screening:mine"))
    student.locator('a[href*="/screening/answer/"]').click()
    student.locator('button[name="agree"][value="1"]').click()
    student.wait_for_selector("#answer")
    assert (
        student.locator("h1").inner_text() == "最近的想法"
    )  # the ASQ by its neutral title, never the clinical one
    response_id = student.locator("#answer").get_attribute("data-response")
    pending = f"() => Object.keys(JSON.parse(localStorage.getItem('{QUEUE}{response_id}') || '{{}}')).length"

    def choose(item: str, value: str) -> None:
        with student.expect_response(lambda r: r.url.endswith("/answer/") and r.status == 200):
            student.locator(f'input[name="{item}"][value="{value}"]').check()

    choose("q1", "1")  # "yes": the server answers that Q5 is now asked
    student.wait_for_selector('fieldset[data-item="q5"]:not([hidden])')
    ctx.set_offline(True)
    for item in ("q2", "q3"):
        student.locator(f'input[name="{item}"][value="0"]').check()
    student.wait_for_timeout(300)
    assert student.evaluate(pending) == 2  # kept on the device while offline
    assert student.locator("#offline-note").is_visible()
    ctx.set_offline(False)
    student.wait_for_function(pending + " === 0", timeout=15_000)
    choose("q4", "0")
    choose("q5", "1")  # acute
    assert student.locator("progress").get_attribute("value") == "5"
    student.locator("#submit").click()
    student.wait_for_url("**/done/?now=1", timeout=15_000)
    stay = student.locator(".stay-here")
    assert stay.is_visible()
    assert "请" in stay.inner_text() or "Please tell the teacher" in stay.inner_text()
    assert "12356" in student.content()

    # --- the psychological teacher: alert, acknowledge, second-stage queue, talk, confirmed level ----------
    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("care:alert_list"))
    psych.get_by_role("link", name=plan["student_name"]).first.click()
    psych.wait_for_url("**/care/alerts/*/")
    psych.locator('form.alert-actions button[type="submit"]').click()
    psych.wait_for_url("**/care/alerts/*/")
    assert psych.locator("form.alert-actions").count() == 0  # acknowledged: no button any more

    psych.goto(base + reverse("screening:review_queue"))
    row = psych.locator("tr.queue-row.level-red")
    assert row.count() == 1
    row.get_by_role("link", name=plan["student_name"]).click()
    psych.wait_for_url("**/screening/review/*/")
    psych.locator("#r-o").fill("与学生面谈约 30 分钟；已联系家长，学生同意每周与心理老师见面。")
    psych.locator("#r-l").select_option("orange")
    psych.locator("#r-s").select_option("monitor")
    psych.locator('form:has(#r-o) button[type="submit"]').click()
    psych.wait_for_url(base + reverse("screening:review_queue"))
    assert psych.locator("tr.queue-row").count() == 0

    got = _in_thread(lambda: _outcome(plan["student_pk"]))
    assert got["level"] == "orange"  # the confirmed level is the student's current level
    # the alert follows the level a person confirmed (issue 15, build 3)
    assert got["alerts"] == [{"level": "orange", "acknowledged_by__username": "psych"}]
    assert got["asq"] == {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 1}
    assert got["results"] == {"asq": "red"}  # WHO-5 is still open: the stay-here screen came first
