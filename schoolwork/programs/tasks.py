"""Background work of the school programs (Celery; eager in the embedded default). Re-exported by
``schoolwork.tasks``, which Celery's autodiscovery imports."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="schoolwork.remind_key_times")
def remind_key_times() -> int:
    """Key-time reminders (R3.3): Celery beat, hourly (idempotent, so the hour does not matter)."""
    from schoolwork.programs.services import send_key_time_reminders

    return send_key_time_reminders()
