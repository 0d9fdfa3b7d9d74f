"""三权分立 (issue 8 item 2; 等保 level 3 安全管理中心): the system administrator (city_admin, district_admin),
the security administrator and the auditor are separate; none can do another's work — by action, by route and
in the database — a superuser is none of the last two, and neither the auditor nor the security administrator
sees a student's data."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from access import throttle
from access.models import AuditEvent
from access.policy import ACTIONS, may, visible_students
from access.services import request_break_glass
from access.tiers import Tier
from org.models import DUTY_OF_ROLE, Duty, Post, Role, User

DUTY_ACTIONS = {
    Duty.SYSTEM: {"roster.import"},
    Duty.SECURITY: {"security.accounts", "security.break_glass", "security.keys"},
    Duty.AUDIT: {"audit.read"},
}
DUTY_PERSONAS = {"city_admin": Duty.SYSTEM, "district_admin": Duty.SYSTEM, "security_admin": Duty.SECURITY,
                 "auditor": Duty.AUDIT}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("persona", sorted(DUTY_PERSONAS))
def test_no_administrative_duty_has_another_dutys_actions(world, persona):
    user = getattr(world, persona)
    duty = DUTY_PERSONAS[persona]
    for other, actions in DUTY_ACTIONS.items():
        for action in actions:
            assert may(user, action) == (other == duty), f"{persona} / {action}"


def test_every_action_of_a_duty_belongs_to_that_duty_alone():
    for duty, actions in DUTY_ACTIONS.items():
        for action in actions:
            holders = {DUTY_OF_ROLE.get(role) for role in ACTIONS[action]} - {None}
            assert holders <= {duty}, action


@pytest.mark.parametrize(
    "persona, url",
    [
        ("auditor", "/security/"),
        ("city_admin", "/security/"),
        ("district_admin", "/security/"),
        ("security_admin", "/audit/"),
        ("security_admin", "/audit/export.jsonl"),
        ("city_admin", "/audit/"),
        ("district_admin", "/audit/export.jsonl"),
    ],
)
def test_each_duty_gets_404_for_another_dutys_pages(world, client, persona, url):
    client.force_login(getattr(world, persona))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("persona", ["security_admin", "auditor"])
def test_the_security_administrator_and_the_auditor_cannot_import_a_roster(world, client, persona):
    client.force_login(getattr(world, persona))
    assert client.get(reverse("roster:index")).status_code in (403, 404)
    assert not may(getattr(world, persona), "roster.import", world.school_a)


@pytest.mark.parametrize("persona", ["security_admin", "auditor"])
def test_the_security_administrator_and_the_auditor_see_no_student(world, persona):
    for tier in Tier:
        assert not visible_students(getattr(world, persona), tier).exists()


def test_a_superuser_is_at_most_a_system_administrator(world):
    root = User.objects.create(username="root", is_superuser=True, is_staff=True)
    assert may(root, "roster.import")
    for action in ("audit.read", "security.accounts", "security.break_glass", "security.keys"):
        assert not may(root, action), action
    client = Client()
    client.force_login(root)
    assert client.get("/security/").status_code == 404
    assert client.get("/audit/").status_code == 404


@pytest.mark.parametrize(
    "persona, action", [("auditor", "audit.read"), ("security_admin", "security.accounts")]
)
def test_a_superuser_with_an_auditor_or_security_post_still_has_neither_duty(world, persona, action):
    user = getattr(world, persona)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert not may(user, action)


@pytest.mark.parametrize(
    "holds, wants",
    [
        ("auditor", Role.CITY_ADMIN),
        ("auditor", Role.SECURITY_ADMIN),
        ("security_admin", Role.AUDITOR),
        ("security_admin", Role.DISTRICT_ADMIN),
        ("city_admin", Role.AUDITOR),
        ("district_admin", Role.SECURITY_ADMIN),
    ],
)
def test_one_account_cannot_hold_two_duties_neither_by_form_nor_in_the_database(world, holds, wants):
    user = getattr(world, holds)
    node = world.city if wants in (Role.CITY_ADMIN, Role.AUDITOR, Role.SECURITY_ADMIN) else world.haidian
    post = Post(user=user, role=wants, node=node)
    with pytest.raises(ValidationError, match="Separation of duties|三权分立|职责分离"):
        post.clean()
    with pytest.raises(DatabaseError, match="separation of duties"), transaction.atomic():
        Post.objects.create(user=user, role=wants, node=node)
    with pytest.raises(DatabaseError, match="separation of duties"), transaction.atomic():
        Post.objects.filter(user=world.teacher).update(user=user, role=wants, node=node)
    assert set(Post.objects.filter(user=user).values_list("role", flat=True)) == {
        getattr(world, holds).posts.get().role
    }


def test_a_second_post_of_the_same_duty_and_a_post_without_a_duty_are_allowed(world):
    Post(user=world.district_admin, role=Role.DISTRICT_ADMIN, node=world.chaoyang).clean()
    Post.objects.create(user=world.district_admin, role=Role.DISTRICT_ADMIN, node=world.chaoyang)
    Post.objects.create(user=world.auditor, role=Role.SUPERVISOR, node=world.city)
    assert Post.objects.filter(user=world.district_admin).count() == 2


# --- The security administrator's page ---------------------------------------------------------------------------


def test_the_security_administrator_disables_an_account_and_its_session_ends(world, login):
    teacher = Client()
    teacher.force_login(world.teacher)
    assert teacher.get("/").status_code == 200
    page = login(world.security_admin)
    response = page.post(reverse("security:disable", args=[world.teacher.pk]))
    assert response.status_code == 302
    world.teacher.refresh_from_db()
    assert not world.teacher.is_active
    assert teacher.get("/").status_code == 302  # sent to log in
    event = AuditEvent.objects.get(action="security.account_disabled")
    assert event.actor_id == world.security_admin.pk and event.object_id == str(world.teacher.pk)
    page.post(reverse("security:enable", args=[world.teacher.pk]))
    world.teacher.refresh_from_db()
    assert (
        world.teacher.is_active and AuditEvent.objects.filter(action="security.account_enabled").count() == 1
    )


def test_the_security_administrator_lifts_a_login_wait(world, login):
    for _ in range(7):
        throttle.register_failure("psych", None)
    assert throttle.wait_seconds("psych", None) > 0
    body = login(world.security_admin).get("/security/?q=psych").content.decode()
    assert reverse("security:unlock", args=[world.psych.pk]) in body
    login(world.security_admin).post(reverse("security:unlock", args=[world.psych.pk]))
    assert throttle.wait_seconds("psych", None) == 0
    assert AuditEvent.objects.filter(action="security.login_unlocked", object_id=str(world.psych.pk)).exists()


def test_the_security_administrator_cannot_change_their_own_account(world, login):
    client = login(world.security_admin)
    client.post(reverse("security:disable", args=[world.security_admin.pk]))
    world.security_admin.refresh_from_db()
    assert world.security_admin.is_active
    assert not AuditEvent.objects.filter(action="security.account_disabled").exists()


def test_a_district_security_administrator_keeps_only_their_districts_accounts(world, login):
    district_sec = User.objects.create(username="haidian_security")
    Post.objects.create(user=district_sec, role=Role.SECURITY_ADMIN, node=world.haidian)
    client = login(district_sec)
    chaoyang = world.other_district_officer
    assert client.post(reverse("security:disable", args=[chaoyang.pk])).status_code == 404
    chaoyang.refresh_from_db()
    assert chaoyang.is_active
    body = client.get("/security/").content.decode()
    assert "district_officer" in body and "other_district_officer" not in body


def test_the_security_page_shows_no_student_content(world, login):
    grant = request_break_glass(
        user=world.psych,
        student=world.student_b1,
        reason="学生在走廊里说想结束生命，需要立即查看记录",
        minutes=30,
    )
    body = login(world.security_admin).get("/security/").content.decode()
    assert world.school_b.name in body and "psych" in body and f"<td>{grant.pk}</td>" in body
    for student in (world.student_a1, world.student_a1b, world.student_b1):
        assert student.name not in body and student.student_no not in body
    assert "结束生命" not in body
    # Students' and guardians' accounts are not listed: their names are student data.
    assert ">student<" not in body and ">guardian<" not in body


def test_the_security_page_costs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    for i in range(30):
        u = User.objects.create(username=f"extra_teacher_{i}")
        Post.objects.create(user=u, role=Role.TEACHER, node=world.school_a)
    client = login(world.security_admin)
    with django_assert_max_num_queries(16):
        assert client.get("/security/").status_code == 200


# --- Key rotation is signed off by the security administrator ---------------------------------------------------


@pytest.mark.parametrize("signer", [None, "city_admin", "auditor", "psych", "nobody"])
def test_a_key_rotation_without_a_security_administrators_sign_off_is_refused(world, signer):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    args = ["--signed-off-by", signer] if signer else []
    with pytest.raises(CommandError, match="安全管理员"):
        call_command("rotate_keys", *args)
    assert not AuditEvent.objects.filter(action="security.keys_rotated").exists()


def test_a_signed_off_rotation_is_recorded_in_the_security_administrators_name(world, capsys):
    from django.core.management import call_command

    call_command("rotate_keys", "--signed-off-by", "security_admin")
    event = AuditEvent.objects.get(action="security.keys_rotated")
    assert event.actor_id == world.security_admin.pk and "primary" in event.detail
    call_command("rotate_keys", "--dry-run")  # a dry run needs no sign-off


def test_an_active_superuser_is_flagged_by_the_database_checks_outside_debug(world, settings):
    from access.apps import check_superusers

    settings.DEBUG = False
    assert check_superusers(databases=["default"]) == []
    User.objects.create(username="root", is_superuser=True)
    assert [w.id for w in check_superusers(databases=["default"])] == ["access.W010"]
    assert check_superusers(databases=None) == []  # only with `check --database`
    User.objects.filter(username="root").update(is_active=False)
    assert check_superusers(databases=["default"]) == []
