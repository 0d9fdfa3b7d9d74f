"""In a real browser (issue 6, Done when — the home part): the class teacher records a home visit and the
class's coverage rises; the psychological teacher records a parent session, ticks a class's households and the
school's coverage rises; a guardian logs in from a printed invitation on a 375-px phone and sees who opened
their child's file (role and school, no name)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from schoolwork.home.tests.home_helpers import school_day
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def day(world) -> str:
    """A school day, read before the browser opens (no ORM call while Playwright's loop runs)."""
    return school_day(world).isoformat()


def test_home_visit_and_parent_session_raise_coverage_and_a_guardian_sees_who_opened_the_file(
    live_server, world, day, browser_context_factory
):
    base = live_server.url
    a1, child = world.a1, world.student_a1
    school, psych_name = world.school_a.name, world.psych.display_name

    # The class teacher records a visit from the class's coverage list.
    teacher = browser_context_factory().new_page()
    log_in(teacher, base, "class_teacher")
    teacher.goto(base + reverse("schoolwork:home_visits"))
    row = teacher.locator(f"tr[data-class='{a1.pk}']")
    assert row.locator("td.visited").inner_text() == "0"
    row.get_by_role("link", name=a1.name).click()
    teacher.locator("tr", has_text=child.name).get_by_role("link", name="记录家访").click()
    teacher.locator("input[name=visited_on]").fill(day)
    teacher.locator("select[name=mode]").select_option("in_person")
    teacher.locator("textarea[name=summary]").fill("与母亲交流了孩子的作息")
    teacher.locator("form button[type=submit]").last.click()
    teacher.wait_for_url(base + reverse("schoolwork:home_visit_class", args=[a1.pk]))
    assert teacher.locator("#coverage").inner_text() == "本学年已家访1人，共2人"
    teacher.goto(base + reverse("schoolwork:home_visits"))
    assert teacher.locator(f"tr[data-class='{a1.pk}'] td.visited").inner_text() == "1"

    # The psychological teacher records a parent session; the school's count for the semester rises.
    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("schoolwork:parent_sessions"))
    cell = psych.locator(f"#session-coverage tr[data-school='{world.school_a.pk}'] td.num")
    assert cell.inner_text().startswith("0")
    psych.locator("input[name=held_on]").fill(day)
    psych.locator("input[name=title]").fill("如何陪伴孩子度过考试季")
    psych.locator("form button[type=submit]").last.click()
    psych.wait_for_url(re.compile(r".*/schoolwork/parents/\d+/$"))
    psych.locator("tr", has_text=a1.name).get_by_role("link", name="登记出席").click()
    psych.get_by_label(f"{child.name}家").check()
    psych.get_by_role("button", name="保存出席").click()
    assert psych.locator("#attendance-total").inner_text() == "共1户家庭出席"
    psych.goto(base + reverse("schoolwork:parent_sessions"))
    assert cell.inner_text().startswith("1")
    # … and opens the child's page, where the visit is shown (a read of T2 data, audited).
    psych.goto(base + reverse("org:student_detail", args=[child.pk]))
    assert "与母亲交流了孩子的作息" in psych.content()

    # The class teacher prints the invitations; the guardian (never logged in) gets a slip with a QR code.
    teacher.goto(base + reverse("schoolwork:guardian_invitations", args=[a1.pk]))
    teacher.get_by_role("button", name="打印邀请条").click()
    slip = teacher.locator(".slip", has_text=child.name)
    assert slip.locator("svg").count() == 1
    join_url = slip.locator(".code").inner_text().strip()

    phone = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    phone.goto(join_url)
    phone.locator("input[name=password]").fill("Jiazhang-2026!")
    phone.locator("input[name=password2]").fill("Jiazhang-2026!")
    phone.get_by_role("button", name="设置密码并登录").click()
    phone.wait_for_url(base + reverse("schoolwork:guardian_home"))
    phone.get_by_role("link", name="谁查看了我孩子的档案").first.click()
    rows = phone.locator("#openings tbody tr")
    assert rows.count() >= 1
    first = rows.first.inner_text()
    assert "心理教师" in first and school in first and "家访" in first
    assert psych_name not in phone.content()  # the reader's name stays hidden
    for url in (reverse("schoolwork:guardian_home"), reverse("schoolwork:guardian_openings")):
        phone.goto(base + url)
        overflow = phone.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375 px"
    # The invitation worked once.
    assert phone.goto(join_url).status == 410

    # The class teacher's pages fit a phone too.
    mobile = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(mobile, base, "class_teacher")
    for url in (
        reverse("schoolwork:home_visits"),
        reverse("schoolwork:home_visit_class", args=[a1.pk]),
        reverse("schoolwork:home_visit_new", args=[child.pk]),
        reverse("schoolwork:parent_sessions"),
    ):
        mobile.goto(base + url)
        overflow = mobile.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375 px"
