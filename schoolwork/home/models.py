"""Home–school work and governance (家校共育与组织保障): attachments, home visits, parent sessions, guardian
invitations and talk requests, leadership meetings, district plans, pilots, the excellent-case library and the
resource library (R9, R10, R11, R14, R17). Imported by ``schoolwork.models``.

Every record hangs on a node of the tree (a school or a district) and carries a date and, where it is counted
per semester, its semester — supervision counts them per class, school, district and semester.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from access.fields import EncryptedTextField
from org.models import Guardian, Node, SchoolClass, SchoolYear, Semester, Student


class PrivateStorage(FileSystemStorage):
    """Files under MEDIA_ROOT (var/media, outside the web root) that have no public URL: served only through
    the attachment view, which asks the owning record's access rule."""

    def url(self, name: str | None) -> str:
        raise ValueError("attachments have no public URL; link to schoolwork:attachment")


def _private_storage() -> FileSystemStorage:
    return PrivateStorage()


# --- Attachments (附件) -----------------------------------------------------------------------------------------


class Attachment(models.Model):
    """附件 — a PDF, image or Office file belonging to one record (``owner_type`` = the owner's model label,
    ``owner_id`` its key). Checked by content on upload; served only through the attachment view, which asks the
    owner's access rule."""

    owner_type = models.CharField(max_length=60)
    owner_id = models.PositiveIntegerField()
    file = models.FileField(storage=_private_storage, upload_to="private/attachments/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="sw_attachment_owner")]

    def __str__(self) -> str:
        return self.original_name


# --- Home visits (家访) — R10 -----------------------------------------------------------------------------------


class VisitMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person at home")
    AT_SCHOOL = "at_school", _("Parents came to school")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")


class HomeVisit(models.Model):
    """家访 — one visit to one student's family. ``summary`` is the non-clinical account (T2: the class teacher
    and the psychological teacher); ``sensitive_note`` is T3 and encrypted."""

    student = models.ForeignKey(Student, models.PROTECT, related_name="home_visits")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey(SchoolClass, models.PROTECT, null=True, related_name="home_visits")
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="+")
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+")
    visited_on = models.DateField(_("date of the visit"))
    visitors = models.CharField(_("who went"), max_length=200)
    mode = models.CharField(_("how"), max_length=12, choices=VisitMode.choices)
    by_leader = models.BooleanField(_("a school leader's own visit"), default=False)
    summary = models.TextField(_("summary"), max_length=2000)
    sensitive_note = EncryptedTextField(_("sensitive note"), blank=True, default="")  # T3
    case = models.ForeignKey(
        "care.Case", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField()
    key = models.CharField(max_length=64, blank=True)  # the form's one-time key: a double submit is one visit

    class Meta:
        verbose_name = _("home visit")
        verbose_name_plural = _("home visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["school_class", "school_year"], name="sw_visit_class_year"),
            models.Index(fields=["school", "semester"], name="sw_visit_school_semester"),
            models.Index(fields=["student", "visited_on"], name="sw_visit_student"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "key"], condition=~Q(key=""), name="sw_visit_key"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.visited_on}"


# --- Parent sessions (家长学校 / 家长课) — R11 -----------------------------------------------------------------------


class ParentSession(models.Model):
    """家长课 — a mental-health session for parents held by a school (at least one per semester, R11)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    title = models.CharField(_("topic"), max_length=120)
    speaker = models.CharField(_("speaker"), max_length=100, blank=True)
    grades = models.CharField(_("for grades"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("parent session")
        verbose_name_plural = _("parent sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["school", "semester"], name="sw_psession_school_sem")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"], condition=~Q(key=""), name="sw_psession_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ParentAttendance(models.Model):
    """A household at a parent session, named by its child (one row per child: a household with two children
    at the school counts for each child's class)."""

    session = models.ForeignKey(ParentSession, models.CASCADE, related_name="attendance")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    school_class = models.ForeignKey(SchoolClass, models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("parent session attendance")
        verbose_name_plural = _("parent session attendance")
        constraints = [models.UniqueConstraint(fields=["session", "student"], name="sw_attend_once")]
        indexes = [models.Index(fields=["session", "school_class"], name="sw_attend_class")]

    def __str__(self) -> str:
        return f"{self.session_id} {self.student_id}"


# --- Guardians (监护人) -------------------------------------------------------------------------------------------


class GuardianInvitation(models.Model):
    """监护人邀请 — a one-time, expiring invitation printed on a slip with a QR code; only its SHA-256 is kept."""

    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="invitations")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guardian invitation")
        verbose_name_plural = _("guardian invitations")

    def __str__(self) -> str:
        return f"invitation {self.pk}"


class TalkRequest(models.Model):
    """约谈请求 — a guardian asks the school's psychological teachers for a talk about their child."""

    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="+")
    student = models.ForeignKey(Student, models.CASCADE, related_name="+")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+")
    message = EncryptedTextField(_("message"), blank=True, default="")  # may be clinical: T3, encrypted
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("talk request")
        verbose_name_plural = _("talk requests")
        constraints = [models.UniqueConstraint(fields=["guardian", "key"], name="sw_talk_once")]

    def __str__(self) -> str:
        return f"talk request {self.pk}"


# --- Governance (组织保障) — R14, R17, R9 ---------------------------------------------------------------------------


class LeadershipMeeting(models.Model):
    """领导小组会议 — a meeting of the school's mental-health leadership group (at least one per quarter)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    held_on = models.DateField(_("date"))
    title = models.CharField(_("topic"), max_length=120)
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    minutes = models.TextField(_("minutes"), max_length=10000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("leadership meeting")
        verbose_name_plural = _("leadership meetings")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["school", "held_on"], name="sw_meeting_school")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"], condition=~Q(key=""), name="sw_meeting_key"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted to the city")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for revision")


class DistrictPlan(models.Model):
    """区实施方案 — a district's implementation plan for a school year, submitted to the city (R14)."""

    district = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("district"))
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("district implementation plan")
        verbose_name_plural = _("district implementation plans")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Pilot(models.Model):
    """试点 — a pilot district or school designated by the city for a school year (R17)."""

    node = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("district or school"))
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="+")
    theme = models.CharField(_("theme"), max_length=120)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    designated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        constraints = [models.UniqueConstraint(fields=["node", "school_year"], name="sw_pilot_once")]

    def __str__(self) -> str:
        return f"{self.node} {self.theme}"


class CaseStage(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted by the school")
    DISTRICT_REVIEWED = "district_reviewed", _("Recommended by the district")
    CITY_SELECTED = "city_selected", _("Selected by the city")
    RETURNED = "returned", _("Not recommended")


class ExcellentCase(models.Model):
    """优秀案例 — a de-identified write-up: the school submits, the district reviews, the city selects (R17)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("write-up"), max_length=20000)
    stage = models.CharField(
        _("stage"), max_length=20, choices=CaseStage.choices, default=CaseStage.SUBMITTED
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField()
    district_reviewed_at = models.DateTimeField(null=True, blank=True)
    city_selected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("excellent case")
        verbose_name_plural = _("excellent cases")
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Audience(models.TextChoices):
    STUDENTS = "students", _("Students")
    PARENTS = "parents", _("Parents")
    BOTH = "both", _("Students and parents")


class Resource(models.Model):
    """心理健康资源 — an article or resource for students and parents, published by the city, a district or a
    school for its subtree (R9)."""

    node = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("published by"))
    audience = models.CharField(_("for"), max_length=10, choices=Audience.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20000, blank=True)
    link = models.URLField(_("link"), blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="sw_resource_title"),
        ]

    def __str__(self) -> str:
        return self.title
