"""Issue 4, "Done when": one child from an abnormality report to a red case, the crisis checklist, a plan agreed
with the guardian, a referral, the clinician's feedback and a closed case — through the real pages only — and
the student file (一人一档) shows all of it to the psychological teacher and only the level colour to the class
teacher. No step is done through the ORM; the world's objects are read before the browser opens.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser

SEEN = "在走廊里哭泣，手臂上有新的划痕"
TRIAGE = "当面谈话，评估为红色"
GOALS = "两周内恢复上学和睡眠"
WARNING = "夜里睡不着、说不想活"
CONTACT = "母亲当天到校面谈"
REASON = "持续自伤念头，需要专科评估"
FEEDBACK = "门诊评估：中度抑郁，建议每两周复诊"
SUPPORT = "每周一次心理老师谈话，减轻作业"
CLOSING = "三个月随访平稳，结案"


@pytest.fixture
def plan(world, live_server):
    """What the test needs, read before the browser opens (Playwright runs an event loop in this thread)."""
    today = timezone.localdate()
    return {
        "base": live_server.url,
        "student": world.student_a1.pk,
        "name": world.student_a1.name,
        "today": today.isoformat(),
        "later": (today + dt.timedelta(days=30)).isoformat(),
        "appointment": (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "clinician": world.clinician.pk,
    }


def _unfold(page, form_selector: str) -> None:
    """Open the folded section (``<details>``) that holds the form, as a person would."""
    summary = page.locator(f"details:has({form_selector}) > summary")
    if summary.count():
        summary.first.click()


def _submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(form_selector).locator("button[type=submit]").first.click()


def _linked_pk(page, pattern: str) -> int:
    """The id in the first link of the page's main content whose address matches ``pattern``."""
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    return next(int(m.group(1)) for h in hrefs if (m := re.search(pattern, h)))


def _ok(page) -> None:
    """The last action did not end in an error message."""
    assert page.locator(".messages .error, .message.error, .errorlist").count() == 0, page.content()[:3000]


def test_one_child_from_a_report_to_a_closed_red_case_and_the_file_shows_it(plan, browser_context_factory):
    base, student = plan["base"], plan["student"]

    # 1. A subject teacher sees the child crying in the corridor and files an abnormality report.
    teacher = browser_context_factory(viewport={"width": 375, "height": 800}).new_page()
    log_in(teacher, base, "teacher")
    teacher.goto(base + reverse("care:report_new") + f"?student={student}")
    teacher.select_option("select[name=category]", "self_harm")
    teacher.fill("textarea[name=observed]", SEEN)
    teacher.check("input[name=urgency][value=urgent]")
    _submit(teacher, "form.report-form")
    _ok(teacher)

    # 2. The district administrator registers the partner hospital and its clinician.
    admin = browser_context_factory().new_page()
    log_in(admin, base, "district_admin")
    admin.goto(base + reverse("care:institutions"))
    admin.fill("input[name=name]", "北京安定医院")
    admin.select_option("select[name=kind]", "hospital")
    _submit(admin, "form:has(input[name=action][value=add])")
    _ok(admin)
    admin.select_option(
        "form:has(input[name=action][value=member]) select[name=user]", str(plan["clinician"])
    )
    _submit(admin, "form:has(input[name=action][value=member])")
    _ok(admin)

    # 3. The psychological teacher triages the report: open a red case.
    psych = browser_context_factory().new_page()
    log_in(psych, base, "psych")
    psych.goto(base + reverse("care:report_queue"))
    with psych.expect_navigation():
        psych.get_by_role("link", name=plan["name"]).first.click()
    psych.check("input[name=outcome][value=case]")
    psych.select_option("select[name=level]", "red")
    psych.fill("textarea[name=note]", TRIAGE)
    _submit(psych, "form:has(input[name=outcome])")
    _ok(psych)
    case_pk = _linked_pk(psych, r"/care/cases/(\d+)/$")
    case_url = base + reverse("care:case_detail", args=[case_pk])
    psych.goto(case_url)

    # 4. The crisis checklist: every step done, each with its time.
    steps = psych.locator("li.crisis-step form:has(input[name=done][value='1'])")
    assert steps.count() >= 5
    while steps.count():
        with psych.expect_navigation():
            steps.first.locator("button[type=submit]").click()
        _ok(psych)
    assert psych.locator("li.crisis-step .step-done").count() >= 5

    # 5. A guardian contact and a plan agreed with the guardian, with its safety plan.
    psych.goto(base + reverse("care:contacts", args=[case_pk]))
    psych.fill("input[name=guardian_name]", "李小明妈妈")
    psych.fill("textarea[name=outcome]", CONTACT)
    _submit(psych, "form:has(input[name=guardian_name])")
    _ok(psych)
    psych.goto(base + reverse("care:plan", args=[case_pk]))
    _unfold(psych, "form:has(input[name=action][value=goals])")
    psych.fill("textarea[name=goals]", GOALS)
    psych.fill("input[name=review_on]", plan["later"])
    _submit(psych, "form:has(input[name=action][value=goals])")
    _ok(psych)
    _unfold(psych, "form:has(input[name=action][value=agreement])")
    psych.fill("input[name=agreed_on]", plan["today"])
    psych.fill("input[name=meeting]", "家长到校面谈")
    psych.fill("input[name=agreed_with]", "母亲、班主任、心理老师")
    _submit(psych, "form:has(input[name=action][value=agreement])")
    _ok(psych)
    _unfold(psych, "form:has(input[name=action][value=safety])")
    psych.fill("textarea[name=warning_signs]", WARNING)
    _submit(psych, "form:has(input[name=action][value=safety])")
    _ok(psych)

    # 6. A referral to the hospital with the guardian's consent; sent, appointment, seen.
    psych.goto(base + reverse("care:case_referrals", args=[case_pk]))
    psych.fill("textarea[name=reason]", REASON)
    _submit(psych, "form:has(textarea[name=reason])")
    _ok(psych)
    found = re.search(r"/care/referrals/(\d+)/$", psych.url)
    referral_pk = int(found.group(1)) if found else _linked_pk(psych, r"/care/referrals/(\d+)/$")
    referral_url = base + reverse("care:referral", args=[referral_pk])
    psych.goto(referral_url)
    psych.fill("input[name=consent_by]", "母亲")
    psych.fill("input[name=consent_on]", plan["today"])
    psych.fill("input[name=consent_via]", "书面同意书")
    _submit(psych, "form:has(input[name=to][value=consented])")
    _ok(psych)
    _submit(psych, "form:has(input[name=to][value=sent])")
    _ok(psych)
    psych.fill("input[name=appointment_at]", plan["appointment"])
    _submit(psych, "form:has(input[name=to][value=appointment])")
    _ok(psych)
    _submit(psych, "form:has(input[name=to][value=seen])")
    _ok(psych)

    # 7. The clinician sees only that referral and posts feedback.
    clinician = browser_context_factory().new_page()
    log_in(clinician, base, "clinician")
    clinician.goto(referral_url)
    clinician.fill("textarea[name=feedback]", FEEDBACK)
    _submit(clinician, "form:has(textarea[name=feedback])")
    _ok(clinician)
    # The case and the file are not the clinician's: her role never has those pages.
    assert clinician.goto(case_url).status == 403
    assert clinician.goto(base + reverse("care:file_detail", args=[student])).status == 403

    # 8. Back at school with a support plan; the case is closed.
    psych.goto(referral_url)
    assert FEEDBACK in psych.content()
    psych.fill("textarea[name=support_plan]", SUPPORT)
    _submit(psych, "form:has(input[name=to][value=returned])")
    _ok(psych)
    psych.goto(case_url)
    psych.fill("textarea[name=note]", CLOSING)
    _submit(psych, f"form[action='{reverse('care:case_action', args=[case_pk, 'close'])}']")
    _ok(psych)
    assert psych.locator("form[action$='/reopen/']").count() == 1  # closed: only reopening is offered

    # 9. The file shows all of it to the psychological teacher …
    file_url = base + reverse("care:file_detail", args=[student])
    psych.goto(file_url)
    body = psych.content()
    assert FEEDBACK in body  # the clinician's feedback (the other free text stays on its own page)
    for kind, least in (
        ("report", 1),
        ("case", 3),
        ("crisis", 5),
        ("plan", 1),
        ("contact", 1),
        ("referral", 6),
    ):
        assert psych.locator(f".file-entry.kind-{kind}").count() >= least, kind
    closed = psych.locator(".file-entry.kind-case", has_text=re.compile("已结案|Closed"))
    assert closed.count() >= 1
    assert psych.locator(".file-level .level-red").count() == 1

    # … and only the level colour to the class teacher (on a phone).
    ct = browser_context_factory(viewport={"width": 375, "height": 800}).new_page()
    log_in(ct, base, "class_teacher")
    ct.goto(file_url)
    assert ct.locator(".file-level .level-red").count() == 1
    assert ct.locator(".file-entry").count() == 0
    body = ct.content()
    for text in (SEEN, TRIAGE, CONTACT, REASON, FEEDBACK, GOALS, WARNING, "北京安定医院"):
        assert text not in body, text
    assert ct.evaluate("document.documentElement.scrollWidth") <= 375
