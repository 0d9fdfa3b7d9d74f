"""Background work of the counseling app (Celery; autodiscovered as ``counseling.tasks``)."""

from __future__ import annotations

from celery import shared_task

# The school counseling room's tasks live in counseling/rooms/tasks.py; importing them here lets Celery's
# autodiscovery (which looks for ``<app>.tasks``) register them too.
from counseling.rooms import tasks as _room_tasks  # noqa: F401


@shared_task(name="counseling.remind_overdue_messages")
def remind_overdue_messages() -> int:
    """24-hour messages past their first-reply deadline (Celery beat, every 5 minutes; idempotent)."""
    from counseling.centre.services import remind_overdue_messages as remind

    return remind()
