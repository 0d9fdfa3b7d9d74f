"""Re-authentication before exports of student data and key operations (issue 8): a session whose last
(re)authentication is older than ten minutes is sent to /login/again/ — password, and a code for a user with a
second factor — and back. A login counts as an authentication (so force_login-ed test sessions are fresh)."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.core.cache import cache
from django.urls import reverse

from access.models import AuditEvent
from conftest import PASSWORD, enrol_second_factor


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _stale(client) -> None:
    session = client.session
    session["xinyu_reauth_at"] = time.time() - 10 * 60 - 1
    session.save()


def _guarded_urls(world) -> dict[str, tuple[str, object]]:
    """The exports of T1+ student data and the key operations, with a persona who may use each."""
    return {
        reverse("slips:class", args=[world.a1.pk]): ("class_teacher", "initial passwords"),
        reverse("roster:index"): ("district_admin", "roster import"),
        reverse("care:file_pdf", args=[world.student_a1.pk]): ("psych", "student file PDF"),
        reverse("care:file_print", args=[world.student_a1.pk]): ("psych", "student file print"),
        reverse("access:export"): ("auditor", "audit trail export"),
        reverse("security:accounts"): ("security_admin", "account security (disable, reset a second factor)"),
    }


def test_every_export_and_key_operation_asks_again_after_ten_minutes(world, client):
    for url, (persona, what) in _guarded_urls(world).items():
        client.force_login(getattr(world, persona))
        assert client.get(url).status_code == 200, what  # just logged in: fresh
        _stale(client)
        response = client.get(url)
        assert response.status_code == 302, what
        assert response["Location"].startswith("/login/again/?next="), what


def test_the_password_again_opens_the_export_and_a_wrong_one_is_refused_and_audited(world, client):
    url = reverse("slips:class", args=[world.a1.pk])
    client.force_login(world.class_teacher)
    _stale(client)
    again = client.get(url)["Location"]
    page = client.get(again).content.decode()
    assert 'name="password"' in page and 'name="code"' not in page  # no second factor: the password alone
    response = client.post("/login/again/", {"password": "wrong-password-1", "next": url})
    assert response.status_code == 200 and client.get(url).status_code == 302
    assert AuditEvent.objects.filter(action="auth.reauth_failed", actor=world.class_teacher).exists()
    response = client.post("/login/again/", {"password": PASSWORD, "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(action="auth.reauth", actor=world.class_teacher).count() == 1


def test_a_user_with_a_second_factor_gives_the_code_too(world, client):
    secret = enrol_second_factor(world.psych)
    url = reverse("care:file_pdf", args=[world.student_a1.pk])
    client.force_login(world.psych)
    _stale(client)
    assert client.post("/login/again/", {"password": PASSWORD, "code": "", "next": url}).status_code == 200
    assert client.get(url).status_code == 302
    wrong = "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"
    assert client.post("/login/again/", {"password": PASSWORD, "code": wrong, "next": url}).status_code == 200
    assert AuditEvent.objects.filter(action="auth.mfa_failed", detail__for="reauth").count() == 1
    response = client.post(
        "/login/again/", {"password": PASSWORD, "code": pyotp.TOTP(secret).now(), "next": url}
    )
    assert response["Location"] == url
    assert client.get(url).status_code == 200


def test_re_authentication_never_sends_the_user_to_another_site(world, client):
    client.force_login(world.teacher)
    response = client.post("/login/again/", {"password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_stale_post_goes_back_to_the_page_it_came_from_after_re_authentication(world, client):
    from django.urls import reverse

    client.force_login(world.security_admin)
    _stale(client)
    url = reverse("security:reset_mfa", args=[world.class_teacher.pk])
    response = client.post(url, HTTP_REFERER="http://testserver/security/?q=class")
    assert response["Location"] == "/login/again/?next=%2Fsecurity%2F%3Fq%3Dclass"
