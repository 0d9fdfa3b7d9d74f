"""Background work of the foundation pages (Celery; eager in the embedded default, see xinyu/celery.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="web.run_import_job", acks_late=True)
def run_import_job(job_id: int, language: str | None = None) -> str:
    """Run one roster import (名册导入); progress is in the cache while it runs. Returns the final status."""
    from xinyu.web.roster.services import run_job

    return run_job(job_id, language=language).status
