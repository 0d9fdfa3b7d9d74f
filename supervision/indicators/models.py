"""Periods (统计周期), the stored rollups dashboards read, the marks that keep them fresh, and the runs of the rollup
(R-7.2)."""

from __future__ import annotations

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
