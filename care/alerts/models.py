"""Risk levels and alerts (预警): the confirmed level of a student with its history, and alerts that cannot be
lost — written in the raiser's transaction (outbox), notified, escalated when unacknowledged (issue 3, R5.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedJSONField, EncryptedTextField
from care.alerts.levels import RiskLevel
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
    # The school route (a responder is available at the school when the alert is raised).
    PSYCH_TEACHERS = 0, _("School psychological teachers")
    SCHOOL_LEADER = 1, _("School leader")
    DISTRICT_CENTRE = 2, _("District counseling centre")
    # The off-hours route (issue 15: nobody at risk waits for a closed school), by wall clock.
    CENTRE_ON_DUTY = 3, _("District counselor on duty")
    CENTRE_ALL = 4, _("All counselors of the district centre")
    DISTRICT_OFFICE = 5, _("District officers")


class AlertRoute(models.TextChoices):
    """Which chain an alert climbs, decided when it is raised (``care.alerts.responders.responder_available``)."""

    SCHOOL = "school", _("School route")
    OFF_HOURS = "off_hours", _("Off-hours route (district centre)")


# The stages of each route, in order. The last stage of a route does not climb further.
ROUTE_STAGES: dict[str, tuple[int, ...]] = {
    AlertRoute.SCHOOL: (AlertStage.PSYCH_TEACHERS, AlertStage.SCHOOL_LEADER, AlertStage.DISTRICT_CENTRE),
    AlertRoute.OFF_HOURS: (AlertStage.CENTRE_ON_DUTY, AlertStage.CENTRE_ALL, AlertStage.DISTRICT_OFFICE),
}


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
    # issue 15: the school route, or by wall clock to the district centre when no responder is at the school.
    route = models.CharField(_("route"), max_length=10, choices=AlertRoute.choices, default=AlertRoute.SCHOOL)
    ack_deadline = models.DateTimeField(_("acknowledge by"), null=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The case that took the alert on (opening a case acknowledges and links it; closing the case closes it).
    case = models.ForeignKey("Case", models.SET_NULL, null=True, blank=True, related_name="alerts")

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

    @property
    def is_off_hours(self) -> bool:
        return self.route == AlertRoute.OFF_HOURS

    @property
    def stages(self) -> tuple[int, ...]:
        return ROUTE_STAGES[self.route]

    @property
    def last_stage(self) -> int:
        return self.stages[-1]


class AlertEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    NOTIFIED = "notified", _("Notified")
    ESCALATED = "escalated", _("Escalated")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    # The alert's level follows the level a person confirmed for the student (issue 15, build 3).
    LEVEL = "level", _("Level confirmed")


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
