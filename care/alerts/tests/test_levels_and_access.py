"""Confirmed levels with their history (issue 3, deliverable 8) and who sees levels and alerts (DESIGN.md,
Access: the district counselor sees escalated students only; the leader sees red/orange students at T3; a class
teacher never sees an alert)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from access.models import AuditEvent
from access.policy import visible_students
from access.tiers import Tier
from care.alerts.selectors import alerts_for, current_level, level_history
from care.alerts.services import confirm_level, escalate_overdue
from care.conftest import T0
from care.models import LevelRecord

MIN = dt.timedelta(minutes=1)


def _confirm(world, level, student=None, by=None, source_id="1", now=None):
    return confirm_level(
        student=student or world.student_a1, level=level, by=by or world.psych, reason="谈话后确认",
        source_type="screening.review", source_id=source_id, now=now,
    )  # fmt: skip


def test_a_confirmed_level_becomes_current_and_the_old_one_stays_in_the_history(world):
    first = _confirm(world, "orange", now=T0)
    second = _confirm(world, "red", source_id="2", now=T0 + 60 * MIN)
    assert current_level(world.student_a1).pk == second.pk
    history = list(level_history(world.psych, world.student_a1))
    assert [r.level for r in history] == ["red", "orange"]
    assert LevelRecord.objects.filter(student=world.student_a1, is_current=True).count() == 1
    first.refresh_from_db()
    assert not first.is_current and first.school == world.school_a
    assert second.note == "谈话后确认"
    assert AuditEvent.objects.filter(action="care.level.confirm", student_id=world.student_a1.pk).count() == 2


def test_the_database_refuses_a_second_current_level(world):
    _confirm(world, "yellow")
    with pytest.raises(IntegrityError), transaction.atomic():
        LevelRecord.objects.create(
            student=world.student_a1, level="red", source_type="x", confirmed_at=T0, is_current=True
        )


def test_the_confirmers_note_is_encrypted_at_rest(world):
    from django.db import connection

    record = _confirm(world, "orange")
    with connection.cursor() as cur:
        cur.execute("SELECT note, reasons FROM care_levelrecord WHERE id = %s", [record.pk])
        note, reasons = cur.fetchone()
    assert "谈话" not in note and note.startswith("x1:")
    assert reasons.startswith("x1:")


def test_only_a_psych_teacher_or_escalated_counselor_confirms_a_level(world):
    for persona in ("class_teacher", "leader", "teacher", "psych_east", "district_counselor"):
        with pytest.raises(PermissionDenied):
            _confirm(world, "red", by=getattr(world, persona))
    assert LevelRecord.objects.count() == 0


def test_a_class_teacher_sees_the_level_colour_but_not_the_history(world):
    _confirm(world, "orange")
    assert visible_students(world.class_teacher, Tier.T2).filter(pk=world.student_a1.pk).exists()
    assert list(level_history(world.class_teacher, world.student_a1)) == []


def test_a_school_leader_sees_a_red_students_level_but_never_the_psychological_teachers_note(world, login):
    """Issue 19 finding 5: the leader read the triage note in the level history on the student page, while the
    file page told the same leader that reasons are for psychological teachers only."""
    from django.urls import reverse

    _confirm(world, "red")
    assert (
        visible_students(world.leader, Tier.T3).filter(pk=world.student_a1.pk).exists()
    )  # name, level, status
    assert list(level_history(world.leader, world.student_a1)) == []
    page = login(world.leader).get(reverse("org:student_detail", kwargs={"pk": world.student_a1.pk}))
    body = page.content.decode()
    assert page.status_code == 200 and "level-history" not in body and "谈话后确认" not in body
    assert "原因仅心理教师可见" in body or "reasons stay with the psychological teacher" in body
    # … while the psychological teacher reads it there.
    mine = login(world.psych).get(reverse("org:student_detail", kwargs={"pk": world.student_a1.pk}))
    assert "谈话后确认" in mine.content.decode()


def test_a_class_teacher_never_sees_an_alert(world, raise_red):
    raise_red()
    assert list(alerts_for(world.class_teacher)) == []
    assert list(alerts_for(world.teacher)) == []
    assert list(alerts_for(world.district_officer)) == []
    assert [a.student_id for a in alerts_for(world.psych)] == [world.student_a1.pk]


def test_the_district_counselor_sees_a_student_only_after_escalation(world, raise_red):
    alert = raise_red()
    counselor = world.district_counselor
    assert not visible_students(counselor, Tier.T3).exists()
    assert list(alerts_for(counselor)) == []
    escalate_overdue(now=T0 + 16 * MIN)  # → leader
    assert not visible_students(counselor, Tier.T3).exists()
    escalate_overdue(now=T0 + 32 * MIN)  # → district counseling centre
    assert list(visible_students(counselor, Tier.T3)) == [world.student_a1]
    assert [a.pk for a in alerts_for(counselor)] == [alert.pk]
    # The other district's officer and students of other schools stay out of sight.
    assert list(visible_students(counselor, Tier.T1)) == [world.student_a1]


def test_the_leader_sees_only_red_and_orange_students_at_t3(world, raise_red):
    leader = world.leader
    assert not visible_students(leader, Tier.T3).exists()
    raise_red()  # student_a1: an open red alert
    _confirm(world, "orange", student=world.student_a1b)
    _confirm(world, "yellow", student=world.student_a2, source_id="3")
    seen = set(visible_students(leader, Tier.T3).values_list("pk", flat=True))
    assert seen == {world.student_a1.pk, world.student_a1b.pk}
    # A confirmed level lowered to yellow takes the student out of the leader's clinical view.
    _confirm(world, "yellow", student=world.student_a1b, source_id="4")
    assert not visible_students(leader, Tier.T3).filter(pk=world.student_a1b.pk).exists()


def test_a_district_override_shortens_the_red_deadline(world, raise_red, settings):
    settings.XINYU_ALERT_DEADLINES_BY_DISTRICT = {"110108": {"red": {"minutes": 5, "clock": "wall"}}}
    alert = raise_red()
    assert alert.ack_deadline == T0 + 5 * MIN
    other = raise_red(student=world.student_c1, source_id="c1")  # 朝阳: the default
    assert other.ack_deadline == T0 + 15 * MIN
