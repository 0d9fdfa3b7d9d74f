"""学年升级 — a school's year rollover as a staged plan: previewed (nothing changes), then confirmed once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RolloverStatus(models.TextChoices):
    STAGED = "staged", _("Previewed, waiting for confirmation")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    DISCARDED = "discarded", _("Discarded")


class RolloverPlan(models.Model):
    """One school's move from ``from_year`` to ``to_year``: the counts the preview showed, who staged and who
    confirmed it. Until confirmed nothing in the school has changed (discarding it is the undo); confirmed,
    it is the record that the rollover was done, so a second run changes nothing."""

    school = models.ForeignKey("org.Node", models.PROTECT, related_name="rollovers", verbose_name=_("school"))
    from_year = models.ForeignKey("org.SchoolYear", models.PROTECT, related_name="+")
    to_year = models.ForeignKey("org.SchoolYear", models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=RolloverStatus.choices, default=RolloverStatus.STAGED
    )
    counts = models.JSONField(default=dict, blank=True)  # what the preview counted, then what was done
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("year rollover")
        verbose_name_plural = _("year rollovers")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "from_year"],
                condition=~Q(status="discarded"),
                name="one_live_rollover_per_school_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.from_year} → {self.to_year}"

    @property
    def percent(self) -> int:
        if self.status == RolloverStatus.DONE:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0
