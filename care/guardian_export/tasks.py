"""Background work of the guardian's copy (Celery)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="care.build_guardian_export", acks_late=True)
def build_guardian_export(export_id: int) -> int:
    """A guardian's copy of their child's records: build the zip, tell the guardian."""
    from care.guardian_export import services

    export = services.build(export_id)
    return export.size if export is not None else 0
