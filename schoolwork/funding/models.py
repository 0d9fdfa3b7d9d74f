"""经费投入 — mental-health funding (R16 "落实经费投入"): the schools' budget lines and spending per school year by
category, and the districts' allocations by source (多渠道投入: 财政预算, 专项经费, 社会支持). Money is ``Decimal``
(yuan, two places), never a float."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Node, SchoolYear

MONEY = {"max_digits": 14, "decimal_places": 2}


class FundingCategory(models.TextChoices):
    COUNSELING_ROOM = "counseling_room", _("Counseling room building")  # 心理辅导室建设
    TRAINING = "training", _("Training of staff")  # 培训
    ACTIVITIES = "activities", _("Mental-health activities")  # 活动
    ASSESSMENT = "assessment", _("Psychological assessment")  # 测评
    EXTERNAL = "external", _("External services")  # 外部服务（购买服务、专家指导）
    OTHER = "other", _("Other")


class FundingSource(models.TextChoices):
    BUDGET = "budget", _("Government budget")  # 财政预算
    SPECIAL = "special", _("Special funds")  # 专项经费
    SOCIAL = "social", _("Social support")  # 社会支持（捐赠、公益项目）
    OTHER = "other", _("Other")


class BudgetLine(models.Model):
    """学校心理健康经费预算 — one school's mental-health budget line of one category in a school year: what was
    budgeted and what has been spent (R16)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(
        SchoolYear, models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    category = models.CharField(_("category"), max_length=20, choices=FundingCategory.choices)
    budgeted = models.DecimalField(_("budgeted (yuan)"), **MONEY)
    spent = models.DecimalField(_("spent (yuan)"), default=0, **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["school_year", "school", "category"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "category"], name="budget_line_once"),
            models.CheckConstraint(
                condition=models.Q(budgeted__gte=0, spent__gte=0), name="budget_line_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["school_year", "school"], name="budget_line_year")]

    def __str__(self) -> str:
        return f"{self.school_id} {self.school_year_id} {self.category}"


class DistrictAllocation(models.Model):
    """区级经费投入 — a district's allocation to school mental-health work from one source in a school year
    (R16: 多渠道投入)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("district"))
    school_year = models.ForeignKey(
        SchoolYear, models.PROTECT, related_name="+", verbose_name=_("school year")
    )
    source = models.CharField(_("source"), max_length=12, choices=FundingSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("district allocation")
        verbose_name_plural = _("district allocations")
        ordering = ["school_year", "district", "source"]
        constraints = [
            models.UniqueConstraint(fields=["district", "school_year", "source"], name="allocation_once"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="allocation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.school_year_id} {self.source}"
