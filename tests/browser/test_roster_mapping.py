"""In a real browser (issue 18, build 5): a district officer uploads the student-status system's export as it
is (GBK CSV, its own headers), sees each column with the field guessed and the columns that will not be
imported, is stopped when a field is chosen twice, corrects a guess, confirms, and the job page shows the
import done with the ignored columns named."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser.test_student_access import log_in
from xinyu.web.roster.testing import sno, write_xueji, xueji_row

pytestmark = pytest.mark.browser


def test_the_mapping_step_in_the_browser(live_server, world, settings, tmp_path, browser_context_factory):
    settings.ROSTER_IMPORT_INLINE = True
    rows = [xueji_row(1, 联系电话="13800000001"), xueji_row(2, 联系电话="13800000002")]
    export = write_xueji(tmp_path / "学籍系统导出.csv", rows)
    base = live_server.url

    page = browser_context_factory().new_page()
    log_in(page, base, "district_admin")  # the district's roster keeper (issue 19: officers no longer import)
    page.goto(base + reverse("roster:index"))
    assert "S-A-2" in page.locator("#school-codes").inner_text()  # the codes the file needs
    page.locator("#id_file").set_input_files(str(export))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(f"{base}/roster/jobs/*/columns/")

    ignored = page.locator("#ignored-columns").inner_text()
    assert "民族" in ignored and "联系电话" in ignored and "监护人手机" in ignored
    assert page.get_by_label("全国学籍号", exact=True).input_value() == "student_no"
    assert page.get_by_label("联系电话", exact=True).input_value() == ""
    assert sno(1) in page.locator("#column-map").inner_text()

    # A field chosen for two columns is refused, and the choices stay as made.
    page.get_by_label("学校名称", exact=True).select_option("name")
    page.get_by_role("button", name="确认列对应并导入").click()
    assert "只能选给一列" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("学校名称", exact=True).select_option("")

    # The school's contact phone is the guardians' mobile here: move the field over.
    page.get_by_label("联系电话", exact=True).select_option("guardian_phone")
    page.get_by_label("监护人电话", exact=True).select_option("")
    page.get_by_role("button", name="确认列对应并导入").click()
    page.wait_for_url(f"{base}/roster/jobs/*/")

    assert page.locator("#job-bar").get_attribute("value") == "100"
    warnings = page.locator("#job-warnings").inner_text()
    assert "列“监护人电话”（看起来是监护人手机）未导入。" in warnings and "民族" in warnings
    summary = page.locator("dl").inner_text()
    assert "2" in summary and "problems" not in summary
    assert page.locator("#errors-heading").count() == 0
