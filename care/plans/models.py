"""Intervention plans (干预方案) and their actions — the tasks of a case's plan (issue 4 item 5; R12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.alerts.levels import RiskLevel
from care.cases.models import Case


class Plan(models.Model):
    """干预方案 — the intervention plan of a case, agreed with the guardians, with its safety plan (安全计划)
    and review date (R12). Goals and the safety plan are T3 free text: encrypted."""

    case = models.OneToOneField(Case, models.CASCADE, related_name="plan")
    goals = EncryptedTextField(_("goals"), blank=True, default="")
    # Safety plan (安全计划): five parts, each T3 free text.
    warning_signs = EncryptedTextField(_("warning signs"), blank=True, default="")
    coping_steps = EncryptedTextField(_("coping steps"), blank=True, default="")
    people_and_places = EncryptedTextField(_("people and places"), blank=True, default="")
    professionals = EncryptedTextField(_("professionals and hotlines"), blank=True, default="")
    safe_environment = EncryptedTextField(_("making the environment safe"), blank=True, default="")
    review_on = models.DateField(_("review on"), null=True, blank=True)
    # The guardians' agreement (家长同意): the meeting, its date and who took part.
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    agreement_meeting = models.CharField(_("meeting"), max_length=100, blank=True)
    agreed_with = models.CharField(_("who took part"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("intervention plan")
        verbose_name_plural = _("intervention plans")

    def __str__(self) -> str:
        return f"plan of case {self.case_id}"

    @property
    def is_agreed(self) -> bool:
        return self.agreed_on is not None

    @property
    def has_safety_plan(self) -> bool:
        return any(
            (
                self.warning_signs,
                self.coping_steps,
                self.people_and_places,
                self.professionals,
                self.safe_environment,
            )
        )


class PlanAction(models.Model):
    """干预措施 — one action of a plan with its owner and due date; it is on the owner's home page ("my
    tasks") until done, with reminders (R12)."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="actions")
    text = EncryptedTextField(_("action"))  # T3: what is done for the student
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="plan_actions", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["owner", "due_on"], condition=Q(done_at__isnull=True), name="care_task_open"
            ),
        ]

    def __str__(self) -> str:
        return f"action {self.pk} of plan {self.plan_id}"


class PlanShare(models.Model):
    """告知家长 — what the school tells the guardians of an agreed plan, on purpose and audited (R10, R12): the
    tasks for the family, the next review date and — only when the school chooses — the child's level with the
    reason in plain words. The guardians' pages show only the latest share of each plan, never the case's other
    records; a new share replaces what they see (to change the review date, share again)."""

    plan = models.ForeignKey(Plan, models.CASCADE, related_name="shares")
    family_tasks = EncryptedTextField(_("tasks for the family"))
    review_on = models.DateField(_("next review"), null=True, blank=True)
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    level = models.CharField(
        _("level shared"), max_length=8, choices=RiskLevel.choices, blank=True
    )  # "" = not
    reason = EncryptedTextField(_("reason in plain words"), blank=True, default="")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    shared_at = models.DateTimeField(_("shared at"))

    class Meta:
        verbose_name = _("plan shared with the guardians")
        verbose_name_plural = _("plans shared with the guardians")
        ordering = ["-shared_at", "-pk"]

    def __str__(self) -> str:
        return f"share {self.pk} of plan {self.plan_id}"


class PlanShareReading(models.Model):
    """A guardian confirmed reading a share (已阅): once per guardian and share (R12)."""

    share = models.ForeignKey(PlanShare, models.CASCADE, related_name="readings")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("guardian's confirmation of reading")
        verbose_name_plural = _("guardians' confirmations of reading")
        constraints = [models.UniqueConstraint(fields=["share", "reader"], name="care_plan_share_read_once")]

    def __str__(self) -> str:
        return f"share {self.share_id} read by {self.reader_id}"
