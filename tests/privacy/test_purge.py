"""The retention schedule and `manage.py purge` (issue 8 item 6; docs/privacy.md): with a student who left four
years ago and one still at school, a dry run counts and changes nothing; a real run deletes or anonymises only
what is past its period, in batches, once (a second run finds nothing), writes one audit event per category and
never touches an audit entry; results and session records (the aggregates) stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import AuditEvent
from org.models import EnrollmentStatus, SchoolYear

LONG_AGO = dt.timedelta(days=4 * 365 + 30)


def _left_four_years_ago(world):
    today = timezone.localdate()
    old_year = SchoolYear.objects.create(
        start_year=today.year - 5,
        starts_on=dt.date(today.year - 5, 9, 1),
        ends_on=dt.date(today.year - 4, 8, 31),
    )
    world.student_c1.enrollments.update(
        status=EnrollmentStatus.GRADUATED, school_year=old_year, ended_on=today - LONG_AGO
    )
    return world.student_c1


def _screening(world, student, school, cls, marker: int):
    from screening.models import Answer, Assignment, Campaign, Response, Result

    now = timezone.now()
    campaign = Campaign.objects.create(
        organiser=school.parent, school_year=world.year, name=f"c{marker}", starts_at=now - LONG_AGO,
        ends_at=now - LONG_AGO + dt.timedelta(days=7), status="closed",
    )  # fmt: skip
    a = Assignment.objects.create(
        campaign=campaign, student=student, school=school, school_class=cls, grade=7
    )
    r = Response.objects.create(
        assignment=a, instrument_id="gad-7", instrument_version="1.0", status="submitted"
    )
    for i in range(1, 8):
        Answer.objects.create(response=r, item_id=f"q{i}", value=1)
    Result.objects.create(
        response=r, instrument_id="gad-7", instrument_version="1.0", valid=True, scores={"total": 7}
    )


def _counseling(world, student, school, counselor, when):
    from counseling.centre.models import HotlineCall, Message, OnlineLine, OnlineSession
    from counseling.rooms.models import CounselingSession

    tag = student.pk
    CounselingSession.objects.create(
        school=school, student=student, counselor=counselor, started_at=when, duration_minutes=40,
        kind="individual", topics=["study"], risk_level="none", next_step="none", notes="她说起家里的事",
        created_at=when,
    )  # fmt: skip
    Message.objects.create(
        district=school.parent, student=student, body="留言", submit_key=f"purge-msg-{tag}", created_at=when,
        reply_due=when + dt.timedelta(hours=12),
    )  # fmt: skip
    online = OnlineSession.objects.create(
        district=school.parent, student=student, requested_at=when, status="closed", ended_at=when
    )
    OnlineLine.objects.create(session=online, from_student=True, body="我睡不着", at=when)
    HotlineCall.objects.create(
        district=school.parent, taken_by=world.district_counselor, started_at=when, duration_minutes=10,
        caller_type="student", topic="study", outcome="supported", summary="来电摘要", student=student,
        submit_key=f"purge-call-{tag}", created_at=when,
    )  # fmt: skip


@pytest.fixture
def records(world):
    left = _left_four_years_ago(world)
    long_ago = timezone.now() - LONG_AGO
    _screening(world, left, world.school_c, world.c1, 1)
    _screening(world, world.student_a1, world.school_a, world.a1, 2)
    _counseling(world, left, world.school_c, world.psych, long_ago)
    _counseling(world, world.student_a1, world.school_a, world.psych, timezone.now() - dt.timedelta(days=30))
    return left


def _counts():
    from counseling.centre.models import HotlineCall, Message, OnlineLine
    from counseling.rooms.models import CounselingSession
    from screening.models import Answer, Result

    return {
        "answers": Answer.objects.count(),
        "results": Result.objects.count(),
        "sessions": CounselingSession.objects.count(),
        "sessions_with_notes": sum(1 for s in CounselingSession.objects.all() if s.notes),
        "messages": Message.objects.count(),
        "lines": OnlineLine.objects.count(),
        "calls": HotlineCall.objects.count(),
        "calls_naming_a_student": HotlineCall.objects.filter(student__isnull=False).count(),
    }


def test_a_dry_run_counts_per_category_and_changes_nothing(records, capsys):
    before, audit_before = _counts(), AuditEvent.objects.count()
    call_command("purge", dry_run=True)
    out = capsys.readouterr().out
    assert "screening_answers: would delete 7 rows" in out
    assert "centre_messages: would delete 1 rows" in out
    assert "online_chat_transcripts: would delete 1 rows" in out
    # Session notes and hotline logs are kept 5 years by default: not yet.
    assert "counseling_session_notes: would anonymise 0 rows" in out
    assert "hotline_logs: would anonymise 0 rows" in out
    assert "nothing was changed" in out
    assert _counts() == before
    assert AuditEvent.objects.count() == audit_before


def test_a_real_run_removes_what_is_past_its_period_once_and_audits_each_category(records, capsys, settings):
    from counseling.centre.models import HotlineCall
    from counseling.rooms.models import CounselingSession
    from screening.models import Answer

    # A district that keeps session notes and hotline logs 3 years (not the default 5): all five categories apply.
    settings.XINYU_RETENTION = {
        **settings.XINYU_RETENTION,
        "counseling_session_notes": {"years": 3, "after": "leaving"},
        "hotline_logs": {"years": 3, "after": "creation"},
    }
    before = _counts()
    audit_seqs = set(AuditEvent.objects.values_list("seq", flat=True))
    call_command("purge", batch=2)  # small batches: several transactions per category
    after = _counts()
    assert after["answers"] == before["answers"] - 7
    assert not Answer.objects.filter(response__assignment__student=records).exists()
    assert Answer.objects.filter(response__assignment__student__name="李小明").count() == 7
    assert after["results"] == before["results"]  # aggregates keep their rows
    assert after["sessions"] == before["sessions"]  # workload keeps the session …
    assert after["sessions_with_notes"] == before["sessions_with_notes"] - 1  # … without its notes
    assert CounselingSession.objects.get(student=records).notes == ""
    assert after["messages"] == before["messages"] - 1 and after["lines"] == before["lines"] - 1
    old_call = HotlineCall.objects.get(submit_key=f"purge-call-{records.pk}")
    assert (old_call.summary, old_call.student_id) == ("", None)
    assert after["calls"] == before["calls"]

    # Audit: nothing deleted, one event per category with its count.
    assert audit_seqs <= set(AuditEvent.objects.values_list("seq", flat=True))
    events = {e.detail["category"]: e.detail for e in AuditEvent.objects.filter(action="privacy.purge")}
    assert events["screening_answers"]["rows"] == 7
    assert events["counseling_session_notes"]["rows"] == 1 and events["hotline_logs"]["rows"] == 1
    call_command("audit_verify")

    # Idempotent: a second run finds nothing more.
    capsys.readouterr()
    call_command("purge")
    out = capsys.readouterr().out
    assert "screening_answers: deleted 0 rows" in out and "hotline_logs: anonymised 0 rows" in out
    assert _counts() == after


def test_a_category_left_out_of_the_schedule_is_kept(records, settings, capsys):
    settings.XINYU_RETENTION = {"centre_messages": {"years": 3, "after": "creation"}}
    before = _counts()
    call_command("purge")
    out = capsys.readouterr().out
    assert "screening_answers: not in XINYU_RETENTION, kept" in out
    after = _counts()
    assert after["answers"] == before["answers"] and after["messages"] == before["messages"] - 1


def test_a_student_who_left_recently_keeps_their_answers(world, records, settings):
    from screening.models import Answer

    settings.XINYU_RETENTION = {"screening_answers": {"years": 5, "after": "leaving"}}
    call_command("purge")
    assert Answer.objects.filter(response__assignment__student=records).count() == 7


def test_a_schedule_counting_from_the_wrong_event_is_refused(records, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.XINYU_RETENTION = {"centre_messages": {"years": 3, "after": "leaving"}}
    with pytest.raises(ImproperlyConfigured):
        call_command("purge", dry_run=True)


def test_the_nightly_task_deletes_the_answers_of_a_student_who_left_long_ago(records, settings):
    """Celery beat applies the retention schedule every night on the bulk queue (the task runs eagerly here):
    the left student's answers go, the student still at school keeps theirs."""
    from access.tasks import purge_retention
    from screening.models import Answer

    assert settings.CELERY_BEAT_SCHEDULE["access-purge-retention"]["task"] == "access.purge_retention"
    assert settings.CELERY_TASK_ROUTES["access.purge_retention"] == {"queue": "bulk"}
    assert purge_retention.delay().get() >= 7
    assert not Answer.objects.filter(response__assignment__student=records).exists()
    assert Answer.objects.filter(response__assignment__student__name="李小明").count() == 7
