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


# --- Plans, guardian contacts, partner institutions and referrals (plans) — issue 4 items 5–7 -----------------


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


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("Meeting at school")
    HOME_VISIT = "home_visit", _("Home visit")
    MESSAGE = "message", _("Message")
    VIDEO = "video", _("Video call")
    OTHER = "other", _("Other")


class GuardianContact(models.Model):
    """家校联系 — one contact with a student's guardians about a case: channel, time, who, outcome (R12).
    "Contact the parents promptly" is met by the first contact that reached them before the level's deadline."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="guardian_contacts")
    channel = models.CharField(_("channel"), max_length=12, choices=ContactChannel.choices)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    guardian_name = models.CharField(_("guardian contacted"), max_length=50)
    reached = models.BooleanField(_("reached"), default=True)
    outcome = EncryptedTextField(_("outcome"), blank=True, default="")  # T3, encrypted
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("guardian contact")
        verbose_name_plural = _("guardian contacts")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["case", "at"], name="care_contact_case")]

    def __str__(self) -> str:
        return f"contact {self.pk} of case {self.case_id}"


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


# --- Abnormality reports, crisis steps, follow-ups, disclosures (issue 4: "cases") -----------------------------


class ReportCategory(models.TextChoices):
    EMOTION = "emotion", _("Emotion")
    BEHAVIOUR = "behaviour", _("Behaviour")
    SELF_HARM = "self_harm", _("Signs of self-harm")
    RESULTS_DROP = "results_drop", _("Sharp drop in results")
    LIFE_EVENT = "life_event", _("Major life event")
    BULLYING = "bullying", _("Bullying")
    FAMILY = "family", _("Family change")
    PHYSICAL = "physical", _("Physical complaint")
    OTHER = "other", _("Other")


class ReportUrgency(models.TextChoices):
    URGENT = "urgent", _("Urgent: possible danger now")
    HIGH = "high", _("Today")
    NORMAL = "normal", _("This week")


class TriageOutcome(models.TextChoices):
    NO_ACTION = "no_action", _("No action")
    WATCH = "watch", _("Watch")
    CASE = "case", _("Open a case")


class AbnormalityReport(models.Model):
    """学生异常情况报告 — a staff member's report of a student's abnormal state (R2.3). The class teacher and the
    psychological teachers are told at once; a psychological teacher triages it within a deadline set by its
    urgency. The reporter sees "received" or "handled", never the outcome."""

    student = models.ForeignKey(Student, models.PROTECT, related_name="abnormality_reports")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="abnormality_reports"
    )
    key = models.CharField(max_length=64)  # idempotent submit: one report per (reporter, key)
    category = models.CharField(_("category"), max_length=16, choices=ReportCategory.choices)
    observed = EncryptedTextField(_("what you saw"))  # T3, encrypted
    urgency = models.CharField(_("urgency"), max_length=8, choices=ReportUrgency.choices)
    reported_at = models.DateTimeField(_("reported at"))
    triage_deadline = models.DateTimeField(_("triage by"))
    escalated_at = models.DateTimeField(_("escalated to the school leader at"), null=True, blank=True)
    outcome = models.CharField(_("triage"), max_length=12, choices=TriageOutcome.choices, blank=True)
    triage_note = EncryptedTextField(_("triage note"), blank=True, default="")  # T3, encrypted
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    case = models.ForeignKey(Case, models.SET_NULL, null=True, blank=True, related_name="reports")

    class Meta:
        verbose_name = _("abnormality report")
        verbose_name_plural = _("abnormality reports")
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["reporter", "key"], name="care_report_once_per_key"),
        ]
        indexes = [
            models.Index(fields=["school", "triaged_at"], name="care_report_school_queue"),
            models.Index(
                fields=["triage_deadline"], condition=Q(triaged_at__isnull=True), name="care_report_waiting"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def is_handled(self) -> bool:
        return self.triaged_at is not None


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


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")


class GuardianExport(models.Model):
    """个人信息副本 — a guardian's copy of their child's records (PIPL Art. 45): a zip built by a task, downloadable
    by the guardian who asked, until ``expires_at``; the file and the row go after the retention period
    (``guardian_exports``, 7 days). Contents: care.guardian_export.services's registered sections, nothing above T1 except
    what the campaign or the family's own records let a guardian see."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    created_at = models.DateTimeField(_("requested at"))
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("link valid until"))
    file = models.CharField(max_length=200, blank=True)  # under MEDIA_ROOT/exports, never served directly
    size = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("guardian export")
        verbose_name_plural = _("guardian exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="care_export_by_user")]

    def __str__(self) -> str:
        return f"export {self.pk}"


class CorrectionField(models.TextChoices):
    STUDENT_NAME = "student_name", _("Student's name")
    STUDENT_GENDER = "student_gender", _("Student's gender")
    STUDENT_BIRTH_DATE = "student_birth_date", _("Student's birth date")
    GUARDIAN_NAME = "guardian_name", _("My name (guardian)")
    GUARDIAN_PHONE = "guardian_phone", _("My mobile phone (guardian)")


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    APPLIED = "applied", _("Corrected")
    REFUSED = "refused", _("Refused")


class CorrectionRequest(models.Model):
    """更正请求 — a guardian (or a student of 14 or more) asks to correct identity or contact data (PIPL Art. 46);
    the school leader or psychological teacher applies it or refuses it with a reason. Both are told."""

    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    guardian = models.ForeignKey("org.Guardian", models.CASCADE, null=True, blank=True, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    field = models.CharField(_("what"), max_length=20, choices=CorrectionField.choices)
    old_value = models.CharField(_("recorded value"), max_length=100)
    new_value = models.CharField(_("correct value"), max_length=100)
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    created_at = models.DateTimeField(_("asked on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.CharField(_("reason for refusing"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["student", "status"], name="care_correction_student")]

    def __str__(self) -> str:
        return f"correction {self.pk}"
