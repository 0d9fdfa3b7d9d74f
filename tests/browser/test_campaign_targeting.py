"""Issue 20 build 4 in a real browser: a district officer narrows a draft campaign to one school and one class
of another, previews what each grade's students will see, is shown the counts (students, guardian consents) and
launches only on confirming them; exactly the chosen students are assigned. Then the same pages on a phone."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


def _in_thread(fn):
    """ORM reads run outside Playwright's event-loop thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


def _state(campaign_pk: int) -> tuple[str, set[str]]:
    from django.db import connection

    from screening.models import Assignment, Campaign

    try:
        status = Campaign.objects.get(pk=campaign_pk).status
        names = set(
            Assignment.objects.filter(campaign_id=campaign_pk).values_list("student__name", flat=True)
        )
        return status, names
    finally:
        connection.close()


@pytest.fixture
def draft(world):
    """A draft 海淀 campaign: "my worries" (GAD-7) for grade 4, the ASQ for grades 5–12; made before the browser."""
    from screening.campaigns import services
    from screening.models import BatteryEntry

    now = timezone.now()
    c = services.create_campaign(
        by=world.district_officer, organiser=world.haidian, name="春季心理测评", starts_at=now,
        ends_at=now + dt.timedelta(days=5), school_year=world.year, default_battery=False,
    )  # fmt: skip
    BatteryEntry.objects.create(
        campaign=c, grade_from=4, grade_to=4, instrument_id="gad-7", instrument_version="1.0"
    )
    BatteryEntry.objects.create(
        campaign=c, grade_from=5, grade_to=12, instrument_id="asq", instrument_version="1.0"
    )
    return {"pk": c.pk, "school_b": str(world.school_b.pk), "a2": str(world.a2.pk)}


def test_the_officer_targets_previews_confirms_the_counts_and_launches(
    live_server, world, draft, browser_context_factory
):
    base = live_server.url
    url = base + reverse("screening:campaign", args=[draft["pk"]])
    officer = browser_context_factory().new_page()
    log_in(officer, base, "district_officer")
    officer.goto(url)
    assert "4" in officer.locator(".targeting-now").inner_text()  # nothing chosen: all four 海淀 students

    # 育英学校 (grade 4) and class 五年级2班 of school A, whole.
    officer.locator("#t-units").select_option([draft["school_b"]])
    officer.locator("#t-classes").select_option([draft["a2"]])
    officer.get_by_role("button", name="保存测评对象").click()
    officer.wait_for_url(url)
    assert officer.locator(".targeting-now").get_attribute("data-students") == "2"

    # The preview: grade 4 answers "my worries", grade 5 "recent thoughts"; never the clinical titles.
    officer.get_by_role("link", name="预览学生看到的内容").first.click()
    officer.wait_for_url("**/preview/")
    four, five = officer.locator('[data-grade="4"]'), officer.locator('[data-grade="5"]')
    assert "我的担心" in four.inner_text() and "1名学生" in four.inner_text()
    assert "最近的想法" in five.inner_text() and "我的担心" not in five.inner_text()
    assert "自杀风险筛查问题" not in officer.content() and "广泛性焦虑" not in officer.content()
    assert four.locator("input[type=radio]").first.is_disabled()  # nothing to answer in a preview

    # Launch: the counts first; nothing is launched until they are confirmed.
    officer.goto(url)
    officer.get_by_role("button", name="发布测评活动").click()
    officer.wait_for_load_state()
    assert officer.get_by_role("heading", level=1).inner_text() == "确认发布"
    assert officer.locator('[data-figure="students"] dd').inner_text() == "2"
    assert officer.locator('[data-figure="consents"] dd').inner_text() == "2"  # both under 14: active consent
    assert _in_thread(lambda: _state(draft["pk"])) == ("draft", set())
    officer.locator("#confirm-launch").click()
    officer.wait_for_url(url)
    assert officer.locator('form:has(input[value="close"])').count() == 1
    assert _in_thread(lambda: _state(draft["pk"])) == ("launched", {"赵小丽", "张小华"})


def test_the_targeting_form_and_the_preview_fit_a_phone(live_server, world, draft, browser_context_factory):
    base = live_server.url
    page = browser_context_factory(viewport={"width": 375, "height": 740}).new_page()
    log_in(page, base, "district_officer")
    for path in (
        reverse("screening:campaign", args=[draft["pk"]]),
        reverse("screening:campaign_preview", args=[draft["pk"]]),
    ):
        page.goto(base + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
