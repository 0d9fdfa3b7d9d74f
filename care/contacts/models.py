"""家校联系 — contacts with the guardians of a case's student (issue 4 item 6; R12 joint prevention with parents)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.cases.models import Case


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("Meeting at school")
    HOME_VISIT = "home_visit", _("Home visit")
    MESSAGE = "message", _("Message")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


class GuardianContact(models.Model):
    """家校联系 — one contact with a student's guardians about a case: channel, time, who, outcome (R12).
    "Contact the parents promptly" is met by the first contact that reached them before the level's deadline."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="guardian_contacts")
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    guardian_name = models.CharField(_("guardian contacted"), max_length=50)
    reached = models.BooleanField(_("reached"), default=True)
    outcome = EncryptedTextField(_("outcome"), blank=True, default="")  # T3, encrypted
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("guardian contact")
        verbose_name_plural = _("guardian contacts")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"], name="care_contact_case")]

    def __str__(self) -> str:
        return f"contact {self.pk} of case {self.case_id}"
