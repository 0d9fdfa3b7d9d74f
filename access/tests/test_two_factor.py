"""Two factors (TOTP and recovery codes) for staff with T3/T4 access and administrators, through the real login
(issue 8 item 1, R5.3). Most of the suite logs in with force_login — as if both factors had passed; these tests
do not."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core.cache import cache
from django.db import connection

from access import mfa
from access.models import AuditEvent, RecoveryCode, SecondFactor
from conftest import PASSWORD, enrol_second_factor, totp_secret

ADDRESS = "10.0.0.7"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _password(client, username, next_url=""):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data, REMOTE_ADDR=ADDRESS)


def _code(client, code):
    return client.post("/login/2fa/", {"code": code}, REMOTE_ADDR=ADDRESS)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def _now_code(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def test_a_psych_teacher_without_an_authenticator_must_enrol_before_anything_else(world, client):
    response = _password(client, "psych")
    assert response.status_code == 302 and response["Location"] == "/login/2fa/enrol/"
    assert not _logged_in(client)
    assert client.get("/").status_code == 302  # the password alone opens nothing
    assert client.get("/care/alerts/").status_code == 302

    response = client.get("/login/2fa/enrol/")
    assert "no-store" in response["Cache-Control"]  # the secret never lands in a cache
    page = response.content.decode()
    assert "<svg" in page and "data:image" not in page  # inline SVG: nothing for the CSP to refuse
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    assert client.get("/login/2fa/enrol/").content.decode().count(secret) >= 1  # a reload keeps the secret

    bad = client.post("/login/2fa/enrol/", {"code": "000000" if _now_code(secret) != "000000" else "111111"})
    assert bad.status_code == 200 and not _logged_in(client)
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=world.psych).exists()

    done = client.post("/login/2fa/enrol/", {"code": _now_code(secret)})
    assert done.status_code == 200 and _logged_in(client)
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert AuditEvent.objects.filter(action="auth.mfa_enrolled", actor=world.psych).count() == 1
    assert client.get("/").status_code == 200


def test_the_secret_is_encrypted_at_rest_and_recovery_codes_are_stored_hashed(world):
    factor = mfa.start_enrolment(world.psych)
    codes = mfa.confirm_enrolment(user=world.psych, code=_now_code(factor.secret))
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM access_secondfactor WHERE user_id = %s", [world.psych.pk])
        (raw,) = cur.fetchone()
    assert factor.secret not in raw and raw.startswith("x1:")
    digests = list(RecoveryCode.objects.filter(user=world.psych).values_list("digest", flat=True))
    assert len(digests) == 10 and not any(c.replace("-", "") in d for c in codes for d in digests)


def test_an_enrolled_psych_teacher_logs_in_with_password_and_code_to_the_page_they_asked_for(world, client):
    secret = enrol_second_factor(world.psych)
    response = _password(client, "psych", next_url="/care/alerts/")
    assert response["Location"] == "/login/2fa/" and not _logged_in(client)
    response = _code(client, _now_code(secret))
    assert response.status_code == 302 and response["Location"] == "/care/alerts/"
    assert _logged_in(client)
    assert client.get("/care/alerts/").status_code == 200


def test_a_wrong_code_is_refused_and_audited(world, client):
    secret = enrol_second_factor(world.psych)
    _password(client, "psych")
    wrong = "123456" if _now_code(secret) != "123456" else "654321"
    response = _code(client, wrong)
    assert response.status_code == 200 and not _logged_in(client)
    assert "验证码不正确" in response.content.decode() or "not right" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.mfa_failed")
    assert event.actor_id == world.psych.pk and event.address == ADDRESS and wrong not in str(event.detail)


def test_a_code_cannot_be_used_twice(world, client):
    secret = enrol_second_factor(world.psych)
    code = _now_code(secret)
    _password(client, "psych")
    assert _code(client, code).status_code == 302 and _logged_in(client)
    client.post("/logout/")
    _password(client, "psych")
    assert _code(client, code).status_code == 200 and not _logged_in(client)  # replayed: refused
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=world.psych).count() == 1


def test_a_recovery_code_works_once(world, client):
    enrol_second_factor(world.psych)
    codes = mfa.renew_recovery_codes(user=world.psych)
    _password(client, "psych")
    assert _code(client, codes[3].upper()).status_code == 302 and _logged_in(client)  # case-insensitive
    assert AuditEvent.objects.get(action="auth.mfa_recovery_used").detail == {"for": "login", "left": 9}
    client.post("/logout/")
    _password(client, "psych")
    assert _code(client, codes[3]).status_code == 200 and not _logged_in(client)
    assert _code(client, codes[4]).status_code == 302 and _logged_in(client)


def test_wrong_codes_are_throttled_like_passwords(world, client):
    secret = enrol_second_factor(world.psych)
    _password(client, "psych")
    wrong = "123456" if _now_code(secret) != "123456" else "654321"
    for _ in range(5):
        _code(client, wrong)
    page = _code(client, _now_code(secret)).content.decode()  # even the right code waits now
    assert not _logged_in(client)
    assert "Too many failed attempts" in page or "尝试次数过多" in page


def test_the_half_logged_in_state_expires(world, client, settings):
    secret = enrol_second_factor(world.psych)
    _password(client, "psych")
    session = client.session
    session["xinyu_mfa_pending"]["at"] = time.time() - settings.XINYU_MFA_PENDING_SECONDS - 1
    session.save()
    response = _code(client, _now_code(secret))
    assert response.status_code == 302 and response["Location"] == "/login/" and not _logged_in(client)


@pytest.mark.parametrize(
    "persona", ["teacher", "class_teacher", "district_officer", "city_officer", "auditor"]
)
def test_staff_without_t3_access_log_in_with_the_password_alone(persona, world, client):
    response = _password(client, persona)
    assert response.status_code == 302 and response["Location"] == "/" and _logged_in(client)


@pytest.mark.parametrize("persona", ["student", "guardian"])
def test_students_and_guardians_are_never_asked_for_a_code(persona, world, client):
    assert _password(client, persona)["Location"] == "/" and _logged_in(client)


@pytest.mark.parametrize(
    "persona",
    ["psych", "psych_east", "leader", "district_counselor", "clinician", "district_admin", "city_admin"],
)
def test_every_role_with_t3_access_and_every_administrator_needs_the_second_factor(persona, world, client):
    assert _password(client, persona)["Location"] == "/login/2fa/enrol/" and not _logged_in(client)


def test_a_superuser_needs_it_and_the_admin_has_no_password_only_login(world, client):
    from org.models import User

    User.objects.create_superuser("root", "root@example.org", PASSWORD)
    assert _password(client, "root")["Location"] == "/login/2fa/enrol/"
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=/admin/"


def test_the_setting_turns_it_off(world, client, settings):
    settings.XINYU_MFA_REQUIRED = False
    assert _password(client, "psych")["Location"] == "/" and _logged_in(client)


def test_new_recovery_codes_need_the_password_again_and_replace_the_old_ones(world, client):
    secret = enrol_second_factor(world.psych)
    old = mfa.renew_recovery_codes(user=world.psych)
    client.force_login(world.psych)
    session = client.session
    session["xinyu_reauth_at"] = time.time() - 11 * 60
    session.save()
    response = client.post("/account/recovery-codes/")
    assert response.status_code == 302 and response["Location"].startswith("/login/again/")
    assert (
        mfa.recovery_codes_left(world.psych) == 10
        and RecoveryCode.objects.filter(used_at__isnull=False).count() == 0
    )
    response = client.post(
        "/login/again/",
        {"password": PASSWORD, "code": _now_code(secret), "next": "/account/recovery-codes/"},
    )
    assert response["Location"] == "/account/recovery-codes/"
    page = client.post("/account/recovery-codes/").content.decode()
    new = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert mfa.verify(user=world.psych, code=old[0]) == ""
    assert mfa.verify(user=world.psych, code=new[0]) == "recovery"
    assert AuditEvent.objects.filter(action="auth.mfa_recovery_codes_renewed").count() == 2


def test_the_security_admin_resets_a_lost_second_factor_and_the_users_sessions_end(world, client):
    from django.test import Client
    from django.urls import reverse

    enrol_second_factor(world.psych)
    psych_browser = Client()
    psych_browser.force_login(world.psych)
    client.force_login(world.security_admin)
    page = client.get(reverse("security:accounts"), {"q": "psych"}).content.decode()
    url = reverse("security:reset_mfa", args=[world.psych.pk])
    assert url in page  # the button shows for an enrolled account
    assert client.post(url).status_code == 302
    assert not SecondFactor.objects.filter(user=world.psych).exists()
    assert not RecoveryCode.objects.filter(user=world.psych).exists()
    assert psych_browser.get("/").status_code == 302  # the psych teacher's session has ended
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor_id == world.security_admin.pk and event.detail == {"user": world.psych.pk}
    assert _password(Client(), "psych")["Location"] == "/login/2fa/enrol/"  # and they enrol again


@pytest.mark.parametrize("persona", ["district_admin", "city_admin", "auditor", "psych"])
def test_nobody_but_the_security_admin_resets_a_second_factor(persona, world, client):
    from django.urls import reverse

    enrol_second_factor(world.class_teacher)
    client.force_login(getattr(world, persona))
    assert client.post(reverse("security:reset_mfa", args=[world.class_teacher.pk])).status_code == 404
    assert SecondFactor.objects.filter(user=world.class_teacher).exists()


def test_the_account_page_shows_the_second_factor(world, client):
    enrol_second_factor(world.psych)
    mfa.renew_recovery_codes(user=world.psych)
    client.force_login(world.psych)
    page = client.get("/account/security/").content.decode()
    assert "/account/recovery-codes/" in page and "10" in page


def test_totp_code_prints_the_demo_code_only_with_debug(world, settings, capsys):
    from django.core.management import CommandError, call_command

    enrol_second_factor(world.psych)
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("totp_code", "psych")
    settings.DEBUG = True
    call_command("totp_code", "psych")
    assert capsys.readouterr().out.strip() == pyotp.TOTP(totp_secret("psych")).now()


def test_break_glass_asks_an_enrolled_user_for_the_code_too(world, client):
    from django.urls import reverse

    from access.models import BreakGlassGrant

    secret = enrol_second_factor(world.psych)
    client.force_login(world.psych)
    form = {
        "student_no": world.student_b1.student_no,
        "reason": "该生周末在校外被送医，急需查看既往记录",
        "minutes": 30,
    }
    assert 'name="code"' in client.get(reverse("access:break_glass")).content.decode()
    wrong = "123456" if _now_code(secret) != "123456" else "654321"
    response = client.post(reverse("access:break_glass"), {**form, "password": PASSWORD, "code": wrong})
    assert response.status_code == 200 and not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.filter(action="auth.mfa_failed", detail__for="break_glass").count() == 1
    response = client.post(
        reverse("access:break_glass"), {**form, "password": PASSWORD, "code": _now_code(secret)}
    )
    assert response.status_code == 302 and BreakGlassGrant.objects.filter(user=world.psych).count() == 1
