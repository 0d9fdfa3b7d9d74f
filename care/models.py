"""Risk levels and alerts (预警): the confirmed level of a student with its history, and alerts that cannot be
lost — written in the raiser's transaction (outbox), notified, escalated when unacknowledged (issue 3, R5.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedJSONField, EncryptedTextField
from care.levels import RiskLevel
from org.models import Node, Student


class LevelRecord(models.Model):
    """确认的风险等级 — a level a human confirmed for a student. The newest is current; the rest is history."""

    student = models.ForeignKey(Student, models.CASCADE, related_name="level_records", db_index=False)
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    # T3: the reasons behind the level and the confirmer's note are clinical, so encrypted at rest.
    reasons = EncryptedJSONField(_("reasons"), default=list, blank=True)
    note = EncryptedTextField(_("note"), blank=True, default="")
    source_type = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    school = models.ForeignKey(
        Node, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school at the time")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("confirmed by")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"))
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("risk level")
        verbose_name_plural = _("risk levels")
        ordering = ["-confirmed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(is_current=True), name="care_one_current_level"
            ),
        ]
        indexes = [
            models.Index(fields=["student", "-confirmed_at"], name="care_level_history"),
            models.Index(fields=["school", "level"], condition=Q(is_current=True), name="care_level_current"),
        ]

    def __str__(self) -> str:
        return f"{self.student_id}: {self.get_level_display()}"


class AlertStage(models.IntegerChoices):
    PSYCH_TEACHERS = 0, _("School psychological teachers")
    SCHOOL_LEADER = 1, _("School leader")
    DISTRICT_CENTRE = 2, _("District counseling centre")


class Alert(models.Model):
    """预警 — a red or orange concern that must be acknowledged by a person within its deadline, or it climbs:
    the school's psychological teachers → the school leader → the district counseling centre."""

    student = models.ForeignKey(Student, models.CASCADE, related_name="alerts")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    reasons = EncryptedJSONField(_("reasons"), default=list, blank=True)  # T3, encrypted
    source_type = models.CharField(_("source"), max_length=40)
    source_id = models.CharField(_("source id"), max_length=64)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    raised_at = models.DateTimeField(_("raised at"))
    stage = models.PositiveSmallIntegerField(_("escalation stage"), choices=AlertStage.choices, default=0)
    ack_deadline = models.DateTimeField(_("acknowledge by"), null=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-raised_at"]
        constraints = [
            # Idempotent raise: one alert per source (a re-submitted screening cannot raise a second one).
            models.UniqueConstraint(fields=["source_type", "source_id"], name="care_alert_one_per_source"),
        ]
        indexes = [
            # The escalation timer's scan: only unacknowledged, open alerts are in this index.
            models.Index(
                fields=["ack_deadline"],
                condition=Q(acknowledged_at__isnull=True, closed_at__isnull=True),
                name="care_alert_waiting",
            ),
            models.Index(fields=["school", "stage"], name="care_alert_school_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class AlertEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    NOTIFIED = "notified", _("Notified")
    ESCALATED = "escalated", _("Escalated")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class AlertEvent(models.Model):
    """What happened to an alert, in order: raised, who was notified, escalations, the acknowledgement."""

    alert = models.ForeignKey(Alert, models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=AlertEventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    stage = models.PositiveSmallIntegerField(_("escalation stage"), choices=AlertStage.choices, default=0)
    detail = models.JSONField(default=dict, blank=True)  # no clinical text: ids, stages, counts

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")


class Notification(models.Model):
    """通知 — the outbox: one row per recipient and channel, written in the alert's transaction. In-app rows are
    shown on the notifications page; e-mail rows are sent after commit by a Celery task, which sets
    ``sent_at`` (the escalation timer re-sends any left unsent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    # An alert's notifications carry the alert; every other kind (a report filed, a task due, a booking…)
    # carries a short subject and a link instead (``care.services.notify``).
    alert = models.ForeignKey(Alert, models.CASCADE, null=True, blank=True, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40, default="alert")
    subject = models.CharField(_("subject"), max_length=200, blank=True)  # never clinical text
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True)  # idempotency: one row per (user, channel, key)
    stage = models.PositiveSmallIntegerField(_("escalation stage"), choices=AlertStage.choices, default=0)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "user", "stage", "channel"],
                condition=Q(alert__isnull=False),
                name="care_notification_once",
            ),
            models.UniqueConstraint(
                fields=["user", "channel", "key"], condition=~Q(key=""), name="care_notification_key_once"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="care_notification_inbox"),
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True, channel="email"),
                name="care_notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ← {self.alert_id or self.kind} ({self.channel})"


# --- Cases (个案) — issue 4 -------------------------------------------------------------------------------------


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")  # 已建档
    ASSESSED = "assessed", _("Assessed")  # 已评估
    INTERVENING = "intervening", _("Intervening")  # 干预中
    REFERRED = "referred", _("Referred")  # 已转介
    MONITORING = "monitoring", _("Monitoring")  # 跟踪观察
    CLOSED = "closed", _("Closed")  # 已结案


class CaseSource(models.TextChoices):
    """Where a case came from (a case may gather several sources over its life; each is a CaseEvent)."""

    SCREENING = "screening", _("Screening")
    REPORT = "report", _("Abnormality report")
    COUNSELING = "counseling", _("Counseling")
    GUARDIAN = "guardian", _("Guardian")
    MESSAGE = "message", _("24-hour message")
    ALERT = "alert", _("Alert")
    OTHER = "other", _("Other")


class Case(models.Model):
    """个案 — one episode of care for one student: a level (red/orange/yellow), an owner (a psychological
    teacher), a team, its sources and a status with every change in ``CaseEvent`` (R12, R13). At most one open
    case per student (a new concern joins the open case, raising its level if higher)."""

    student = models.ForeignKey(Student, models.PROTECT, related_name="cases")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    level = models.CharField(_("level"), max_length=8, choices=RiskLevel.choices)
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    source_type = models.CharField(_("first source"), max_length=16, choices=CaseSource.choices)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    summary = EncryptedTextField(_("summary"), blank=True, default="")  # T3, encrypted
    escalated_at = models.DateTimeField(_("escalated to the district at"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    opened_at = models.DateTimeField(_("opened at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = EncryptedTextField(_("closing note"), blank=True, default="")  # T3, encrypted

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=~Q(status="closed"), name="care_one_open_case"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status"], name="care_case_school_status"),
            models.Index(fields=["student", "-opened_at"], name="care_case_student"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_level_display()} {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status != CaseStatus.CLOSED


class CaseMember(models.Model):
    """个案小组 — the team of a case besides its owner: class teacher, leader, district counselor if escalated."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="case_memberships")
    role = models.CharField(_("role"), max_length=24)  # org.Role value the member holds in the team
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("case team member")
        verbose_name_plural = _("case team members")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="care_case_member_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.user_id}"


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Opened")
    SOURCE = "source", _("New source")
    STATUS = "status", _("Status changed")
    LEVEL = "level", _("Level changed")
    OWNER = "owner", _("Owner changed")
    MEMBER = "member", _("Team changed")
    ESCALATED = "escalated", _("Escalated")
    NOTE = "note", _("Note")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class CaseEvent(models.Model):
    """The history of a case, in order: every status change, every level change with its reason (R12)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=CaseEventKind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    before = models.CharField(_("before"), max_length=24, blank=True)
    after = models.CharField(_("after"), max_length=24, blank=True)
    source_type = models.CharField(_("source"), max_length=16, blank=True)
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True, default="")  # T3, encrypted

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="care_case_event_order")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
