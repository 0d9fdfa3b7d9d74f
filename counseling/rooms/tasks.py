"""Background work of the counseling room (Celery; eager in the embedded default). Re-exported by
``counseling.tasks``, which Celery's autodiscovery imports."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="counseling.remind_appointments")
def remind_appointments() -> int:
    """Appointment reminders (R4.3): Celery beat, every 15 minutes; each appointment is reminded once. The
    rooms' slots are kept open four weeks ahead on the same beat (idempotent)."""
    from counseling.rooms.services import open_coming_slots, send_reminders

    open_coming_slots()
    return send_reminders()
