"""Background work of alerts and notifications (Celery; eager in the embedded default)."""

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
