"""In a real browser (issue 8, Authentication): a psychological teacher without an authenticator is made to set
one up after the password — the QR code and the key on the page, a code to confirm — sees the ten recovery codes
once, logs out, and logs in again with password and code."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.urls import reverse

from access.models import SecondFactor
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def _fill_login(page, base: str, username: str) -> None:
    page.goto(base + reverse("login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def psych_not_enrolled(world) -> None:
    """The psych teacher has no authenticator yet (an ORM call: before the browser opens)."""
    SecondFactor.objects.filter(user=world.psych).delete()


def test_a_psych_teacher_enrols_sees_recovery_codes_and_logs_in_again_with_a_code(
    live_server, world, psych_not_enrolled, browser_context_factory
):
    base = live_server.url
    page = browser_context_factory(viewport={"width": 375, "height": 800}).new_page()

    _fill_login(page, base, "psych")
    page.wait_for_url(base + reverse("auth:enrol"))
    assert (
        page.locator(".qr svg").count() == 1
    )  # inline SVG: the CSP refuses nothing (checked by the fixture)
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.get_by_label("验证码").fill(totp.now())
    page.get_by_role("button", name="开启两步验证").click()

    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and len(set(codes)) == 10
    used_step = int(time.time() // 30)
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url(base + reverse("web:home"))

    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(base + reverse("login"))
    _fill_login(page, base, "psych")
    page.wait_for_url(base + reverse("auth:mfa"))
    while (
        int(time.time() // 30) <= used_step
    ):  # the enrolment's code can't be used again: wait for the next one
        time.sleep(0.5)
    page.get_by_label("验证码").fill(totp.now())
    page.get_by_role("button", name="验证").click()
    page.wait_for_url(base + reverse("web:home"))
    assert "心理老师" in page.content()
