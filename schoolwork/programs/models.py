"""Models of the school programs that are evidence of R2.2, R3 and R6–R8: psychological lessons (心理健康教育课)
and their semester plans, key-time activities (关键时间节点), staff training (培训) with district teaching-research
(教研) and inspection-guidance (视导) activities, and the five educations (五育) class and student records.

Every record carries a node (school or organiser) and a semester (or school year), so supervision can count
it per class, school, district and semester. Imported into ``schoolwork.models``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from org.models import Node, SchoolClass, SchoolYear, Semester, Student

# --- Psychological lessons (R3.1, R3.2, R3.4) -------------------------------------------------------------------


class CombinedWith(models.TextChoices):
    """R3.2: the hours may be combined with other curricula and activities."""

    NONE = "", _("A psychological lesson of its own")
    CLASS_MEETING = "class_meeting", _("Class or team meeting")
    SCHOOL_CURRICULUM = "school_curriculum", _("School-based or local curriculum")
    INTEGRATED_PRACTICE = "integrated_practice", _("Integrated practice")
    AFTER_SCHOOL = "after_school", _("After-school services")


class LessonFocus(models.TextChoices):
    """R3.1: graduating grades need pre-exam counseling and stress relief."""

    GENERAL = "", _("General")
    PRE_EXAM = "pre_exam", _("Pre-exam counseling")
    STRESS_RELIEF = "stress_relief", _("Stress relief")


class Lesson(models.Model):
    """心理健康教育课 — one lesson given to one class: a line of the class's lesson log."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+", verbose_name=_("semester"))
    school_class = models.ForeignKey(
        SchoolClass, models.CASCADE, related_name="psych_lessons", verbose_name=_("class"), db_index=False
    )
    given_on = models.DateField(_("date"))
    class_hours = models.PositiveSmallIntegerField(_("class hours"), default=1)
    topic = models.CharField(_("topic"), max_length=120)
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("teacher")
    )
    combined_with = models.CharField(
        _("combined with"), max_length=24, choices=CombinedWith.choices, blank=True, default=""
    )
    focus = models.CharField(_("focus"), max_length=16, choices=LessonFocus.choices, blank=True, default="")
    life_education = models.BooleanField(_("life education"), default=False)  # R3.4
    adolescence_education = models.BooleanField(_("adolescence education"), default=False)  # R3.4
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("psychological lesson")
        verbose_name_plural = _("psychological lessons")
        ordering = ["-given_on", "-pk"]
        constraints = [
            # A submission sent twice (double click, retry) is one lesson.
            models.UniqueConstraint(fields=["school_class", "given_on", "topic"], name="lesson_once"),
            models.CheckConstraint(condition=Q(class_hours__gte=1, class_hours__lte=8), name="lesson_hours"),
        ]
        indexes = [models.Index(fields=["school", "semester"], name="lesson_school_semester")]

    def __str__(self) -> str:
        return f"{self.school_class} {self.given_on} {self.topic}"


class LessonPlan(models.Model):
    """心理健康教育课教学计划 — a grade's plan for a semester (R3.1: psychological classes in every grade's plan)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+", verbose_name=_("semester"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    planned_hours = models.PositiveSmallIntegerField(_("planned class hours"))
    topics = models.TextField(_("topics"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("lesson plan")
        verbose_name_plural = _("lesson plans")
        ordering = ["grade"]
        constraints = [
            models.UniqueConstraint(fields=["school", "semester", "grade"], name="lesson_plan_once"),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.semester} G{self.grade}"


# --- Key times (R3.3) --------------------------------------------------------------------------------------------


class KeyTime(models.TextChoices):
    ENTRY = "entry", _("Entering school")
    GRADUATION = "graduation", _("Graduation and moving up")
    BEFORE_MIDTERM = "before_midterm", _("Before the midterm exams")
    AFTER_MIDTERM = "after_midterm", _("After the midterm exams")
    BEFORE_FINAL = "before_final", _("Before the final exams")
    AFTER_FINAL = "after_final", _("After the final exams")


class KeyTimeActivity(models.Model):
    """关键时间节点心理辅导 — the targeted guidance a school gave one grade at a key time of a semester."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+", verbose_name=_("semester"))
    grade = models.PositiveSmallIntegerField(_("grade"))
    key = models.CharField(_("key time"), max_length=16, choices=KeyTime.choices)
    held_on = models.DateField(_("held on"))
    topic = models.CharField(_("topic"), max_length=120)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("key-time activity")
        verbose_name_plural = _("key-time activities")
        ordering = ["grade", "key"]
        constraints = [
            models.UniqueConstraint(fields=["school", "semester", "grade", "key"], name="keytime_once"),
        ]

    def __str__(self) -> str:
        return f"{self.school} G{self.grade} {self.get_key_display()}"


# --- Staff training, teaching research, inspection guidance (R2.2, R1.4) -----------------------------------------


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("Mental-health training")
    RESEARCH = "research", _("Teaching-research activity")  # 教研
    INSPECTION = "inspection", _("Inspection-guidance visit")  # 视导


class Audience(models.TextChoices):
    ALL_STAFF = "all_staff", _("All staff")
    CLASS_TEACHERS = "class_teachers", _("Class teachers")
    SUBJECT_TEACHERS = "subject_teachers", _("Subject teachers")
    PSYCH_TEACHERS = "psych_teachers", _("Psychological teachers")
    LEADERS = "leaders", _("School leaders")


class TrainingCycle(models.TextChoices):
    """R2.2 岗前 and 在岗: a new staff member's pre-service training, and everyone's in-service training."""

    IN_SERVICE = "in_service", _("In-service")  # 在岗培训
    PRE_SERVICE = "pre_service", _("Pre-service")  # 岗前培训


class Training(models.Model):
    """培训 — a staff mental-health training session, a district teaching-research activity (教研) or an
    inspection-guidance visit (视导), organised by a node (school, district or city)."""

    organiser = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("organiser"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+", verbose_name=_("semester"))
    kind = models.CharField(_("kind"), max_length=12, choices=TrainingKind.choices, default="training")
    held_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=2)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default="all_staff")
    topic = models.CharField(_("topic"), max_length=120)
    for_class_teachers = models.BooleanField(_("class-teacher training"), default=False)  # R2.2
    cycle = models.CharField(
        _("training cycle"), max_length=12, choices=TrainingCycle.choices, default=TrainingCycle.IN_SERVICE
    )  # R2.2: pre-service or in-service
    visited = models.ForeignKey(
        Node, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("school visited")
    )  # 视导: the school the visit went to
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organiser", "held_on", "topic"], name="training_once"),
        ]
        indexes = [models.Index(fields=["semester", "organiser"], name="training_semester")]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"


class SignInMethod(models.TextChoices):
    QR = "qr", _("QR code")
    IMPORT = "import", _("Sign-in sheet import")


class TrainingAttendance(models.Model):
    """培训签到 — a staff member present at a training."""

    training = models.ForeignKey(Training, models.CASCADE, related_name="attendance", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    method = models.CharField(_("signed in by"), max_length=8, choices=SignInMethod.choices)
    signed_at = models.DateTimeField(_("signed in at"))

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        constraints = [models.UniqueConstraint(fields=["training", "user"], name="attendance_once")]

    def __str__(self) -> str:
        return f"{self.training_id}: {self.user_id}"


class TrainingCertificate(models.Model):
    """培训证书 — hours of mental-health training a staff member took outside Xinyu's sessions (a city or national
    course, a certificate such as 心理健康教育 C 证), with the issuer and the date; they count toward the
    semester's hours (R2.2). The certificate itself is an attachment (owner ``certificate``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("staff")
    )
    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    semester = models.ForeignKey(Semester, models.PROTECT, related_name="+", verbose_name=_("semester"))
    title = models.CharField(_("course or certificate"), max_length=120)
    issuer = models.CharField(_("issued by"), max_length=120)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    cycle = models.CharField(
        _("training cycle"), max_length=12, choices=TrainingCycle.choices, default=TrainingCycle.IN_SERVICE
    )
    issued_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("training certificate")
        verbose_name_plural = _("training certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "title", "issued_on"], name="certificate_once"),
        ]
        indexes = [models.Index(fields=["semester", "school"], name="certificate_semester")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.title}"


# --- Five educations (R6–R8) -------------------------------------------------------------------------------------


class ClassDay(models.Model):
    """体育活动日记录 — a class's physical activity on one school day (R6: 1 h in school, 1 h outside, the
    break outdoors)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey(
        SchoolClass, models.CASCADE, related_name="activity_days", verbose_name=_("class"), db_index=False
    )
    day = models.DateField(_("day"))
    pe_in_school = models.PositiveSmallIntegerField(_("minutes of physical activity in school"))
    pe_outside = models.PositiveSmallIntegerField(_("minutes of physical activity outside school"))
    outdoor_break = models.PositiveSmallIntegerField(_("minutes of break spent outdoors"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("class activity day")
        verbose_name_plural = _("class activity days")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["school_class", "day"], name="class_day_once")]

    def __str__(self) -> str:
        return f"{self.school_class_id} {self.day}"


class ActivityKind(models.TextChoices):
    SPORT = "sport", _("Sport mastered")  # R6: 1–2 sports per student
    ARTS = "arts", _("Arts practice")  # R7: every student every year
    LABOUR = "labour", _("Labour education")  # R8


class ActivityLevel(models.TextChoices):
    CLASS = "class", _("Class")
    SCHOOL = "school", _("School")
    DISTRICT = "district", _("District")
    CITY = "city", _("City")


class ClassActivity(models.Model):
    """五育活动 — an arts practice, a labour-education activity or a sport taught to mastery, with the students
    of the class who took part (or mastered it)."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="+", verbose_name=_("school"))
    school_class = models.ForeignKey(
        SchoolClass, models.CASCADE, related_name="activities", verbose_name=_("class"), db_index=False
    )
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=ActivityLevel.choices, default="school")
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, default=1)
    participants = models.ManyToManyField(Student, related_name="+", verbose_name=_("students"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("five-education activity")
        verbose_name_plural = _("five-education activities")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["school_class", "kind", "held_on", "title"], name="activity_once")
        ]
        indexes = [models.Index(fields=["school_class", "school_year"], name="activity_class_year")]

    def __str__(self) -> str:
        return self.title
