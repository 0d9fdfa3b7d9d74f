"""Partner institutions (合作机构) of a district and referrals (转介) of a case's student to them, step by step
(issue 4 item 7; R13)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.cases.models import Case
from org.models import Node, Student


class InstitutionKind(models.TextChoices):
    HOSPITAL = "hospital", _("Specialist hospital")  # 专科医院
    CENTRE = "centre", _("Mental-health centre")  # 精神卫生中心
    MATERNAL_CHILD = "maternal_child", _("Maternal and child health institution")  # 妇幼保健机构
    OTHER = "other", _("Other institution")


class Institution(models.Model):
    """合作机构 — a partner institution of a district that schools refer students to (R13). The district's
    administrator keeps the registry."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=InstitutionKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        ordering = ["district", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="care_institution_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class InstitutionMember(models.Model):
    """机构医生 — a clinician of a partner institution: they see the referrals sent to it (Scope.REFERRED)."""

    institution = models.ForeignKey(Institution, models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="institution_memberships")
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("institution clinician")
        verbose_name_plural = _("institution clinicians")
        constraints = [
            models.UniqueConstraint(fields=["institution", "user"], name="care_institution_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.user_id}"


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")  # 拟转介
    CONSENTED = "consented", _("Guardian consented")  # 监护人同意
    SENT = "sent", _("Sent to the institution")  # 已转出
    APPOINTMENT = "appointment", _("Appointment made")  # 已预约
    SEEN = "seen", _("Seen")  # 已就诊
    FEEDBACK = "feedback", _("Feedback received")  # 已反馈
    RETURNED = "returned", _("Back at school with a support plan")  # 返校支持
    CANCELLED = "cancelled", _("Cancelled")  # 已取消


class Referral(models.Model):
    """转介 — a referral of a case's student to a partner institution (R12, R13). It carries the reason and
    only what the school chose to share, needs the guardians' recorded consent before it is sent, and moves
    proposed → consented → sent → appointment → seen → feedback → back at school; every move is a
    ``ReferralEvent``. The institution's clinicians see it (minimum data) from sent until back at school."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="referrals")
    student = models.ForeignKey(Student, models.PROTECT, related_name="referrals")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="referrals", verbose_name=_("institution")
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    reason = EncryptedTextField(_("reason"))  # T3
    shared = EncryptedTextField(_("shared with the institution"), blank=True, default="")  # T3
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    status_at = models.DateTimeField(_("status since"))
    consent_by = models.CharField(_("consent given by"), max_length=50, blank=True)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_via = models.CharField(_("consent given how"), max_length=50, blank=True)
    appointment_at = models.DateTimeField(_("appointment at"), null=True, blank=True)
    feedback = EncryptedTextField(_("feedback"), blank=True, default="")  # T3, from the clinician
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    support_plan = EncryptedTextField(_("support plan at school"), blank=True, default="")  # T3
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"))

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-proposed_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "status"], name="care_referral_institution"),
            models.Index(fields=["school", "status"], name="care_referral_school"),
        ]

    def __str__(self) -> str:
        return f"referral {self.pk} ({self.status})"


class ReferralEvent(models.Model):
    """Each move of a referral, in order (who, when, from which step to which)."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    before = models.CharField(_("before"), max_length=12, blank=True)
    after = models.CharField(_("after"), max_length=12, choices=ReferralStatus.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} → {self.after}"
