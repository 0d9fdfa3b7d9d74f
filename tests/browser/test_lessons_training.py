"""In a real browser (issue 6, Done when — lessons part): a psychological teacher records a lesson for class A1 on
a phone and the class's and school's lesson compliance change; a school leader creates a training, a teacher
signs in from the QR code's link on their phone, and the school's training coverage changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from schoolwork.programs.tests.lesson_helpers import autumn
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def sem(world):
    """Read before the browser opens: no ORM call inside Playwright's event loop."""
    return autumn(world)


def test_a_lesson_and_a_training_with_attendance_change_the_compliance_pages(
    live_server, world, sem, browser_context_factory
):
    base = live_server.url
    day = (sem.starts_on + dt.timedelta(days=1)).isoformat()
    training_day = (sem.starts_on + dt.timedelta(days=8)).isoformat()
    a1, school_a = world.a1.pk, world.school_a.pk
    compliance = f"{base}{reverse('schoolwork:lesson_compliance')}?semester={sem.pk}&school={school_a}"
    coverage = f"{base}{reverse('schoolwork:training_coverage')}?semester={sem.pk}"
    errors: list[str] = []

    psych = browser_context_factory(viewport=PHONE).new_page()
    psych.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(psych, base, "psych")
    psych.goto(compliance)
    class_row = psych.locator(f"#class-compliance tr[data-class='{a1}']")
    assert "0 / " in class_row.inner_text()
    hours_before = psych.locator(f"#school-compliance tr[data-school='{school_a}'] td").nth(4).inner_text()

    psych.goto(f"{base}{reverse('schoolwork:lessons')}?semester={sem.pk}")
    psych.check(f"input[name=classes][value='{a1}']")
    psych.fill("#f-date", day)
    psych.fill("#f-topic", "认识情绪")
    psych.check("input[name=life_education]")
    psych.click("main form[method=post] button[type=submit]")
    psych.wait_for_selector(".message-success")
    assert "认识情绪" in psych.locator("table").inner_text()

    psych.goto(compliance)
    assert "1 / " in psych.locator(f"#class-compliance tr[data-class='{a1}']").inner_text()
    hours_after = psych.locator(f"#school-compliance tr[data-school='{school_a}'] td").nth(4).inner_text()
    assert (int(hours_before), int(hours_after)) == (0, 1)

    leader = browser_context_factory().new_page()
    leader.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(leader, base, "leader")
    leader.goto(coverage)
    trained = leader.locator(f"#training-coverage tr[data-school='{school_a}'] td.trained")
    assert trained.inner_text() == "0"
    leader.goto(base + reverse("schoolwork:trainings"))
    leader.select_option("#f-org", str(school_a))
    leader.fill("#f-date", training_day)
    leader.fill("#f-topic", "识别学生心理危机")
    leader.click("main form[method=post] button[type=submit]")
    leader.wait_for_selector(".signin-qr svg")
    signin = leader.locator(".signin-qr a").get_attribute("href")

    teacher = browser_context_factory(viewport=PHONE).new_page()
    teacher.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(teacher, base, "teacher")
    teacher.goto(signin)
    teacher.click("main form[method=post] button[type=submit]")
    teacher.wait_for_selector(".notice[role=status]")

    leader.reload()
    assert "数学老师" in leader.locator("#attendance").inner_text()
    leader.goto(coverage)
    assert trained.inner_text() == "1"
    assert errors == []
