"""Background work of the access app (Celery; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="access.purge_retention")
def purge_retention() -> int:
    """The retention schedule (PIPL; settings.XINYU_RETENTION), applied nightly by Celery beat: the same batches
    and audit events as ``manage.py purge``. Returns the rows deleted or anonymised."""
    from access import retention

    return sum(o.rows for o in retention.run(dry_run=False, batch=500, names=None))
