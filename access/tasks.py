"""Background work of the access app (Celery; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="access.purge_retention")
def purge_retention() -> int:
    """The retention schedule (PIPL; settings.XINYU_RETENTION), applied nightly by Celery beat: the same batches
    and audit events as ``manage.py purge``. Returns the rows deleted or anonymised."""
    from access import retention

    return sum(o.rows for o in retention.run(dry_run=False, batch=500, names=None))


@shared_task(name="access.audit_checkpoint")
def audit_checkpoint() -> bool:
    """Sign the audit chain's head and write it outside the database (Celery beat, every
    ``XINYU_AUDIT_CHECKPOINT_SECONDS``; access.checkpoint). True when a new checkpoint was written."""
    from access import checkpoint

    return checkpoint.write() is not None
