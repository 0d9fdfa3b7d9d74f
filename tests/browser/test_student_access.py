"""In a real browser: a psychological teacher opens a student; the class teacher of another class is refused
the same student (foundation issue, Tests); pages fit a 375-px phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def log_in(page, base: str, username: str) -> None:
    """The login form, then — for a role that needs it — the authenticator's code (conftest.totp_code)."""
    page.goto(base + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if page.url.startswith(base + reverse("auth:mfa")):
        page.get_by_label("验证码").fill(totp_code(username))
        page.get_by_role("button", name="验证").click()
    page.wait_for_url(base + reverse("web:home"))


def test_a_psych_teacher_opens_a_student_and_another_class_s_teacher_is_refused(
    live_server, world, browser_context_factory
):
    student_url = live_server.url + reverse("org:student_detail", args=[world.student_a1.pk])
    name = world.student_a1.name

    psych = browser_context_factory().new_page()
    log_in(psych, live_server.url, "psych")
    response = psych.goto(student_url)
    assert response.status == 200
    assert psych.get_by_role("heading", level=1).inner_text() == name
    assert world.student_a1.student_no in psych.content()

    other = browser_context_factory().new_page()
    log_in(other, live_server.url, "other_class_teacher")
    response = other.goto(student_url)
    assert response.status == 404
    assert other.get_by_role("heading", level=1).inner_text() == "页面未找到"
    assert name not in other.content()


def test_the_student_list_fits_a_375_px_phone(live_server, world, browser_context_factory):
    page = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
    log_in(page, live_server.url, "psych")
    for url in (
        reverse("org:student_list"),
        reverse("org:student_detail", args=[world.student_a1.pk]),
        reverse("org:class_list"),
        reverse("web:home"),
    ):
        page.goto(live_server.url + url)
        assert page.locator("#main").is_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375 px"
    # The student's name is a link that a thumb can reach.
    page.goto(live_server.url + reverse("org:student_list"))
    box = page.get_by_role("link", name=world.student_a1.name).bounding_box()
    assert box is not None and box["height"] >= 20


def test_searching_the_student_list_updates_the_results_in_place(live_server, world, browser_context_factory):
    """htmx (served from the project, no CDN) swaps the results and keeps the search in the address bar."""
    page = browser_context_factory().new_page()
    log_in(page, live_server.url, "psych")
    page.goto(live_server.url + reverse("org:student_list"))
    assert page.evaluate("() => typeof window.htmx") == "object"
    page.get_by_label("姓名或学籍号").fill("小华")
    with page.expect_response(lambda r: "q=" in r.url) as answer:
        page.get_by_role("button", name="搜索").click()
    assert answer.value.request.headers.get("hx-request") == "true"  # swapped by htmx, not a page load
    page.wait_for_url("**q=*")
    names = page.locator("#results td.primary").all_inner_texts()
    assert names == [world.student_a2.name]
