"""Cases (个案) — issue 4: a student's case with its members and events, the crisis checklist (危机干预), follow-ups
and disclosures to other departments (R12)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from access.fields import EncryptedTextField
from care.alerts.levels import RiskLevel
from care.alerts.models import AlertStage
from org.models import Node, Student


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("case status", "Open")  # 已开案 (issue 20: not the verb 打开)
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
    CRISIS = "crisis", _("Crisis step")
    FOLLOW_UP = "follow_up", _("Follow-up")
    DISCLOSURE = "disclosure", _("Disclosure")


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


class CrisisStepKind(models.TextChoices):
    """危机干预清单 — the crisis protocol's steps for a red case, in the order they are due."""

    ACCOMPANIED = "accompanied", _("Student accompanied, not left alone")
    LEADER = "leader", _("School leader notified")
    GUARDIAN = "guardian", _("Guardian notified")
    MEANS = "means", _("Means safety discussed")
    SAFETY_PLAN = "safety_plan", _("Safety plan made")
    REFERRAL = "referral", _("Emergency or urgent referral (when needed)")


class CrisisStep(models.Model):
    """One step of a red case's crisis checklist: due by a deadline, done (with its time and who) or left out
    with a recorded reason. A missed step climbs: the school leader, then the district counseling centre."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="crisis_steps")
    kind = models.CharField(_("step"), max_length=12, choices=CrisisStepKind.choices)
    due_at = models.DateTimeField(_("due by"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skipped_at = models.DateTimeField(_("left out at"), null=True, blank=True)
    skipped_reason = EncryptedTextField(_("reason it was not done"), blank=True, default="")  # T3
    stage = models.PositiveSmallIntegerField(_("escalation stage"), choices=AlertStage.choices, default=0)
    # Who does it (issue 15, build 3): set by step when the checklist is made (docs/care.md), told at once,
    # changed by the case owner. Null only for steps made before owners existed.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="crisis_steps_owned",
        verbose_name=_("owner"),
    )

    class Meta:
        verbose_name = _("crisis step")
        verbose_name_plural = _("crisis steps")
        ordering = ["due_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "kind"], name="care_crisis_step_once")]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(done_at__isnull=True, skipped_at__isnull=True),
                name="care_crisis_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def is_resolved(self) -> bool:
        return self.done_at is not None or self.skipped_at is not None


class FollowUp(models.Model):
    """动态跟踪 — a scheduled follow-up of a case (interval by level, settings); its outcome when done."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="follow_ups")
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = EncryptedTextField(_("outcome"), blank=True, default="")  # T3, encrypted
    level = models.CharField(_("level at the follow-up"), max_length=8, choices=RiskLevel.choices, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["due_on"], condition=Q(done_at__isnull=True), name="care_follow_up_due"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.due_on}"


class Department(models.TextChoices):
    POLICE = "police", _("Public security (police)")
    HEALTH = "health", _("Health")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    YOUTH_LEAGUE = "youth_league", _("Communist Youth League")
    WOMEN = "women", _("Women's federation")
    CYBERSPACE = "cyberspace", _("Cyberspace")
    PUBLICITY = "publicity", _("Publicity")
    OTHER = "other", _("Other")


class Disclosure(models.Model):
    """信息通报 — what of a case was shared with another department because of a risk of harm (R15): the legal
    basis, what was shared, to whom, when and by whom. Append-only; audited."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="disclosures")
    department = models.CharField(_("department"), max_length=16, choices=Department.choices)
    recipient = models.CharField(_("to whom"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    shared = EncryptedTextField(_("what was shared"))  # T3, encrypted
    disclosed_at = models.DateTimeField(_("shared at"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["disclosed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.department}"
