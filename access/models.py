"""Audit trail (审计日志): append-only, hash-chained events."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField


class AuditEvent(models.Model):
    """One event: who did what to which object (and which student), when, from where, and why.

    ``hash`` = SHA-256 (or SM3, prefixed ``sm3:``) over the previous row's hash and this row's canonical content, so a changed,
    inserted or deleted row breaks the chain (``manage.py audit_verify``). Rows are never updated.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(_("time"), editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", db_constraint=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    student_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=72, editable=False)
    hash = models.CharField(max_length=72, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["actor", "at"]), models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The chain's head (one row): locked with SELECT … FOR UPDATE so concurrent writers serialise."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=72, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class AuditAnchor(models.Model):
    """The chain's anchor after a purge (审计日志保留, issue 8 item 4): the ``seq`` and ``hash`` of the last purged
    event, where ``audit_verify`` starts instead of the genesis. One row (pk=1); each purge moves it forward and
    records an ``audit.purge`` event in the chain naming the same seq and hash, so a forged anchor shows."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=72, default="0" * 64)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"anchor #{self.seq}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once. Every token expires
    (``XINYU_API_TOKEN_DAYS``, docs/security.md 2.10)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class BreakGlassGrant(models.Model):
    """紧急调阅 — break-glass: time-limited access to a student's T3/T4 data outside one's scope.

    DESIGN.md (Access): a stated reason, time-limited, logged, the school leader notified, reviewed. The reason
    may name clinical facts, so it is encrypted at rest; the audit trail records the grant, not the reason.
    Issue 8 completes the flow (the leader's notice, the review page, reads under a grant).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="break_glass_grants")
    student = models.ForeignKey("org.Student", models.PROTECT, related_name="break_glass_grants")
    reason = EncryptedTextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"))
    expires_at = models.DateTimeField(_("expires at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("break-glass grant")
        verbose_name_plural = _("break-glass grants")
        indexes = [models.Index(fields=["user", "student", "expires_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("granted_at")),
                name="break_glass_expires_after_grant",
            )
        ]

    def __str__(self) -> str:
        return f"break-glass #{self.pk}"


class SecondFactor(models.Model):
    """双因素认证 — a user's TOTP authenticator (RFC 6238). The secret is encrypted at rest; ``last_step`` is the
    last time step a code was accepted for, so a code can't be used twice (issue 8, R5.3). A row without
    ``confirmed_at`` is an enrolment in progress: the user has seen the secret but not yet typed a code."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="second_factor")
    secret = EncryptedTextField(_("secret"))
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(_("enrolled at"), null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self) -> str:
        return f"TOTP of user #{self.user_id}"


class RecoveryCode(models.Model):
    """A one-time recovery code (恢复码) for when the phone is lost. Only a SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code #{self.pk}"


class LoginSession(models.Model):
    """Which sessions a user holds, so that disabling the account (or resetting its second factor) can end every
    one of them at once, on any session backend (issue 8: disabling an account ends its sessions)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]
        constraints = [models.UniqueConstraint(fields=["session_key"], name="login_session_key_unique")]

    def __str__(self) -> str:
        return f"session of user #{self.user_id}"


class ActivationChannel(models.TextChoices):
    SMS = "sms", _("SMS code")
    SLIP = "slip", _("printed activation slip")


class ActivationCode(models.Model):
    """账号激活码 — a one-time code with which an imported account chooses its first password (issue 18, R14).

    Sent by SMS to the phone on file (6 digits, minutes) or printed on an activation slip by an administrator
    (12 characters, days). Only an HMAC digest is stored; a code dies when used, when it expires, after
    ``access.activation.MAX_TRIES`` wrong tries, or when a newer code of the same user is used."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="activation_codes")
    channel = models.CharField(_("channel"), max_length=8, choices=ActivationChannel.choices)
    digest = models.CharField(max_length=64)
    phone = models.CharField(max_length=20, blank=True)  # the number an SMS code went to
    created_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"activation code #{self.pk}"
