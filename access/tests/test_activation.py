"""First login of an imported staff account (issue 18 build 2): a code by SMS (through the provider stand-in: the
code is read from the SMS it received) or on a printed slip, then a password of one's own, then — for a role that
needs it — two-step verification. Wrong and expired codes say so in Chinese; sends are limited per account and per
phone, and a stranger who does not know the phone cannot use them up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from access import activation
from access.models import ActivationCode, AuditEvent
from org.models import Post, Role

PHONE = "13911112222"
NEW_PASSWORD = "yuanzi-hutong-chunfeng-7"


def imported(world, username: str, role: str, phone: str = PHONE):
    """A staff account as the roster import makes it: no usable password, a phone, a post at school A."""
    user = get_user_model().objects.create(
        username=username, display_name="王老师", phone=phone, password="!roster-import"
    )
    extra = {"school_class": world.a1} if role == Role.CLASS_TEACHER else {}
    Post.objects.create(user=user, role=role, node=world.school_a, **extra)
    return user


def send(client, username: str, phone: str = PHONE):
    return client.post(
        reverse("auth:activate"), {"step": "send", "username": username, "phone": phone}, follow=True
    )


def code_page(client, username: str, code: str):
    return client.post(reverse("auth:activate"), {"step": "code", "username": username, "code": code})


def last_code(standin, phone: str = PHONE) -> str:
    return standin.sms_to(phone)[-1].params["code"]


def text(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
def test_an_imported_class_teacher_activates_by_sms_code_and_chooses_a_password(
    world, client, provider_standin
):
    user = imported(world, "wanglaoshi", Role.CLASS_TEACHER)

    page = send(client, "wanglaoshi")
    assert "验证码已发送至 139****2222" in text(page)
    sms = provider_standin.sms_to(PHONE)
    assert len(sms) == 1 and sms[0].template == "SMS_CODE"
    code = sms[0].params["code"]
    assert len(code) == 6 and code.isdigit()
    assert not ActivationCode.objects.filter(digest__contains=code).exists()  # only a keyed digest is kept

    response = code_page(client, "wanglaoshi", code)
    assert response.status_code == 302 and response["Location"] == reverse("auth:activate_password")

    weak = client.post(reverse("auth:activate_password"), {"password1": "12345", "password2": "12345"})
    assert weak.status_code == 400 and "密码太短，至少需要 12 个字符" in text(weak)
    user.refresh_from_db()
    assert not user.has_usable_password()  # bad input changes nothing

    done = client.post(
        reverse("auth:activate_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("web:home")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get(reverse("web:home")).status_code == 200  # signed in
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", flat=True))
    assert "auth.activation_sent" in actions and "auth.activated" in actions

    client.logout()
    again = code_page(client, "wanglaoshi", code)  # a code works once
    assert again.status_code == 400 and "用户名或验证码不正确" in text(again)


@pytest.mark.django_db
def test_a_psychological_teacher_must_set_up_two_step_verification_before_any_page(
    world, client, provider_standin
):
    imported(world, "xinlilaoshi", Role.PSYCH_TEACHER)
    send(client, "xinlilaoshi")
    code_page(client, "xinlilaoshi", last_code(provider_standin))
    page = client.get(reverse("auth:activate_password"))
    assert "开启两步验证" in text(page)

    done = client.post(
        reverse("auth:activate_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done["Location"] == reverse("auth:enrol")
    assert client.get(reverse("web:home")).status_code == 302  # not signed in on the password alone
    assert client.get(reverse("auth:enrol")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_in_chinese_and_the_code_dies_after_five_wrong_tries(
    world, client, provider_standin
):
    imported(world, "wanglaoshi", Role.CLASS_TEACHER)
    send(client, "wanglaoshi")
    code = last_code(provider_standin)
    wrong = "000000" if code != "000000" else "111111"

    first = code_page(client, "wanglaoshi", wrong)
    assert first.status_code == 400 and "此验证码还可再试 4 次" in text(first)
    for _ in range(4):
        last = code_page(client, "wanglaoshi", wrong)
    assert "错误次数过多，此验证码已失效，请重新获取" in text(last)
    assert "错误次数过多" in text(code_page(client, "wanglaoshi", code))  # even the right code: it is dead
    assert (
        AuditEvent.objects.filter(action="auth.activation_failed", detail__why="wrong").count() == 6
    )  # the dead code too

    # The owner asks for a new code and goes on: wrong guesses never lock the account.
    send(client, "wanglaoshi")
    assert code_page(client, "wanglaoshi", last_code(provider_standin)).status_code == 302


@pytest.mark.django_db
def test_an_expired_code_is_refused_and_says_so(world, client, provider_standin, frozen_clock):
    now = frozen_clock(timezone.now())
    user = imported(world, "wanglaoshi", Role.CLASS_TEACHER)
    send(client, "wanglaoshi")
    code = last_code(provider_standin)

    frozen_clock(now + dt.timedelta(minutes=activation.sms_minutes(), seconds=1))
    response = code_page(client, "wanglaoshi", code)
    assert response.status_code == 400 and "验证码已过期，请重新获取" in text(response)
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert AuditEvent.objects.filter(action="auth.activation_failed", detail__why="expired").exists()


@pytest.mark.django_db
def test_sends_are_limited_per_account_and_phone_and_a_stranger_cannot_use_them_up(
    world, client, provider_standin
):
    imported(world, "wanglaoshi", Role.CLASS_TEACHER)

    # A stranger who knows the username but not the phone: the same neutral answer, no SMS, nothing counted
    # against the account.
    for _ in range(10):
        page = send(client, "wanglaoshi", "13800009999")
        assert "如果用户名和手机号码与学校登记的一致" in text(page)
    assert provider_standin.sms() == []
    assert AuditEvent.objects.filter(action="auth.activation_failed", detail__why="no_match").count() == 10

    for _ in range(3):  # the owner still gets three codes at once…
        send(client, "wanglaoshi")
    assert len(provider_standin.sms_to(PHONE)) == 3
    fourth = send(client, "wanglaoshi")  # …then must wait
    assert "验证码刚刚已发送到该手机" in text(fourth) and "分钟后可再次获取" in text(fourth)
    assert len(provider_standin.sms_to(PHONE)) == 3


@pytest.mark.django_db
def test_the_phone_limit_holds_across_accounts_sharing_a_number(world, client, provider_standin):
    imported(world, "laoshi1", Role.TEACHER)
    imported(world, "laoshi2", Role.TEACHER)
    for _ in range(3):
        send(client, "laoshi1")
    page = send(client, "laoshi2")
    assert "验证码刚刚已发送到该手机" in text(page)
    assert len(provider_standin.sms_to(PHONE)) == 3


@pytest.mark.django_db
def test_an_account_that_has_a_password_cannot_ask_for_an_sms_code_itself(world, client, provider_standin):
    world.teacher.phone = PHONE
    world.teacher.save(update_fields=["phone"])
    send(client, world.teacher.username)
    assert provider_standin.sms() == []


@pytest.mark.django_db
def test_a_code_from_a_printed_slip_activates_the_account(world, client):
    user = imported(world, "wanglaoshi", Role.TEACHER, phone="")
    [slip] = activation.issue_slips(users=[user], by=world.district_admin)
    assert slip.expires_on == timezone.localdate() + dt.timedelta(days=activation.slip_days())

    response = code_page(client, "wanglaoshi", slip.code.upper().replace("-", " "))  # typed as read off paper
    assert response.status_code == 302
    client.post(reverse("auth:activate_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.activation_slips", actor=world.district_admin).exists()


@pytest.mark.django_db
def test_when_the_sms_provider_fails_the_page_says_so_and_no_code_is_kept(world, client, provider_standin):
    imported(world, "wanglaoshi", Role.CLASS_TEACHER)
    provider_standin.fail("aliyun")
    page = send(client, "wanglaoshi")
    assert "短信暂时未能发出，请一分钟后再试" in text(page)
    assert not ActivationCode.objects.exists()
    assert AuditEvent.objects.filter(action="auth.activation_failed", detail__why="sms_failed").exists()
    send(client, "wanglaoshi")  # the next try goes through
    assert len(provider_standin.sms_to(PHONE)) == 1


@pytest.mark.django_db
def test_the_code_page_refuses_empty_input_and_changes_nothing(world, client):
    response = code_page(client, "", "")
    assert response.status_code == 400 and "请填写用户名和验证码" in text(response)
    assert not AuditEvent.objects.filter(action__startswith="auth.activat").exists()


@pytest.mark.django_db
def test_one_address_guessing_codes_is_slowed_down(world, client, settings):
    settings.XINYU_ACTIVATION_CODE_THROTTLE = {"addr": {"free": 2}}
    imported(world, "wanglaoshi", Role.CLASS_TEACHER)
    for guess in ("123456", "654321"):
        assert "用户名或验证码不正确" in text(code_page(client, "wanglaoshi", guess))
    third = code_page(client, "wanglaoshi", "111111")
    assert third.status_code == 400 and "验证码错误次数过多，请 1 分钟后再试" in text(third)
