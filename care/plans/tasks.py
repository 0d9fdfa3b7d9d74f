"""Background work of plans (Celery)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="care.send_task_reminders")
def send_task_reminders() -> int:
    """Reminders of plan actions due soon or overdue, each once (Celery beat, hourly; settings)."""
    from care.plans.services import send_task_reminders as remind

    return remind()
