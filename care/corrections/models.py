"""更正 — requests to correct identity and contact data (PIPL Art. 46)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Student


class CorrectionField(models.TextChoices):
    STUDENT_NAME = "student_name", _("Student's name")
    STUDENT_GENDER = "student_gender", _("Student's gender")
    STUDENT_BIRTH_DATE = "student_birth_date", _("Student's birth date")
    GUARDIAN_NAME = "guardian_name", _("My name (guardian)")
    GUARDIAN_PHONE = "guardian_phone", _("My mobile phone (guardian)")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPLIED = "applied", _("Corrected")
    REFUSED = "refused", _("Refused")


class CorrectionRequest(models.Model):
    """更正请求 — a guardian (or a student of 14 or more) asks to correct identity or contact data (PIPL Art. 46);
    the school leader or psychological teacher applies it or refuses it with a reason. Both are told."""

    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    guardian = models.ForeignKey("org.Guardian", models.CASCADE, null=True, blank=True, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    field = models.CharField(_("what"), max_length=20, choices=CorrectionField.choices)
    old_value = models.CharField(_("recorded value"), max_length=100)
    new_value = models.CharField(_("correct value"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    created_at = models.DateTimeField(_("asked on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "status"], name="care_correction_student")]

    def __str__(self) -> str:
        return f"correction {self.pk}"
