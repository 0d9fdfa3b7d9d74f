"""学生异常情况报告 — abnormality reports: any staff member reports what they saw; the psychological teacher
triages (issue 4; R2.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.cases.models import Case
from org.models import Node, Student


class ReportCategory(models.TextChoices):
    EMOTION = "emotion", _("Emotion")
    BEHAVIOUR = "behaviour", _("Behaviour")
    SELF_HARM = "self_harm", _("Signs of self-harm")
    RESULTS_DROP = "results_drop", _("Sharp drop in results")
    LIFE_EVENT = "life_event", _("Major life event")
    BULLYING = "bullying", _("Bullying")
    FAMILY = "family", _("Family change")
    PHYSICAL = "physical", _("Physical complaint")
    OTHER = "other", _("Other")


class ReportUrgency(models.TextChoices):
    URGENT = "urgent", _("Urgent: possible danger now")
    HIGH = "high", _("Today")
    NORMAL = "normal", _("This week")


class TriageOutcome(models.TextChoices):
    NO_ACTION = "no_action", _("No action")
    WATCH = "watch", _("Watch")
    CASE = "case", _("Open a case")


class AbnormalityReport(models.Model):
    """学生异常情况报告 — a staff member's report of a student's abnormal state (R2.3). The class teacher and the
    psychological teachers are told at once; a psychological teacher triages it within a deadline set by its
    urgency. The reporter sees "received" or "handled", never the outcome."""

    student = models.ForeignKey(Student, models.PROTECT, related_name="abnormality_reports")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="abnormality_reports"
    )
    key = models.CharField(max_length=64)  # idempotent submit: one report per (reporter, key)
    category = models.CharField(_("category"), max_length=16, choices=ReportCategory.choices)
    observed = EncryptedTextField(_("what you saw"))  # T3, encrypted
    urgency = models.CharField(_("urgency"), max_length=8, choices=ReportUrgency.choices)
    reported_at = models.DateTimeField(_("reported at"))
    triage_deadline = models.DateTimeField(_("triage by"))
    escalated_at = models.DateTimeField(_("escalated to the school leader at"), null=True, blank=True)
    outcome = models.CharField(_("triage"), max_length=12, choices=TriageOutcome.choices, blank=True)
    triage_note = EncryptedTextField(_("triage note"), blank=True, default="")  # T3, encrypted
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    case = models.ForeignKey(Case, models.SET_NULL, null=True, blank=True, related_name="reports")

    class Meta:
        verbose_name = _("abnormality report")
        verbose_name_plural = _("abnormality reports")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "key"], name="care_report_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["school", "triaged_at"], name="care_report_school_queue"),
            models.Index(
                fields=["triage_deadline"], condition=Q(triaged_at__isnull=True), name="care_report_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def is_handled(self) -> bool:
        return self.triaged_at is not None
