"""Session records (辅导记录): the risk judgement opens a case, notes are T4 (the author only), breaking
confidentiality starts the crisis protocol (issue 5 item 2, R4.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from access.services import request_break_glass
from access.tiers import Tier
from care.file.timeline import Filters, gather
from care.models import Alert, Case, LevelRecord
from counseling.rooms import selectors, services
from counseling.rooms.models import AppointmentStatus, ConfidentialityBreak, CounselingSession
from counseling.rooms.services import CounselingError
from counseling.rooms.tests.room_helpers import make_room, make_slot, tomorrow_at
from org.models import Post, Role, User

pytestmark = pytest.mark.django_db

NOTES = "她说最近每晚都失眠，担心父母离婚"


def _session(world, *, by=None, student=None, risk="none", notes=NOTES, **kw):
    defaults = dict(
        started_at=timezone.now() - dt.timedelta(hours=1), duration_minutes=40, kind="individual",
        topics=["family", "emotion"], risk_level=risk, next_step="follow_up", notes=notes,
    )  # fmt: skip
    defaults.update(kw)
    return services.record_session(by=by or world.psych, student=student or world.student_a1, **defaults)


@pytest.fixture
def second_psych(world) -> User:
    """A second psychological teacher of school A (whole school, like psych)."""
    u = User.objects.create(username="psych2", display_name="第二位心理老师")
    Post.objects.create(user=u, role=Role.PSYCH_TEACHER, node=world.school_a, full_time=True)
    return u


def test_recording_the_session_of_a_confirmed_appointment_marks_it_attended(world):
    room = make_room(world.campus_a_main)
    appt = services.book(
        by=world.student, student=world.student_a1, slot=make_slot(room, world.psych, tomorrow_at(10))
    )
    services.confirm(by=world.psych, appointment=appt)
    session = services.record_session(
        by=world.psych, appointment=appt, started_at=timezone.now(), duration_minutes=40, kind="individual",
        topics=["study"], risk_level="none", next_step="none", notes="",
    )  # fmt: skip
    appt.refresh_from_db()
    assert (
        appt.status == AppointmentStatus.ATTENDED
        and session.room == room
        and session.student == world.student_a1
    )


def test_notes_are_encrypted_at_rest(world):
    session = _session(world)
    with connection.cursor() as cur:
        cur.execute("SELECT notes FROM counseling_counselingsession WHERE id = %s", [session.pk])
        raw = cur.fetchone()[0]
    assert NOTES not in raw and raw.startswith("x1:")


def test_a_red_or_orange_judgement_opens_the_case_or_raises_it(world):
    _session(world, risk="yellow")
    assert not Case.objects.exists()
    first = _session(world, risk="orange")
    case = Case.objects.get()
    assert case.level == "orange" and case.source_type == "counseling" and case.source_id == str(first.pk)
    _session(world, risk="red")
    assert Case.objects.get().level == "red"


def test_a_bad_session_record_is_refused_with_a_message_and_nothing_is_written(world):
    with pytest.raises(CounselingError, match="主题"):
        _session(world, topics=["astrology"])
    with pytest.raises(CounselingError, match="5到480分钟"):
        _session(world, duration_minutes=600)
    assert not CounselingSession.objects.exists()


def test_only_a_psychological_teacher_who_sees_the_student_records_a_session(world):
    with pytest.raises(PermissionDenied):
        _session(world, by=world.psych_east)  # student_a1 is on the main campus
    with pytest.raises(PermissionDenied):
        _session(world, by=world.leader)


def test_the_author_reads_the_notes_and_the_reading_is_audited(world, login):
    session = _session(world)
    response = login(world.psych).get(reverse("counseling:room_session_notes", args=[session.pk]))
    assert response.status_code == 200 and NOTES in response.content.decode()
    event = AuditEvent.objects.get(action="counseling.session.notes.view")
    assert event.detail["via"] == "author" and NOTES not in str(event.detail)


def test_the_notes_are_unreadable_to_a_second_psychological_teacher_and_the_attempt_is_audited(
    world, login, second_psych
):
    session = _session(world)
    client = login(second_psych)
    page = client.get(reverse("counseling:room_session", args=[session.pk]))
    assert page.status_code == 200 and NOTES not in page.content.decode()  # the record, not the notes
    assert client.get(reverse("counseling:room_session_notes", args=[session.pk])).status_code == 403
    event = AuditEvent.objects.get(action="counseling.session.notes.refused")
    assert event.actor_id == second_psych.pk and event.student_id == world.student_a1.pk


def test_the_notes_are_unreadable_to_the_school_leader_and_the_attempt_is_audited(world, login):
    session = _session(world)
    response = login(world.leader).get(reverse("counseling:room_session_notes", args=[session.pk]))
    assert response.status_code == 404  # the leader does not see this (not red/orange) student's records
    assert (
        AuditEvent.objects.filter(action="counseling.session.notes.refused", actor=world.leader).count() == 1
    )
    with pytest.raises(PermissionDenied):
        selectors.session_notes(world.leader, session)


def test_a_break_glass_grant_in_force_opens_the_notes_and_says_so_in_the_audit(world, second_psych):
    session = _session(world)
    request_break_glass(
        user=second_psych, student=world.student_a1, reason="作者休假，学生出现紧急情况需了解背景"
    )
    assert selectors.session_notes(second_psych, session) == NOTES
    assert AuditEvent.objects.get(action="counseling.session.notes.view").detail["via"] == "break_glass"


def test_breaking_confidentiality_is_recorded_and_starts_the_crisis_protocol(world, login):
    session = _session(world, risk="orange")
    response = login(world.psych).post(
        reverse("counseling:room_session_break", args=[session.pk]),
        {
            "harm_to": "self",
            "reason": "学生说已准备好药物，计划本周末",
            "told": ["guardian", "school_leader"],
        },
    )
    assert response.status_code == 302
    brk = ConfidentialityBreak.objects.get()
    assert brk.by == world.psych and brk.told == ["guardian", "school_leader"]
    assert Case.objects.get(student=world.student_a1).level == "red"
    alert = Alert.objects.get(source_type="counseling.session")
    assert alert.level == "red" and brk.alert_id == alert.pk
    assert LevelRecord.objects.get(student=world.student_a1, is_current=True).level == "red"
    event = AuditEvent.objects.get(action="counseling.session.break")
    assert "药物" not in str(event.detail)


def test_only_the_author_breaks_confidentiality_and_a_bad_request_changes_nothing(world, second_psych):
    session = _session(world)
    with pytest.raises(PermissionDenied):
        services.break_confidentiality(
            by=second_psych, session=session, harm_to="self", reason="x" * 20, told=["guardian"]
        )
    with pytest.raises(CounselingError):
        services.break_confidentiality(
            by=world.psych, session=session, harm_to="self", reason="short", told=[]
        )
    assert not ConfidentialityBreak.objects.exists() and not Alert.objects.exists()


def test_the_student_file_shows_sessions_as_date_and_counselor_only(world):
    _session(world)
    entries = [e for e in gather(world.psych, world.student_a1, Tier.T3, Filters()) if e.kind == "counseling"]
    assert len(entries) == 1 and entries[0].summary == str(world.psych)
    assert NOTES not in str(entries[0])
    assert not [
        e for e in gather(world.class_teacher, world.student_a1, Tier.T2, Filters()) if e.kind == "counseling"
    ]


def test_a_group_session_names_no_student(world, login):
    response = login(world.psych).post(
        reverse("counseling:room_session_new"),
        {"kind": "group", "started_at": "2020-01-06T10:00", "duration_minutes": "45", "topics": ["peers"],
         "risk_level": "none", "next_step": "none", "group_size": "12", "key": "g1"},
    )  # fmt: skip
    assert response.status_code == 302
    session = CounselingSession.objects.get()
    assert session.student is None and session.group_size == 12 and session.school == world.school_a
