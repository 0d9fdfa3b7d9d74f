"""In a real browser (issue 18, build 2): an imported psychological teacher activates the account with the code the
SMS provider delivered (the stand-in's received messages), chooses a password and must set up two-step
verification before the first page; a class teacher signs in at a REAL OpenID Connect provider (django-oauth-toolkit
in a second Django process on loopback) and lands on their own home page."""

from __future__ import annotations

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from org.models import Post, Role

pytestmark = pytest.mark.browser

PHONE = "13911113333"
IDP_PASSWORD = "idp-password-for-tests"


@pytest.fixture
def imported_psych(world):
    """A psychological teacher as the staff import makes one: no password, a phone (ORM: before the browser)."""
    user = get_user_model().objects.create(
        username="zhaolaoshi", display_name="赵老师", phone=PHONE, password="!roster-import"
    )
    Post.objects.create(user=user, role=Role.PSYCH_TEACHER, node=world.school_a)
    return user


def test_an_imported_psych_teacher_activates_by_sms_code_and_enrols_two_step_verification(
    live_server, world, imported_psych, provider_standin, browser_context_factory
):
    base = live_server.url
    page = browser_context_factory().new_page()
    page.goto(base + reverse("login"))
    page.get_by_role("link", name="激活账号").click()
    page.wait_for_url(base + reverse("auth:activate"))

    page.locator("#send-username").fill("zhaolaoshi")
    page.locator("#send-phone").fill(PHONE)
    page.get_by_role("button", name="发送验证码").click()
    assert "验证码已发送至 139****3333" in page.content()
    code = provider_standin.sms_to(PHONE)[-1].params["code"]

    page.locator("#code-username").fill("zhaolaoshi")  # filled in already after the send; typed for clarity
    page.locator("#code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="下一步：设置密码").click()
    assert "用户名或验证码不正确，此验证码还可再试 4 次" in page.content()
    page.locator("#code-username").fill("zhaolaoshi")
    page.locator("#code").fill(code)
    page.get_by_role("button", name="下一步：设置密码").click()
    page.wait_for_url(base + reverse("auth:activate_password"))

    page.get_by_label("新密码", exact=True).fill("short")
    page.get_by_label("再次输入新密码").fill("short")
    page.get_by_role("button", name="设置密码并继续").click()
    assert "密码太短，至少需要 12 个字符" in page.locator(".form-errors").inner_text()
    page.get_by_label("新密码", exact=True).fill("yuanzi-hutong-chunfeng-7")
    page.get_by_label("再次输入新密码").fill("yuanzi-hutong-chunfeng-7")
    page.get_by_role("button", name="设置密码并继续").click()

    page.wait_for_url(base + reverse("auth:enrol"))  # no page before the second factor
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="开启两步验证").click()
    page.get_by_role("link", name="我已妥善保存，继续").click()
    page.wait_for_url(base + reverse("web:home"))
    assert "赵老师" in page.content()


@pytest.fixture
def oidc_provider(live_server, settings):
    from tests.standins.oidc_provider import OIDCProvider

    provider = OIDCProvider(
        redirect_uris=[live_server.url + reverse("sso:oidc_callback")],
        users={"class_teacher": IDP_PASSWORD},
    ).start()
    provider.configure(settings)
    yield provider
    provider.stop()


def test_a_class_teacher_signs_in_at_the_identity_provider_and_lands_on_their_own_home_page(
    live_server, world, oidc_provider, browser_context_factory
):
    base = live_server.url
    name = world.class_teacher.display_name
    page = browser_context_factory().new_page()
    page.goto(base + reverse("login"))
    page.get_by_role("link", name="统一身份认证登录").click()

    page.wait_for_url(oidc_provider.url + "/accounts/login/**")
    page.get_by_label("账号").fill("class_teacher")
    page.get_by_label("口令").fill(IDP_PASSWORD)
    page.get_by_role("button", name="认证登录").click()

    page.wait_for_url(base + reverse("web:home"))
    assert name in page.content()
