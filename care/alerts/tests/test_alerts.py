"""Alerts that cannot be lost (issue 3, deliverable 7): outbox in the caller's transaction, idempotent raise,
recipients, escalation on deadlines, acknowledgement, e-mail after commit only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import transaction

from access.models import AuditEvent
from care.alerts.services import acknowledge_alert, escalate_overdue, flush_outbox, raise_alert
from care.conftest import REASONS, T0
from care.models import Alert, AlertEvent, AlertStage, Channel, Notification
from conftest import school_day_at
from org.models import Post

MIN = dt.timedelta(minutes=1)


def _told(alert, stage):
    return {
        n.user.username
        for n in Notification.objects.filter(alert=alert, stage=stage, channel=Channel.IN_APP).select_related(
            "user"
        )
    }


@pytest.mark.django_db(transaction=True)
def test_an_alert_rolled_back_with_its_screening_leaves_nothing_behind_and_sends_nothing(people):
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_alert(
            student=people.student_a1, level="red", reasons=REASONS, source_type="screening.response",
            source_id="42",
        )  # fmt: skip
        assert Alert.objects.count() == 1 and Notification.objects.count() > 0
        raise RuntimeError("the screening submit failed after scoring")
    assert Alert.objects.count() == 0
    assert AlertEvent.objects.count() == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_the_psych_teacher_is_emailed_only_after_the_screening_commits(people, frozen_clock):
    frozen_clock(school_day_at(10))  # school time: the school route
    with transaction.atomic():
        alert = raise_alert(
            student=people.student_a1, level="red", reasons=REASONS, source_type="screening.response",
            source_id="43",
        )  # fmt: skip
        assert mail.outbox == [], "no e-mail may leave before the alert is committed"
    assert [m.to for m in mail.outbox] == [["psych@school.example"]]
    assert Notification.objects.get(alert=alert, channel=Channel.EMAIL).sent_at is not None
    assert people.student_a1.name not in mail.outbox[0].body + mail.outbox[0].subject


def test_a_red_alert_reaches_the_psych_teachers_of_the_school_and_of_the_students_campus(people, raise_red):
    east = raise_red(student=people.student_a2, source_id="east")
    main = raise_red(student=people.student_a1, source_id="main")
    assert _told(east, 0) == {"psych", "psych_east"}
    assert _told(main, 0) == {"psych"}
    assert main.stage == AlertStage.PSYCH_TEACHERS
    assert main.ack_deadline == T0 + 15 * MIN
    assert Notification.objects.filter(alert=main, channel=Channel.EMAIL).count() == 1


def test_yellow_raises_no_alert(people, raise_red):
    assert raise_red(level="yellow") is None
    assert raise_red(level="none", source_id="n") is None
    assert Alert.objects.count() == 0


def test_raising_again_for_the_same_source_returns_the_same_alert_and_writes_nothing(people, raise_red):
    first = raise_red(source_id="same")
    counts = (Notification.objects.count(), AlertEvent.objects.count(), AuditEvent.objects.count())
    again = raise_red(source_id="same", now=T0 + 5 * MIN)
    assert again.pk == first.pk
    assert (Notification.objects.count(), AlertEvent.objects.count(), AuditEvent.objects.count()) == counts


def test_an_unacknowledged_red_alert_climbs_to_the_leader_then_to_the_district(people, raise_red):
    alert = raise_red()
    assert escalate_overdue(now=T0 + 14 * MIN) == 0
    assert escalate_overdue(now=T0 + 15 * MIN + dt.timedelta(seconds=1)) == 1
    alert.refresh_from_db()
    assert alert.stage == AlertStage.SCHOOL_LEADER
    assert _told(alert, 1) == {"leader"}
    assert escalate_overdue(now=T0 + 16 * MIN) == 0, "the leader has a fresh 15 minutes"
    assert escalate_overdue(now=T0 + 31 * MIN) == 1
    alert.refresh_from_db()
    assert alert.stage == AlertStage.DISTRICT_CENTRE
    assert _told(alert, 2) == {"district_counselor"}
    assert escalate_overdue(now=T0 + 5 * 60 * MIN) == 0, "the district counseling centre is the last stage"
    kinds = list(alert.events.values_list("kind", "stage"))
    assert kinds == [
        ("raised", 0), ("notified", 0), ("escalated", 1), ("notified", 1), ("escalated", 2), ("notified", 2),
    ]  # fmt: skip
    assert (
        AuditEvent.objects.filter(action="care.alert.escalate", student_id=people.student_a1.pk).count() == 2
    )


def test_acknowledging_stops_the_escalation_and_is_audited(people, raise_red):
    alert = raise_red()
    acknowledge_alert(alert=alert, user=people.psych, now=T0 + 5 * MIN)
    assert escalate_overdue(now=T0 + 60 * MIN) == 0
    alert.refresh_from_db()
    assert alert.stage == 0 and alert.acknowledged_by == people.psych
    event = AuditEvent.objects.get(action="care.alert.acknowledge")
    assert event.actor_id == people.psych.pk and event.student_id == people.student_a1.pk
    assert alert.events.filter(kind="acknowledged", actor=people.psych).count() == 1
    # Acknowledging twice changes nothing and writes no second event.
    acknowledge_alert(alert=alert, user=people.leader)
    alert.refresh_from_db()
    assert alert.acknowledged_by == people.psych
    assert AuditEvent.objects.filter(action="care.alert.acknowledge").count() == 1


def test_a_class_teacher_can_never_acknowledge_an_alert(people, raise_red):
    alert = raise_red()
    with pytest.raises(PermissionDenied):
        acknowledge_alert(alert=alert, user=people.class_teacher)
    with pytest.raises(PermissionDenied):
        acknowledge_alert(alert=alert, user=people.psych_east)  # another campus's psych teacher
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_a_school_without_a_psych_teacher_starts_at_its_leader(people, raise_red):
    Post.objects.filter(user=people.psych).update(
        valid_to=dt.date(2020, 1, 1), valid_from=dt.date(2019, 1, 1)
    )
    alert = raise_red()
    assert alert.stage == AlertStage.SCHOOL_LEADER
    assert _told(alert, 1) == {"leader"}
    assert not Notification.objects.filter(alert=alert, stage=0).exists()


def test_a_school_without_psych_teacher_goes_to_the_district_centre_by_wall_clock(people, raise_red):
    """No psychological teacher at the school: no responder there even in school hours (issue 15), so the alert
    takes the off-hours route; with no counselor on duty it starts at the whole centre, due in 15 minutes."""
    alert = raise_red(student=people.student_b1, source_id="b1")
    assert alert.route == "off_hours"
    assert alert.stage == AlertStage.CENTRE_ALL
    assert _told(alert, AlertStage.CENTRE_ALL) == {"district_counselor"}
    assert alert.ack_deadline == T0 + 15 * MIN


def test_an_orange_alert_is_due_in_two_school_hours(people, raise_red):
    friday_4pm = T0.replace(day=13, hour=16)  # Friday 13 March 2026, 16:00
    alert = raise_red(level="orange", now=friday_4pm)
    # 1.5 h on Friday until 17:30, then 30 min on Monday from 08:00.
    assert alert.ack_deadline == T0.replace(day=16, hour=8, minute=30)


def test_the_escalation_command_is_idempotent(people, raise_red, frozen_clock):
    t = school_day_at(10)  # school time: the school route
    frozen_clock(t + 20 * MIN)
    alert = raise_red(now=t)
    call_command("escalate_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("escalate_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    alert.refresh_from_db()
    assert alert.stage == AlertStage.SCHOOL_LEADER
    assert alert.events.filter(kind="escalated").count() == 1
    assert Notification.objects.filter(alert=alert, stage=1).count() == 2  # the leader: in-app and e-mail


def test_an_email_left_unsent_is_sent_by_the_timer_once(people, raise_red):
    # Inside the test's transaction nothing commits, so the e-mail rows stay unsent like after a broker outage.
    alert = raise_red()
    assert mail.outbox == []
    later = Notification.objects.get(alert=alert, channel=Channel.EMAIL).created_at + 2 * MIN
    assert flush_outbox(now=later) == 1
    assert flush_outbox(now=later) == 0
    assert [m.to for m in mail.outbox] == [["psych@school.example"]]


def test_an_email_whose_worker_died_mid_send_is_sent_again_once_its_claim_lapses(people, raise_red):
    """A worker claimed the row and was killed (SIGKILL) before the mail server took it: the row is still unsent,
    the relay leaves it alone while the claim is fresh (a live worker may be sending) and sends it after."""
    alert = raise_red()
    row = Notification.objects.get(alert=alert, channel=Channel.EMAIL)
    claimed = row.created_at + 2 * MIN
    Notification.objects.filter(pk=row.pk).update(claimed_at=claimed)  # the dead worker's claim
    assert flush_outbox(now=claimed + MIN) == 0  # within the lease
    assert flush_outbox(now=claimed + 6 * MIN) == 1
    row.refresh_from_db()
    assert row.sent_at is not None and [m.to for m in mail.outbox] == [["psych@school.example"]]


def test_a_failed_send_releases_its_claim_for_the_next_try(people, raise_red, monkeypatch):
    import care.channels.email

    alert = raise_red()
    row = Notification.objects.get(alert=alert, channel=Channel.EMAIL)
    later = row.created_at + 2 * MIN

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(care.channels.email, "send_mail", refuse)
    assert flush_outbox(now=later) == 0
    row.refresh_from_db()
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 1)
    monkeypatch.undo()
    assert flush_outbox(now=later) == 1


def _run_timer(now, results: list, errors: list, barrier) -> None:
    from django.db import connections

    try:
        barrier.wait()
        results.append(escalate_overdue(now=now))
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_two_timers_at_once_escalate_each_alert_once(people):
    """On PostgreSQL two timers run in parallel threads (one connection each; rows locked with SKIP LOCKED).
    SQLite's in-memory test database cannot be shared by threads, so there they run one after the other."""
    import threading

    from django.db import connection

    alerts = [
        raise_alert(
            student=s,
            level="red",
            reasons=REASONS,
            source_type="screening.response",
            source_id=f"c{i}",
            now=T0,
        )
        for i, s in enumerate([people.student_a1, people.student_a1b, people.student_a2] * 4)
    ]
    later = T0 + 16 * MIN
    results: list[int] = []
    if connection.vendor == "postgresql":
        errors: list[Exception] = []
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=_run_timer, args=(later, results, errors, barrier)) for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    else:
        results = [escalate_overdue(now=later), escalate_overdue(now=later)]
    assert sum(results) == len(alerts)
    assert set(Alert.objects.values_list("stage", flat=True)) == {AlertStage.SCHOOL_LEADER}
    assert AlertEvent.objects.filter(kind="escalated").count() == len(alerts)
    assert Notification.objects.filter(stage=1, channel=Channel.IN_APP).count() == len(alerts)


def test_celery_beat_runs_the_escalation_task_every_minute(people, raise_red, settings, frozen_clock):
    from care.alerts.tasks import escalate_alerts
    from xinyu.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["care-escalate-alerts"]
    assert entry["task"] in app.tasks and entry["schedule"] == 60.0
    t = school_day_at(10)  # school time: the school route
    frozen_clock(t + 16 * MIN)
    alert = raise_red(now=t)
    assert escalate_alerts.delay().get() == 1  # eager in the embedded default and in tests
    alert.refresh_from_db()
    assert alert.stage == AlertStage.SCHOOL_LEADER
