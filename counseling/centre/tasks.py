"""Background work of the district centre (Celery; eager in the embedded default). Re-exported by
``counseling.tasks``, which Celery's autodiscovery imports."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="counseling.remind_overdue_messages")
def remind_overdue_messages() -> int:
    """24-hour messages past their first-reply deadline (Celery beat, every 5 minutes; idempotent)."""
    from counseling.centre.services import remind_overdue_messages as remind

    return remind()


@shared_task(name="counseling.audit_anonymous_digest")
def audit_anonymous_digest() -> bool:
    """The hourly digest of what anonymous senders did (issue 19 finding 8; Celery beat, hourly; idempotent)."""
    from counseling.centre.services import audit_anonymous_digest as digest

    return digest() is not None
