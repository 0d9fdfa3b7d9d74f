"""Inspections (督导检查, R18): the inspection of a school, its checklist, rectification tasks and their notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Node
from supervision.indicators.models import Period


class Finding(models.TextChoices):
    MET = "met", _("Met")
    PARTLY = "partly", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class Inspection(models.Model):
    """督导检查 — a supervisor's inspection of one school for one period (R18): a checklist generated from the
    indicators with the school's figures frozen at creation, findings, evidence, rectification tasks."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    period = models.ForeignKey(Period, models.PROTECT, related_name="+", verbose_name=_("period"))
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("supervisor")
    )
    visited_on = models.DateField(_("date of the visit"))
    summary = models.TextField(_("summary"), blank=True, max_length=5000)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    key = models.CharField(
        max_length=64, blank=True
    )  # the form's one-time key: a double submit is one inspection

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["school", "visited_on"], name="inspection_school")]

    def __str__(self) -> str:
        return f"{self.school} {self.visited_on:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class InspectionItem(models.Model):
    """One line of the checklist: an indicator as it stood at creation (name, target and the school's value,
    frozen), and the supervisor's finding."""

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    indicator = models.CharField(_("indicator"), max_length=40)
    requirement = models.CharField(_("requirement"), max_length=10)
    name_zh = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    target = models.FloatField(_("target"))
    numerator = models.BigIntegerField(null=True)
    denominator = models.BigIntegerField(null=True)
    status = models.CharField(_("status"), max_length=10, blank=True)  # met / near / not_met / "" (no value)
    finding = models.CharField(_("finding"), max_length=10, choices=Finding.choices, blank=True)
    note = models.TextField(_("finding note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["inspection", "position"]

    def __str__(self) -> str:
        return self.indicator


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To correct")
    DONE = "done", _("Done, to verify")
    VERIFIED = "verified", _("Verified")


class RectificationTask(models.Model):
    """整改任务 — what the school must correct after an inspection, by whom, by when; the owner marks it done,
    the supervisor verifies it."""

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="tasks")
    item = models.ForeignKey(
        InspectionItem, models.SET_NULL, null=True, blank=True, related_name="tasks", verbose_name=_("item")
    )
    title = models.CharField(_("what to correct"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("owner")
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["owner", "status"], name="rectification_owner")]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today) -> bool:
        return self.status == TaskStatus.OPEN and self.deadline < today


class TaskNote(models.Model):
    """跟进记录 — a follow-up note on a rectification task (the owner's progress, the supervisor's check)."""

    task = models.ForeignKey(RectificationTask, models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(_("note"), max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.text[:40]
