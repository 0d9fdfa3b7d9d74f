"""In a real browser (issue 18, builds 3 and 4): the district administrator sets up next school year on the school
calendar, previews the year rollover of a school, confirms it, and the class is one grade up in the new year; a
second confirmation is refused with a Chinese message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


def _classes_of(school_id: int, start_year: int) -> list[tuple[int, str]]:
    """The school's classes in that year, read in another thread (Playwright's event loop runs in this one)."""
    from django.db import connection

    from org.models import SchoolClass

    def read():
        try:
            rows = SchoolClass.objects.filter(school_id=school_id, school_year__start_year=start_year)
            return sorted(rows.values_list("grade", "name"))
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


def test_preview_then_confirm_moves_the_class_one_grade_up(
    live_server, world, browser_context_factory, settings
):
    settings.ROLLOVER_INLINE = True
    base = live_server.url
    school_b, next_start = world.school_b.pk, world.year.start_year + 1  # 育英学校: 四年级1班
    errors: list[str] = []
    page = browser_context_factory().new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base, "district_admin")

    page.goto(base + reverse("calendar:index"))
    page.fill("#y-start", str(next_start))
    page.get_by_role("button", name="设置学年", exact=True).click()
    page.wait_for_selector(".message-success")
    assert f"{next_start}–{next_start + 1}" in page.locator("#school-years").inner_text()

    page.goto(f"{base}{reverse('calendar:rollover')}?school={school_b}")
    preview = page.locator("#rollover-preview").inner_text()
    assert "升年级的学生" in preview and "升入高一年级的班级" in preview
    assert _classes_of(school_b, next_start) == []  # a preview changes nothing
    page.get_by_role("button", name="生成升级方案").click()
    page.wait_for_selector("#rollover-plan")
    assert _classes_of(school_b, next_start) == []  # staged: still nothing
    page.get_by_role("button", name="确认学年升级").click()
    page.wait_for_selector(".message-success")
    assert "已完成" in page.locator("#rollover-history").inner_text()
    assert _classes_of(school_b, next_start) == [(5, "五年级1班")]

    # Run twice: the plan is done; preparing again says when it was done and changes nothing.
    assert "已于" in page.locator("#rollover-notice").inner_text()
    assert errors == []
