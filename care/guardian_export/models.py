"""个人信息副本 — a guardian's copy of their child's records (issue 8 item 6, PIPL Art. 45)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Student


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")


class GuardianExport(models.Model):
    """个人信息副本 — a guardian's copy of their child's records (PIPL Art. 45): a zip built by a task, downloadable
    by the guardian who asked, until ``expires_at``; the file and the row go after the retention period
    (``guardian_exports``, 7 days). Contents: care.guardian_export.services's registered sections, nothing above T1 except
    what the campaign or the family's own records let a guardian see."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"))
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("link valid until"))
    file = models.CharField(max_length=200, blank=True)  # under MEDIA_ROOT/exports, never served directly
    size = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("guardian export")
        verbose_name_plural = _("guardian exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="care_export_by_user")]

    def __str__(self) -> str:
        return f"export {self.pk}"
