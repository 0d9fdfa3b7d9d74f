"""Celery queues (issue 9, Deliver 2): alerts and escalations never wait behind imports or rollups."""

from __future__ import annotations

from django.conf import settings

from xinyu.celery import app


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_alert_e_mails_and_escalations_go_to_the_alerts_queue():
    assert queue_of("care.send_notification_emails") == "alerts"
    assert queue_of("care.escalate_alerts") == "alerts"


def test_roster_imports_go_to_the_bulk_queue_and_anything_else_to_default():
    assert queue_of("web.run_import_job") == "bulk"
    assert queue_of("xinyu.heartbeat") == "default"


def test_beat_runs_the_escalation_timer_and_a_heartbeat_on_every_queue():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["care-escalate-alerts"]["task"] == "care.escalate_alerts"
    beats = {entry["options"]["queue"] for entry in schedule.values() if entry["task"] == "xinyu.heartbeat"}
    assert beats == {"alerts", "default", "bulk"}


def test_only_alert_work_is_on_the_alerts_queue_and_every_task_has_a_worker():
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module, as a worker does
    routed = {name: queue_of(name) for name in app.tasks if not name.startswith("celery.")}
    assert set(routed.values()) <= {"alerts", "default", "bulk"}  # the queues the units' workers consume
    on_alerts = {name for name, queue in routed.items() if queue == "alerts"}
    assert on_alerts == {"care.send_notification_emails", "care.escalate_alerts"}
    assert routed["web.run_import_job"] == "bulk"
