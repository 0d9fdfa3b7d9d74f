"""Logging in: a guesser is slowed down but a teacher is never locked out for good; failed and successful logins
are audited without the password; idle and over-long sessions end (issue 8, Authentication)."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from access import throttle
from access.models import AuditEvent
from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _login(client, username, password, address="10.0.0.7"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_wrong_passwords_cost_nothing_and_the_sixth_attempt_must_wait(world, client):
    for _ in range(5):
        assert _login(client, "psych", "wrong-password").status_code == 200
    page = _login(client, "psych", PASSWORD).content.decode()  # even the right password waits now
    assert "_auth_user_id" not in client.session
    assert "Too many failed attempts" in page or "尝试次数过多" in page


def test_after_the_wait_the_right_password_logs_in_and_clears_the_count(world, client):
    now = time.time()
    for _ in range(6):
        throttle.register_failure("teacher", "10.0.0.7", now=now - 3600 + 1)
    assert (
        throttle.wait_seconds("teacher", "10.0.0.7", now=now) == 0
    )  # 60 s after the first wait of 30 s… passed
    assert _login(client, "teacher", PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session
    assert cache.get(throttle._key("user", "teacher")) is None  # the count is cleared


def test_the_wait_doubles_and_is_capped_so_nobody_is_locked_out_for_good():
    now = 1_000_000.0
    waits = []
    for _ in range(1, 16):
        throttle.register_failure("teacher-x", None, now=now)
        waits.append(throttle.wait_seconds("teacher-x", None, now=now))
    assert waits[:5] == [0, 0, 0, 0, 30]
    assert waits[5:8] == [60, 120, 240]
    assert max(waits) == 900  # 15 minutes at most, however many failures
    assert throttle.wait_seconds("teacher-x", None, now=now + 901) == 0


def test_one_address_guessing_many_usernames_is_slowed_too():
    now = 2_000_000.0
    for n in range(50):
        throttle.register_failure(f"user{n}", "10.9.9.9", now=now)
    assert throttle.wait_seconds("someone-new", "10.9.9.9", now=now) > 0
    assert throttle.wait_seconds("someone-new", "10.1.1.1", now=now) == 0  # another computer room is not


def test_failed_and_successful_logins_are_audited_without_the_password(world, client):
    _login(client, "teacher", "wrong-password")
    _login(client, "teacher", PASSWORD)
    failed = AuditEvent.objects.get(action="auth.login_failed")
    ok = AuditEvent.objects.filter(action="auth.login").latest("seq")
    assert (
        failed.detail == {"username": "teacher"} and failed.actor_id is None and failed.address == "10.0.0.7"
    )
    assert ok.actor_id == world.teacher.pk
    assert "wrong-password" not in str(failed.detail) and PASSWORD not in str(ok.detail)


def test_a_staff_session_ends_after_fifteen_idle_minutes(world, client, settings):
    client.force_login(world.psych)
    assert client.get("/").status_code == 200
    session = client.session
    session["xinyu_last_seen"] = time.time() - settings.XINYU_STAFF_IDLE_SECONDS - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302  # logged out, not just bounced once
    assert AuditEvent.objects.filter(action="auth.session_expired", actor=world.psych).exists()


def test_a_student_may_stay_idle_longer_than_staff(world, client, settings):
    client.force_login(world.student)
    client.get("/")
    session = client.session
    session["xinyu_last_seen"] = time.time() - settings.XINYU_STAFF_IDLE_SECONDS - 1
    session.save()
    assert client.get("/").status_code == 200


def test_every_session_ends_after_its_absolute_limit_however_busy(world, client, settings):
    client.force_login(world.psych)
    client.get("/")
    session = client.session
    session["xinyu_auth_at"] = time.time() - settings.XINYU_SESSION_MAX_SECONDS - 1
    session.save()
    assert client.get("/").status_code == 302


def test_a_timed_out_api_call_gets_401_not_a_login_page(world, client, settings):
    client.force_login(world.student)
    client.get("/")
    session = client.session
    session["xinyu_auth_at"] = time.time() - settings.XINYU_SESSION_MAX_SECONDS - 1
    session.save()
    assert client.get("/api/screening/assignments", HTTP_ACCEPT="application/json").status_code == 401


def test_disabling_an_account_ends_its_sessions(world, client):
    client.force_login(world.psych)
    assert client.get("/").status_code == 200
    world.psych.is_active = False
    world.psych.save(update_fields=["is_active"])
    assert client.get("/").status_code == 302


def test_every_page_forbids_inline_script_and_framing(world, client):
    client.force_login(world.psych)
    for url in ("/", "/login/", "/care/notifications/"):
        csp = client.get(url).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'", url  # no 'unsafe-inline', no 'unsafe-eval'
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_no_template_carries_an_inline_script_or_an_event_handler_attribute():
    """CSP would block them in the browser; this finds them before a user does."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=.application/json.)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
    found = []
    for path in root.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (inline, handler):
            for m in pattern.finditer(text):
                found.append(f"{path.relative_to(root)}: {m.group(0)[:60]}")
    assert found == []


def test_a_refused_page_is_recorded_on_the_audit_trail(world, client):
    client.force_login(world.class_teacher)
    assert client.get("/roster/").status_code == 403  # roster import is for administrators
    denied = AuditEvent.objects.filter(action="access.denied", actor=world.class_teacher).get()
    assert denied.detail == {"route": "roster:index", "method": "GET", "status": 403}


def test_a_look_at_another_schools_student_is_recorded_without_saying_it_exists(world, client):
    client.force_login(world.other_school_teacher)
    response = client.get(f"/org/students/{world.student_a1.pk}/")
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="access.denied", actor=world.other_school_teacher, student_id=world.student_a1.pk
    ).exists()
    assert (
        client.get("/org/students/999999/").status_code == 404
    )  # no such student: a probe, recorded by route
    assert not AuditEvent.objects.filter(action="access.denied", student_id=999999).exists()


def test_a_refused_page_is_recorded_once(world, client):
    client.force_login(world.class_teacher)
    client.get("/roster/")
    assert AuditEvent.objects.filter(action="access.denied", actor=world.class_teacher).count() == 1


def test_a_403_from_the_api_is_recorded_on_the_audit_trail(world, client):
    client.force_login(world.guardian)
    assert client.get("/api/care/report-students").status_code == 403  # reporting a concern is for staff
    denied = AuditEvent.objects.get(action="access.denied", actor=world.guardian)
    assert denied.detail == {"route": "api:api_care_report_students", "method": "GET", "status": 403}


@pytest.mark.parametrize("url, route", [("/audit/", "access:trail"), ("/security/", "security:accounts")])
def test_a_look_at_the_auditors_or_the_security_page_by_anyone_else_is_recorded(world, client, url, route):
    client.force_login(world.psych)
    assert client.get(url).status_code == 404  # the page does not exist for them…
    denied = AuditEvent.objects.get(action="access.denied", actor=world.psych)  # …but the attempt is recorded
    assert denied.detail == {"route": route, "method": "GET"}
