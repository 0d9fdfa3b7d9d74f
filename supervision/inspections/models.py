"""Periods, stored rollups and the marks that keep them fresh; data approval; inspections (R18)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Node, SchoolYear, Semester


class PeriodKind(models.TextChoices):
    QUARTER = "quarter", _("Quarter")
    SEMESTER = "semester", _("Semester")
    SCHOOL_YEAR = "school_year", _("School year")


class Period(models.Model):
    """统计周期 — a quarter, a semester or a school year; indicators are computed per period. Made from the
    school calendar by :func:`supervision.indicators.periods.ensure_periods`."""

    kind = models.CharField(_("kind"), max_length=12, choices=PeriodKind.choices)
    code = models.CharField(_("code"), max_length=20, unique=True)  # "2026", "2026-1", "2026-Q2"
    school_year = models.ForeignKey(SchoolYear, models.CASCADE, related_name="periods")
    semester = models.ForeignKey(Semester, models.CASCADE, null=True, blank=True, related_name="periods")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["starts_on", "kind"]
        verbose_name = _("period")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from supervision.indicators.periods import period_label

        return period_label(self)


class RollupValue(models.Model):
    """One indicator's figures for one node and period: numerator over denominator. Dashboards read only these
    (R-7.2); the rollup task writes them (supervision.indicators.rollup)."""

    indicator = models.CharField(_("indicator"), max_length=40)
    node = models.ForeignKey(Node, models.CASCADE, related_name="rollups")
    period = models.ForeignKey(Period, models.CASCADE, related_name="rollups")
    level = models.CharField(max_length=10)  # the node's kind, for grouping without a join
    numerator = models.BigIntegerField(default=0)
    denominator = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "node", "period"], name="rollup_one_value"),
        ]
        indexes = [models.Index(fields=["period", "node"], name="rollup_period_node")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.node_id} {self.period_id}: {self.numerator}/{self.denominator}"


class DirtyNode(models.Model):
    """A school (or district) whose base records changed since its rollups were computed; the incremental
    rollup (Celery beat) recomputes them and clears the mark."""

    node = models.OneToOneField(Node, models.CASCADE, related_name="+", primary_key=True)
    marked_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"dirty {self.node_id}"


class RollupRun(models.Model):
    """One run of the rollup (full or incremental): when, how long, how many values; shown to administrators."""

    full = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    nodes = models.PositiveIntegerField(default=0)
    values = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"rollup {'full' if self.full else 'incremental'} {self.started_at:%Y-%m-%d %H:%M}"


# --- Data approval (数据审核, issue 7 deliverable 4) --------------------------------------------------------------


class ApprovalState(models.TextChoices):
    DRAFT = "draft", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ACCEPTED = "accepted", _("Accepted by the city")


class Approval(models.Model):
    """数据审核状态 — where one node's figures for one period stand in the DHIS2 chain: a school is submitted by
    its leader and approved by its district; a district is approved by itself once all its schools are, and
    accepted by the city. Submitted, approved and accepted figures are locked (supervision.approval.rules)."""

    node = models.ForeignKey(Node, models.CASCADE, related_name="+", verbose_name=_("unit"))
    period = models.ForeignKey(Period, models.CASCADE, related_name="approvals", verbose_name=_("period"))
    state = models.CharField(
        _("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.DRAFT
    )
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("data approval")
        constraints = [models.UniqueConstraint(fields=["node", "period"], name="approval_one_per_node")]
        indexes = [models.Index(fields=["period", "state"], name="approval_period_state")]

    def __str__(self) -> str:
        return f"{self.node_id} {self.period_id}: {self.state}"


class ApprovalAction(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    ACCEPT = "accept", _("Accepted by the city")
    RETURN = "return", _("Returned for correction")


class ApprovalStep(models.Model):
    """One step of the approval history: who did what, when, why (a return always has a reason), and for a
    submission the figures as submitted."""

    approval = models.ForeignKey(Approval, models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=10, choices=ApprovalAction.choices)
    from_state = models.CharField(max_length=10, choices=ApprovalState.choices)
    to_state = models.CharField(max_length=10, choices=ApprovalState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), blank=True, max_length=1000)
    figures = models.JSONField(
        default=dict, blank=True
    )  # {indicator: [numerator, denominator]} when submitted

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


# --- Inspections (督导检查, R18) ----------------------------------------------------------------------------------


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
