"""Password rules after NIST SP 800-63B / OWASP ASVS L2, changing one's own password, and disabling an account
ending its sessions (issue 8, Authentication)."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from access.models import AuditEvent
from conftest import PASSWORD


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def _refused(password: str) -> bool:
    try:
        validate_password(password)
    except ValidationError:
        return True
    return False


def test_passwords_need_twelve_characters_and_no_composition_rules():
    assert _refused("a-short-one")  # 11 characters
    assert not _refused("tiger lotus river")  # a phrase: no digit, no capital, no symbol needed
    assert not _refused("zzvcmxoeqwlp")  # 12 lower-case letters


def test_long_passphrases_are_accepted_up_to_256_characters():
    assert not _refused("晚上好" * 22)  # 66 characters, any script
    assert not _refused("correct horse battery staple " * 8)  # 232 characters
    assert _refused("x" * 257)


def test_common_passwords_are_refused():
    assert _refused("password1234") and _refused("1234567890123")


def test_the_demo_and_test_passwords_satisfy_the_rules():
    from org.demo.logins import DEMO_PASSWORD

    assert not _refused(DEMO_PASSWORD) and not _refused(PASSWORD)


def test_a_user_changes_their_own_password_with_the_old_one_and_their_other_sessions_end(world, client):
    other = Client()
    other.force_login(world.teacher)
    client.force_login(world.teacher)
    new = "a river of lotus flowers"
    response = client.post(
        "/account/password/", {"old_password": "wrong-password", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="auth.reauth_failed", detail__for="password").count() == 1
    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200  # too short: unchanged
    world.teacher.refresh_from_db()
    assert world.teacher.check_password(PASSWORD)
    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert world.teacher.check_password(new)
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one has ended
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=world.teacher).count() == 1
    assert new not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


@pytest.mark.parametrize(
    "engine",
    ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"],
    ids=["database sessions", "cached sessions (production)"],
)
def test_disabling_an_account_ends_every_session_for_good(world, settings, engine):
    """Production reads sessions from the cache (xinyu/settings_prod.py): a disabled account's session must not
    live on there either."""
    settings.SESSION_ENGINE = engine
    phone, desk = Client(), Client()
    phone.force_login(world.psych)
    desk.force_login(world.psych)
    assert phone.get("/").status_code == 200 and desk.get("/").status_code == 200
    world.psych.is_active = False
    world.psych.save()
    assert phone.get("/").status_code == 302
    world.psych.is_active = True  # enabled again: the old sessions do not come back
    world.psych.save()
    assert phone.get("/").status_code == 302 and desk.get("/").status_code == 302
    event = AuditEvent.objects.get(action="auth.sessions_ended")
    assert event.object_id == str(world.psych.pk) and event.detail == {"sessions": 2}


def test_the_security_administrator_s_disable_ends_sessions_for_good_too(world):
    from access import services

    phone = Client()
    phone.force_login(world.psych)
    services.set_account_active(by=world.security_admin, user=world.psych, active=False)
    services.set_account_active(by=world.security_admin, user=world.psych, active=True)
    assert phone.get("/").status_code == 302  # enabled again, but the old session is gone
