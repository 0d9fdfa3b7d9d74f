"""Data approval (数据审核, issue 7 deliverable 4): where a node's figures for a period stand, and every step taken.
The rules: supervision.approval.rules."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from org.models import Node
from supervision.indicators.models import Period


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
