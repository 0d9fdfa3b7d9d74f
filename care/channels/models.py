"""Notifications (通知) and the channels that carry them outside the app — in-app, e-mail, SMS, 企业微信, 钉钉 —
with each try of a delivery and each person's choice of channels (issue 3; issue 15)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from care.alerts.models import Alert, AlertStage


class Channel(models.TextChoices):
    """How a notification reaches a person (``care.channels``): in-app always; the others where the person has an
    address and the deployment configured the provider (R5.1, issue 15)."""

    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")


class Notification(models.Model):
    """通知 — the outbox: one row per recipient and channel, written in the alert's transaction. In-app rows are
    shown on the notifications page; e-mail rows are sent after commit by a Celery task: it claims a row
    (``claimed_at``, a lease), sends, and only then sets ``sent_at``. A worker killed between claim and send
    leaves the row unsent with a lapsed lease, and the relay sends it again (at least once, never lost)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    # An alert's notifications carry the alert; every other kind (a report filed, a task due, a booking…)
    # carries a short subject and a link instead (``care.alerts.services.notify``).
    alert = models.ForeignKey(Alert, models.CASCADE, null=True, blank=True, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=40, default="alert")
    subject = models.CharField(_("subject"), max_length=200, blank=True)  # never clinical text
    # What an outside channel may say besides "something is waiting": what the to-do is and by when (a crisis
    # step and its deadline) — never a name, a level, a school or a diagnosis (issue 15). Blank: the plain line.
    outside_text = models.CharField(_("text for outside channels"), max_length=200, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(max_length=120, blank=True)  # idempotency: one row per (user, channel, key)
    stage = models.PositiveSmallIntegerField(_("escalation stage"), choices=AlertStage.choices, default=0)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)  # a worker is sending it (lease, CLAIM_LEASE)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # One message told by several channels: the rows of one (person, message) share this id, so a failed channel
    # falls through to the next one exactly once (unique per message and channel). Empty on rows before issue 15.
    message = models.UUIDField(null=True, blank=True, editable=False)
    # 红: goes by every channel the person has, whatever they chose (alerts: the alert's level).
    urgent = models.BooleanField(default=False)

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
            models.UniqueConstraint(
                fields=["message", "channel"],
                condition=Q(message__isnull=False),
                name="care_notification_message_once",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="care_notification_inbox"),
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True, channel="email"),
                name="care_notification_unsent",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True) & ~Q(channel="in_app"),
                name="care_notification_outbox",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ← {self.alert_id or self.kind} ({self.channel})"


class DeliveryStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted by the provider")
    DELIVERED = "delivered", _("Delivered")  # the provider's delivery report (receipt)
    UNDELIVERED = "undelivered", _("Not delivered")  # the provider's report says it did not arrive
    FAILED = "failed", _("Failed")  # an error answer
    TIMEOUT = "timeout", _("No answer in time")


class Delivery(models.Model):
    """投递记录 — one attempt to send a notification row through its channel's provider, and its receipt: the
    provider's acceptance (its message id / serial), then its delivery report where the provider calls back.
    Holds no address and no message text (the row and the person say who; the text is fixed)."""

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=20)  # smtp, aliyun, tencent, wecom
    provider_id = models.CharField(_("provider's message id"), max_length=100, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=DeliveryStatus.choices)
    error = models.CharField(_("error"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    receipt_at = models.DateTimeField(_("receipt at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["notification", "attempt"]

    def __str__(self) -> str:
        return f"{self.notification_id}#{self.attempt} {self.provider} {self.status}"


class ChannelChoice(models.Model):
    """通知方式 — the channels a person chose for notifications that are not red (red goes by every channel
    they have) and their 企业微信 / 钉钉 accounts (the phone is ``org.User.phone``). No row = the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, primary_key=True, related_name="channel_choice"
    )
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    wecom = models.BooleanField(_("by WeCom"), default=True)
    wecom_user_id = models.CharField(_("WeCom account (UserID)"), max_length=64, blank=True)
    dingtalk = models.BooleanField(_("by DingTalk"), default=True)
    dingtalk_user_id = models.CharField(_("DingTalk account (userid)"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification channels")
        verbose_name_plural = _("notification channels")

    def __str__(self) -> str:
        return f"{self.user_id}: channels"
