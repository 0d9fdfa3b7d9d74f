"""心理健康测评 — campaigns, consent, answering, results and the second stage (R5.1, R5.3).

Instrument definitions are data files (``screening/instruments/``); rows here name an instrument by id and
version. Answers, scores and flags are T3 (clinical); free text and flags are encrypted at rest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedJSONField, EncryptedTextField
from org.models import Guardian, Node, SchoolClass, SchoolYear, Student


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LAUNCHED = "launched", _("Launched")
    CLOSED = "closed", _("Closed")


class ConsentRule(models.TextChoices):
    # Default (instruments.md Practice; PIPL: under-14s' data is sensitive): active consent under the age, notice
    # with opt-out from it.
    ACTIVE_UNDER_AGE = "active_under_age", _("Guardian consent under the age, notice with opt-out from it")
    ACTIVE_ALL = "active_all", _("Guardian consent for every student")
    NOTICE_ALL = "notice_all", _("Notice with opt-out for every student")


class StudentView(models.TextChoices):
    NOTHING = "nothing", _("Nothing: a thank-you and help resources only")
    BANDS = "bands", _("Their own bands (no labels)")
    SCORES = "scores", _("Their own scores and bands")


class AnswerHours(models.TextChoices):
    """When questionnaires with critical items (suicide-risk questions) may be opened (issue 15 Build 2)."""

    RESPONDER = (
        "responder",
        _(
            "Only while a responder is at the school (school hours on school days, a psychological teacher on duty)"
        ),
    )
    EVENINGS = (
        "evenings",
        _("Also in the evening (every day within the evening hours; the district centre on duty)"),
    )
    ALWAYS = "always", _("At any time in the window (the district centre on duty answers alerts off hours)")


class Campaign(models.Model):
    """测评活动 — one screening of target grades in a window, organised by a district or a school (R5.1)."""

    organiser = models.ForeignKey(Node, models.PROTECT, related_name="campaigns", verbose_name=_("organiser"))
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="campaigns")
    name = models.CharField(_("name"), max_length=100)
    grade_from = models.PositiveSmallIntegerField(_("from grade"), default=4)  # R5.1: grade 4 and up
    grade_to = models.PositiveSmallIntegerField(_("to grade"), default=12)
    starts_at = models.DateTimeField(_("window opens"))
    ends_at = models.DateTimeField(_("window closes"))
    consent_rule = models.CharField(
        _("consent rule"), max_length=20, choices=ConsentRule.choices, default=ConsentRule.ACTIVE_UNDER_AGE
    )
    consent_age = models.PositiveSmallIntegerField(_("age of own consent"), default=14)
    notice_version = models.PositiveSmallIntegerField(_("notice version"), default=1)
    notice_text = models.TextField(_("notice to guardians"), blank=True)
    student_view = models.CharField(
        _("students may see"), max_length=10, choices=StudentView.choices, default=StudentView.NOTHING
    )
    # issue 15: questionnaires with critical items open only while someone can answer an alert, unless the district
    # chose otherwise for this campaign (instruments without critical items: the whole window).
    answer_hours = models.CharField(
        _("critical questionnaires may be answered"),
        max_length=10,
        choices=AnswerHours.choices,
        default=AnswerHours.RESPONDER,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    # Targeting (issue 20 build 4). Who is screened: the active students of the school year under the organiser
    # whose grade is targeted (``target_grades``, else grade_from..grade_to), narrowed to the chosen units
    # (districts, education groups, schools) when any are chosen; and every student of a chosen class, whole.
    target_units = models.ManyToManyField(
        Node, blank=True, related_name="+", verbose_name=_("targeted districts and schools")
    )
    target_classes = models.ManyToManyField(
        SchoolClass, blank=True, related_name="+", verbose_name=_("targeted classes")
    )
    target_grades = models.JSONField(_("targeted grades"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("screening campaign")
        verbose_name_plural = _("screening campaigns")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_window"),
            models.CheckConstraint(
                condition=Q(grade_from__gte=1, grade_to__lte=12, grade_from__lte=models.F("grade_to")),
                name="campaign_grades",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == CampaignStatus.LAUNCHED and self.starts_at <= at < self.ends_at


class BatteryEntry(models.Model):
    """One instrument given to a grade band of a campaign."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="battery")
    grade_from = models.PositiveSmallIntegerField(_("from grade"))
    grade_to = models.PositiveSmallIntegerField(_("to grade"))
    instrument_id = models.CharField(_("instrument"), max_length=40)
    instrument_version = models.CharField(_("version"), max_length=20)
    variant = models.CharField(_("threshold variant"), max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("battery entry")
        verbose_name_plural = _("battery entries")
        ordering = ["order", "pk"]  # one order for the whole battery: a student answers in it
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "grade_from", "grade_to", "instrument_id"], name="battery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.instrument_version} ({self.grade_from}–{self.grade_to})"


class Assignment(models.Model):
    """A student in a campaign, with the school and class they were in when it launched."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="assignments", db_index=False)
    student = models.ForeignKey(Student, models.CASCADE, related_name="screening_assignments")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+")
    school_class = models.ForeignKey(SchoolClass, models.PROTECT, null=True, blank=True, related_name="+")
    grade = models.PositiveSmallIntegerField(_("grade"))
    needs_consent = models.BooleanField(_("needs guardian consent"), default=True)
    absent = models.BooleanField(_("absent"), default=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "student"], name="assignment_unique"),
        ]
        indexes = [models.Index(fields=["campaign", "school"])]

    def __str__(self) -> str:
        return f"{self.student} / {self.campaign}"


class ConsentDecision(models.TextChoices):
    CONSENT = "consent", _("Consent")
    REFUSE = "refuse", _("Refuse")
    WITHDRAW = "withdraw", _("Withdraw consent")


class ConsentVia(models.TextChoices):
    LINK = "link", _("One-time link")
    QR = "qr", _("QR code")
    ACCOUNT = "account", _("Guardian account")


class ConsentRequest(models.Model):
    """A consent request to one guardian for one student: a one-time token, stored only as its SHA-256."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="consent_requests")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="consent_requests")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent request")
        verbose_name_plural = _("consent requests")

    def __str__(self) -> str:
        return f"consent request {self.pk}"


class Consent(models.Model):
    """知情同意 — one decision of a guardian (append-only: the latest one counts)."""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="consents")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    guardian = models.ForeignKey(Guardian, models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=10, choices=ConsentDecision.choices)
    notice_version = models.PositiveSmallIntegerField(_("notice version"))
    notice_hash = models.CharField(max_length=64)
    via = models.CharField(_("via"), max_length=10, choices=ConsentVia.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["campaign", "student", "at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} ({self.at:%Y-%m-%d})"


class Assent(models.Model):
    """The student's own agreement (or refusal) at the start."""

    assignment = models.OneToOneField(Assignment, models.CASCADE, related_name="assent")
    agreed = models.BooleanField(_("agreed"))
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.agreed)


class ResponseStatus(models.TextChoices):
    OPEN = "open", _("Answering")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    """One student's answering of one instrument of the battery."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="responses", db_index=False)
    instrument_id = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    variant = models.CharField(max_length=40, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=ResponseStatus.choices, default=ResponseStatus.OPEN)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "instrument_id"], name="response_unique"),
        ]
        indexes = [models.Index(fields=["instrument_id", "status"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.instrument_version} #{self.pk}"


class Answer(models.Model):
    """One item's answer: an option value, or NULL with ``refused`` for a refusal."""

    response = models.ForeignKey(Response, models.CASCADE, related_name="answers", db_index=False)
    item_id = models.CharField(max_length=40)
    value = models.SmallIntegerField(null=True, blank=True)
    refused = models.BooleanField(default=False)
    seconds = models.FloatField(null=True, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item_id"], name="answer_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}={self.value}"


class Level(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    NONE = "none", _("None")


LEVEL_RANK = {Level.RED: 0, Level.ORANGE: 1, Level.YELLOW: 2, Level.NONE: 3}


class Result(models.Model):
    """Scores of one response under one instrument version (old versions kept on re-score)."""

    response = models.ForeignKey(Response, models.CASCADE, related_name="results", db_index=False)
    instrument_id = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    valid = models.BooleanField()
    scores = models.JSONField(default=dict)
    bands = models.JSONField(default=dict)
    flags = EncryptedJSONField(null=True, blank=True)  # critical items, reasons: T3
    critical = models.BooleanField(default=False)
    acute = models.BooleanField(default=False)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.NONE)
    # issue 15: the district rule-set version that suggested ``level``; NULL = the built-in defaults
    rule_set = models.ForeignKey(
        "LevelRuleSet", models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        constraints = [
            models.UniqueConstraint(fields=["response", "instrument_version"], name="result_unique_version"),
        ]
        indexes = [models.Index(fields=["instrument_id", "instrument_version"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.instrument_version} #{self.response_id}"


class NextStep(models.TextChoices):
    CLOSE = "close", _("Close")
    MONITOR = "monitor", _("Monitor")
    OPEN_CASE = "open_case", _("Open a case")
    REFER = "refer", _("Refer")


class Review(models.Model):
    """第二阶段访谈 — the psychological teacher's follow-up talk and confirmed level."""

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    talked_at = models.DateTimeField(_("talked at"))
    outcome = EncryptedTextField(_("outcome"))
    confirmed_level = models.CharField(_("confirmed level"), max_length=10, choices=Level.choices)
    next_step = models.CharField(_("next step"), max_length=10, choices=NextStep.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("second-stage review")
        verbose_name_plural = _("second-stage reviews")
        ordering = ["-talked_at"]

    def __str__(self) -> str:
        return f"review #{self.pk}"
