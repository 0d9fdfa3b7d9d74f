"""预警规则 — a district's suggested-level rules, versioned (issue 15; docs/alerts.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Node

# --- issue 15: a district's level rules (预警规则), versioned ------------------------------------------------------


class LevelRuleSet(models.Model):
    """预警规则（版本）— one version of a district's suggested-level rules (``screening.instruments.scoring.LevelRules`` as
    JSON). The newest version of a district is in force; a district without one uses the built-in defaults.
    Rows are never changed: an edit or "restore defaults" writes the next version (docs/alerts.md)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="level_rule_sets")
    version = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"))
    reason = models.TextField(_("reason for the change"))
    is_default = models.BooleanField(_("the built-in defaults"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("level rule set")
        verbose_name_plural = _("level rule sets")
        ordering = ["district", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="level_rule_set_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="level_rule_set_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} v{self.version}"
