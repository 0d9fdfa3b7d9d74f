"""Models of the school counseling room (心理辅导室, R4.3): rooms and opening hours, the weekly duty roster
(值班), appointment slots generated from it, appointments (预约), session records (辅导记录) and recorded breaks
of confidentiality; per-district links out (R4.1).

Imported by ``counseling.models`` so Django finds them (app label ``counseling``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from care.alerts.levels import RiskLevel
from org.models import Node, Student


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class CounselingRoom(models.Model):
    """心理辅导室 — a counseling room on one campus of a school (R4.3)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    campus = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("campus"))
    name = models.CharField(_("name"), max_length=60)
    location = models.CharField(_("location"), max_length=100, blank=True)
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per appointment"), default=40)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("counseling room")
        verbose_name_plural = _("counseling rooms")
        ordering = ["school_id", "campus_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["campus", "name"], name="counseling_room_unique_name"),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=10, slot_minutes__lte=180), name="counseling_room_slot_length"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """开放时间 — one opening period of a room on a weekday (several a day are allowed, e.g. noon and after
    school)."""

    room = models.ForeignKey(CounselingRoom, models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=models.F("opens")), name="opening_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class RoomDutyShift(models.Model):
    """值班 — a psychological teacher on duty in a room, weekly on a weekday between two times, from a date
    (until a date, if it ends). Overlapping shifts of one teacher, or in one room, are refused by the service."""

    room = models.ForeignKey(CounselingRoom, models.CASCADE, related_name="duty_shifts")
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("psychological teacher")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="duty_shift_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    @property
    def hours(self) -> float:
        s, e = self.starts, self.ends
        return ((e.hour * 60 + e.minute) - (s.hour * 60 + s.minute)) / 60


class Slot(models.Model):
    """预约时段 — one bookable time with one teacher in one room, generated from the duty roster."""

    room = models.ForeignKey(CounselingRoom, models.CASCADE, related_name="slots")
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    shift = models.ForeignKey(RoomDutyShift, models.SET_NULL, null=True, blank=True, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["room", "counselor", "starts_at"], name="slot_unique_time"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="slot_order"),
        ]
        indexes = [models.Index(fields=["room", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.room} {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")  # 待确认
    CONFIRMED = "confirmed", _("Confirmed")  # 已确认
    ATTENDED = "attended", _("Attended")  # 已到访
    DECLINED = "declined", _("Declined")  # 已婉拒
    CANCELLED = "cancelled", _("Cancelled")  # 已取消
    NO_SHOW = "no_show", _("Did not come")  # 未到


# The statuses that hold a slot: at most one appointment per slot among them (the database says so).
HOLDING = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED, AppointmentStatus.ATTENDED)


class Appointment(models.Model):
    """预约 — a student's appointment in a counseling room: booked by the student, or requested on their behalf
    by a teacher or a guardian; confirmed, rescheduled or declined by the psychological teacher; or a walk-in
    (来访) recorded afterwards. No double booking: a partial unique constraint on the slot (R4.3)."""

    student = models.ForeignKey(Student, models.PROTECT, related_name="counseling_appointments")
    room = models.ForeignKey(CounselingRoom, models.PROTECT, related_name="appointments")
    slot = models.ForeignKey(Slot, models.PROTECT, null=True, blank=True, related_name="appointments")
    counselor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.REQUESTED
    )
    walk_in = models.BooleanField(_("walk-in"), default=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    on_behalf = models.BooleanField(_("requested on the student's behalf"), default=False)
    # What the student wants to talk about, if they say: T3 free text, encrypted.
    concern = EncryptedTextField(_("what it is about"), blank=True, default="")
    key = models.CharField(max_length=64, blank=True)  # idempotent submission
    created_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"], condition=Q(status__in=HOLDING), name="appointment_one_per_slot"
            ),
            models.UniqueConstraint(
                fields=["requested_by", "key"], condition=~Q(key=""), name="appointment_unique_key"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_order"),
        ]
        indexes = [
            models.Index(fields=["counselor", "starts_at"]),
            models.Index(fields=["student", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")  # 个体辅导
    GROUP = "group", _("Group")  # 团体辅导
    CRISIS = "crisis", _("Crisis")  # 危机干预
    GUARDIAN = "guardian", _("With guardian")  # 家长参与


class Topic(models.TextChoices):
    """辅导主题 — the controlled list of topics."""

    STUDY = "study", _("Study and exams")  # 学业
    PEERS = "peers", _("Friends and peers")  # 人际
    FAMILY = "family", _("Family")  # 家庭
    EMOTION = "emotion", _("Emotions")  # 情绪
    SELF = "self", _("Self and growth")  # 自我
    ADAPTATION = "adaptation", _("Adapting to school")  # 适应
    BULLYING = "bullying", _("Bullying")  # 欺凌
    ROMANCE = "romance", _("Relationships and puberty")  # 青春期
    INTERNET = "internet", _("Internet and gaming")  # 网络
    LOSS = "loss", _("Loss and grief")  # 丧失
    SELF_HARM = "self_harm", _("Self-harm or suicidal thoughts")  # 自伤自杀
    OTHER = "other", _("Other")  # 其他


class NextStep(models.TextChoices):
    NONE = "none", _("None needed")  # 无需跟进
    FOLLOW_UP = "follow_up", _("Another session")  # 继续辅导
    GUARDIAN = "guardian", _("Talk with the guardian")  # 家校沟通
    CASE = "case", _("Open or update a case")  # 个案
    REFER = "refer", _("Refer to an institution")  # 转介


class CounselingSession(models.Model):
    """辅导记录 — a counseling session record: when, how long, what kind, the topics, a risk judgement (the care
    levels; red/orange opens or updates a case) and the next step. ``notes`` are tier T4: encrypted at rest and
    readable by their author only (break-glass aside). A group session names no one student."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    room = models.ForeignKey(CounselingRoom, models.SET_NULL, null=True, blank=True, related_name="sessions")
    student = models.ForeignKey(
        Student, models.PROTECT, null=True, blank=True, related_name="counseling_sessions"
    )
    appointment = models.OneToOneField(
        Appointment, models.PROTECT, null=True, blank=True, related_name="session"
    )
    counselor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("counselor")
    )
    started_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices)
    group_size = models.PositiveSmallIntegerField(_("participants"), default=1)
    topics = models.JSONField(_("topics"), default=list)  # Topic values
    risk_level = models.CharField(_("risk judgement"), max_length=8, choices=RiskLevel.choices)
    next_step = models.CharField(_("next step"), max_length=12, choices=NextStep.choices)
    notes = EncryptedTextField(_("notes"), blank=True, default="")  # T4: the author only
    key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("session record")
        verbose_name_plural = _("session records")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480), name="session_duration"
            ),
            models.CheckConstraint(
                condition=Q(kind="group") | Q(student__isnull=False), name="session_names_a_student"
            ),
            models.UniqueConstraint(
                fields=["counselor", "key"], condition=~Q(key=""), name="session_unique_key"
            ),
        ]
        indexes = [
            models.Index(fields=["counselor", "started_at"]),
            models.Index(fields=["student", "started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d}"


class ConfidentialityBreak(models.Model):
    """突破保密 — the recorded act of breaking confidentiality for a risk of harm to self or others: who, when,
    why (encrypted), whom they told; it starts the crisis protocol (a red case and a red alert)."""

    session = models.ForeignKey(CounselingSession, models.PROTECT, related_name="breaks")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    harm_to = models.CharField(
        _("risk of harm to"),
        max_length=8,
        choices=[("self", _("Self")), ("others", _("Others")), ("both", _("Self and others"))],
    )
    reason = EncryptedTextField(_("why"))
    told = models.JSONField(_("whom told"), default=list)  # TOLD values
    case_id = models.BigIntegerField(null=True, blank=True)
    alert_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("break of confidentiality")
        verbose_name_plural = _("breaks of confidentiality")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"break #{self.pk}"


class DistrictLinks(models.Model):
    """The district's links out (R4.1): the online counseling platform and the hotlines shown on students'
    pages. Without a row, the Beijing defaults of ``counseling.rooms.links`` apply."""

    district = models.OneToOneField(Node, models.CASCADE, related_name="+", verbose_name=_("district"))
    platform_name = models.CharField(_("online counseling platform"), max_length=100)
    platform_url = models.URLField(_("platform address"), blank=True)
    hotlines = models.JSONField(_("hotlines"), default=list)  # [{"number": "12355", "name": "…"}, …]

    class Meta:
        verbose_name = _("district links")
        verbose_name_plural = _("district links")

    def __str__(self) -> str:
        return f"{self.district} links"
