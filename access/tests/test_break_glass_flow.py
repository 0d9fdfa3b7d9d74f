"""Break-glass, complete (issue 8): the password again and a reason; the records open for a time and then close;
the student's school leader is told and must review; the review shows what was opened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from access.models import AuditEvent, BreakGlassGrant
from access.policy import visible_students
from access.tiers import Tier
from conftest import PASSWORD

REASON = "该生周末在校外被送医，急需查看既往筛查与个案记录以配合医院"


def _ask(client, student, password=PASSWORD, reason=REASON, minutes=30):
    return client.post(
        reverse("access:break_glass"),
        {"student_no": student.student_no, "reason": reason, "minutes": minutes, "password": password},
    )


def test_a_psych_teacher_of_another_school_opens_a_student_for_a_time_after_typing_her_password(
    world, client
):
    assert not visible_students(world.psych, Tier.T3).filter(pk=world.student_b1.pk).exists()
    client.force_login(world.psych)
    response = _ask(client, world.student_b1)
    assert response.status_code == 302 and response["Location"] == f"/org/students/{world.student_b1.pk}/"
    assert visible_students(world.psych, Tier.T3).filter(pk=world.student_b1.pk).exists()
    grant = BreakGlassGrant.objects.get(user=world.psych)
    BreakGlassGrant.objects.filter(pk=grant.pk).update(
        granted_at=grant.granted_at - dt.timedelta(hours=2),
        expires_at=grant.granted_at - dt.timedelta(minutes=1),
    )
    assert not visible_students(world.psych, Tier.T3).filter(pk=world.student_b1.pk).exists()  # closed again


@pytest.mark.parametrize("persona", ["psych", "leader", "district_counselor"])
def test_break_glass_for_a_student_of_another_district_is_refused_in_chinese_audited_and_opens_nothing(
    world, client, persona
):
    # Issue 19 finding 11: 海淀's staff cannot break the glass for 朝阳中学's student.
    user = getattr(world, persona)
    client.force_login(user)
    response = _ask(client, world.student_c1)
    assert response.status_code == 200
    assert "不在您所在区的学校" in response.content.decode()
    assert not BreakGlassGrant.objects.exists()
    assert not visible_students(user, Tier.T3).filter(pk=world.student_c1.pk).exists()
    refused = AuditEvent.objects.get(action="break_glass.refused", actor=user)
    assert refused.student_id == world.student_c1.pk
    assert not AuditEvent.objects.filter(action="break_glass.grant").exists()
    assert len(mail.outbox) == 0  # no school leader is told of a grant that was never made


def test_a_wrong_password_opens_nothing_and_is_recorded(world, client):
    client.force_login(world.psych)
    assert _ask(client, world.student_b1, password="not-my-password").status_code == 200
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.filter(action="auth.reauth_failed", actor=world.psych).exists()


@pytest.mark.parametrize(
    "persona", ["class_teacher", "teacher", "district_officer", "city_officer", "student"]
)
def test_roles_without_clinical_work_cannot_break_the_glass(world, client, persona):
    client.force_login(getattr(world, persona))
    assert _ask(client, world.student_b1).status_code == 403
    assert not BreakGlassGrant.objects.exists()


def test_the_students_school_leader_is_told_and_reviews_what_was_opened(
    world, client, settings, django_capture_on_commit_callbacks
):
    from org.models import Post, Role, User

    settings.CELERY_TASK_ALWAYS_EAGER = True
    leader_b = User.objects.create(
        username="leader_b", display_name="育英校长", email="leader_b@school.example"
    )
    Post.objects.create(user=leader_b, role=Role.SCHOOL_LEADER, node=world.school_b)
    client.force_login(world.psych)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, world.student_b1)
    client.get(f"/org/students/{world.student_b1.pk}/")  # read under the grant

    client.force_login(leader_b)
    home = client.get("/").content.decode()
    assert reverse("access:break_glass_review") in home
    assert [m.to for m in mail.outbox] == [["leader_b@school.example"]]  # the leader, at once
    assert all(world.student_b1.name not in m.body for m in mail.outbox)  # no name by e-mail
    page = client.get(reverse("access:break_glass_review")).content.decode()
    assert REASON in page and "student.view" in page
    grant = BreakGlassGrant.objects.get()
    client.post(reverse("access:break_glass_review"), {"grant": grant.pk, "note": "已与心理老师核实"})
    grant.refresh_from_db()
    assert grant.reviewed_by == leader_b and grant.reviewed_at is not None
    assert AuditEvent.objects.filter(action="break_glass.review", actor=leader_b).count() == 1


def test_school_a_leader_cannot_review_school_bs_grant(world, client):
    client.force_login(world.psych)
    _ask(client, world.student_b1)
    grant = BreakGlassGrant.objects.get()
    client.force_login(world.leader)
    assert client.post(reverse("access:break_glass_review"), {"grant": grant.pk}).status_code == 404
    grant.refresh_from_db()
    assert grant.reviewed_at is None
