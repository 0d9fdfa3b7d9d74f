"""Break-glass (紧急调阅), minimal for now: a stated reason, time-limited, logged (issue 8 completes it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from access.models import AuditEvent, BreakGlassGrant
from access.selectors import active_break_glass
from access.services import break_glass_granted, request_break_glass

REASON = "该生在校外被送医，本校心理教师联系不上，需要查看既往筛查结果"


def test_a_psychological_teacher_can_break_the_glass_for_a_student_of_another_school(world):
    g = request_break_glass(user=world.psych, student=world.student_b1, reason=REASON, minutes=30)
    assert g.reason == REASON
    assert g.expires_at - g.granted_at == dt.timedelta(minutes=30)
    assert active_break_glass(world.psych, world.student_b1) == g


@pytest.mark.parametrize("persona", ["psych", "psych_east", "leader", "district_counselor"])
def test_break_glass_stops_at_the_district_of_ones_posts(world, persona):
    # Issue 19 finding 11: 第一实验学校 and the 海淀 centre are in 海淀区; 朝阳中学 is not.
    user = getattr(world, persona)
    with pytest.raises(PermissionDenied):
        request_break_glass(user=user, student=world.student_c1, reason=REASON)
    assert not BreakGlassGrant.objects.exists()
    assert AuditEvent.objects.filter(action="break_glass.refused", actor=user).count() == 1
    assert request_break_glass(user=user, student=world.student_b1, reason=REASON).student == world.student_b1


def test_break_glass_needs_a_stated_reason(world):
    for reason in ("", "   ", "看看"):
        with pytest.raises(ValidationError) as exc:
            request_break_glass(user=world.psych, student=world.student_b1, reason=reason)
        assert exc.value.code == "reason_too_short"
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60])
def test_break_glass_is_time_limited(world, minutes):
    with pytest.raises(ValidationError):
        request_break_glass(user=world.psych, student=world.student_b1, reason=REASON, minutes=minutes)


@pytest.mark.parametrize("persona", ["class_teacher", "teacher", "guardian", "city_officer", "auditor"])
def test_a_role_without_clinical_work_cannot_break_the_glass(world, persona):
    with pytest.raises(PermissionDenied):
        request_break_glass(user=getattr(world, persona), student=world.student_b1, reason=REASON)
    assert not BreakGlassGrant.objects.exists()
    assert not AuditEvent.objects.exists()


def test_breaking_the_glass_is_audited_without_the_reason_text(world):
    g = request_break_glass(user=world.psych, student=world.student_b1, reason=REASON)
    event = AuditEvent.objects.get()
    assert (event.actor_id, event.action, event.student_id) == (
        world.psych.pk,
        "break_glass.grant",
        world.student_b1.pk,
    )
    assert (event.object_type, event.object_id) == ("access.breakglassgrant", str(g.pk))
    assert event.detail["minutes"] == 60
    assert "送医" not in event.reason + str(event.detail)  # the reason may be clinical: it stays encrypted


def test_a_grant_ends_when_it_expires_and_is_the_users_own(world):
    g = request_break_glass(user=world.psych, student=world.student_b1, reason=REASON, minutes=5)
    assert active_break_glass(world.leader, world.student_b1) is None
    assert active_break_glass(world.psych, world.student_c1) is None
    past = timezone.now() - dt.timedelta(hours=2)
    BreakGlassGrant.objects.filter(pk=g.pk).update(granted_at=past, expires_at=past + dt.timedelta(minutes=5))
    assert active_break_glass(world.psych, world.student_b1) is None


def test_the_school_leader_notice_hook_fires_once_the_grant_is_committed(
    world, django_capture_on_commit_callbacks
):
    received = []

    def handler(sender, grant, **kwargs):
        received.append(grant)

    break_glass_granted.connect(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            g = request_break_glass(user=world.psych, student=world.student_b1, reason=REASON)
            assert received == []
        assert received == [g]
    finally:
        break_glass_granted.disconnect(handler)
