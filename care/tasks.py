"""Background work of the care app (Celery; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="care.send_notification_emails", acks_late=True)
def send_notification_emails(ids: list[int]) -> int:
    """Send outside notifications (e-mail, SMS, 企业微信) after the transaction that wrote them committed (queued by
    ``transaction.on_commit``; the name is of issue 3)."""
    from care.alerts.services import send_emails

    return send_emails(ids)


@shared_task(name="care.escalate_alerts")
def escalate_alerts() -> int:
    """The escalation timer (Celery beat, every minute in production; see settings CELERY_BEAT_SCHEDULE)."""
    from care.alerts.services import escalate_overdue, flush_outbox
    from care.alerts.timers import run_registered
    from care.cases.services import run_timers

    moved = escalate_overdue()
    run_timers()  # late report triage, missed crisis steps, follow-up reminders (issue 4)
    run_registered()  # higher apps' timers, e.g. unanswered crisis messages of the district centre (R4.2)
    flush_outbox()
    return moved


# --- Plans (plans) ----------------------------------------------------------------------------------------------


@shared_task(name="care.send_task_reminders")
def send_task_reminders() -> int:
    """Reminders of plan actions due soon or overdue, each once (Celery beat, hourly; settings)."""
    from care.plans.services import send_task_reminders as remind

    return remind()


@shared_task(name="care.build_guardian_export", acks_late=True)
def build_guardian_export(export_id: int) -> int:
    """A guardian's copy of their child's records (care.guardian_export.services): build the zip, tell the guardian."""
    from care.guardian_export import services as guardian_export

    export = guardian_export.build(export_id)
    return export.size if export is not None else 0
