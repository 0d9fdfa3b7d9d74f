"""What the guardian's copy registers with lower layers: the retention of its zips. Called in
``CareConfig.ready()``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from care.guardian_export.models import GuardianExport
from care.guardian_export.services import remove_file


def register() -> None:
    """The zips go after ``XINYU_RETENTION["guardian_exports"]`` (7 days): rows and files (a post_delete
    receiver removes the file of every deleted row)."""
    from django.db.models.signals import post_delete

    from access import retention

    post_delete.connect(
        lambda sender, instance, **kw: remove_file(instance),
        sender=GuardianExport,
        weak=False,
        dispatch_uid="care.guardian_export.services.remove_file",
    )
    retention.register(
        retention.Category(
            name="guardian_exports",
            label=gettext_lazy("Guardians' export zips"),
            basis=retention.CREATION,
            action=retention.DELETE,
            rows=lambda at: GuardianExport.objects.filter(created_at__lt=at),
        )
    )
