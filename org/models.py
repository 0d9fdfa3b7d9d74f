"""The jurisdiction tree (市 → 区 → 教育集团 → 学校 → 校区), school calendars, classes, students,
guardians, users and their posts. This is the lowest layer: it imports no other Xinyu app."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_STEP = 5  # characters per level of the materialized path: "00001.00042."


class NodeKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    GROUP = "group", _("Education group")
    SCHOOL = "school", _("School")
    CAMPUS = "campus", _("Campus")


# Which kinds may hang under which (an education group is optional between district and school).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    NodeKind.CITY: {None},
    NodeKind.DISTRICT: {NodeKind.CITY},
    NodeKind.GROUP: {NodeKind.DISTRICT},
    NodeKind.SCHOOL: {NodeKind.DISTRICT, NodeKind.GROUP},
    NodeKind.CAMPUS: {NodeKind.SCHOOL},
}


class SchoolStage(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR = "junior", _("Junior high school")
    SENIOR = "senior", _("Senior high school")
    NINE_YEAR = "nine_year", _("Nine-year school")
    TWELVE_YEAR = "twelve_year", _("Twelve-year school")
    COMPLETE_MIDDLE = "complete_middle", _("Complete middle school")


# Grades each stage teaches (1–6 primary, 7–9 junior, 10–12 senior).
STAGE_GRADES: dict[str, range] = {
    SchoolStage.PRIMARY: range(1, 7),
    SchoolStage.JUNIOR: range(7, 10),
    SchoolStage.SENIOR: range(10, 13),
    SchoolStage.NINE_YEAR: range(1, 10),
    SchoolStage.TWELVE_YEAR: range(1, 13),
    SchoolStage.COMPLETE_MIDDLE: range(7, 13),
}


class NodeQuerySet(models.QuerySet):
    def subtree(self, node: Node) -> NodeQuerySet:
        """The node and everything below it: one indexed prefix scan on ``path``."""
        return self.filter(path__startswith=node.path)

    def schools(self) -> NodeQuerySet:
        return self.filter(kind=NodeKind.SCHOOL)

    def open_on(self, day: dt.date | None = None) -> NodeQuerySet:
        """Units not closed (撤销) by ``day`` (today): the current work's lists. A unit closed later than ``day`` —
        a past semester's report — is kept (issue 18)."""
        return self.filter(open_q(day=day))


def open_q(prefix: str = "", day: dt.date | None = None) -> Q:
    """``Q`` for a unit (``prefix``: the path to a node, e.g. ``"school__"``, ``"campus__"``) not closed by ``day``
    (today): closed units leave the current year's lists and stay in history (issue 18)."""
    day = day or timezone.localdate()
    return Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": day})


class Node(models.Model):
    """A node of the jurisdiction tree. Subtrees are found by materialized path prefix."""

    kind = models.CharField(_("kind"), max_length=10, choices=NodeKind.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Division code of a district, school code, …")
    )
    # School attributes (only for kind=school).
    stage = models.CharField(_("stage"), max_length=20, choices=SchoolStage.choices, blank=True)
    is_multi_site = models.BooleanField(_("multi-site school"), default=False)
    # 撤销 — a node is closed, never deleted: its history (posts, enrollments, records) stays (issue 18).
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Denormalised ancestors for cheap grouping in rollups; set on save.
    district = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    school = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    objects = NodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation node")
        verbose_name_plural = _("organisation nodes")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="school") | Q(stage=""), name="node_stage_only_on_schools"
            ),
            models.CheckConstraint(condition=~Q(kind="school") | ~Q(stage=""), name="node_school_has_stage"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.clean()
        if self.parent_id:
            parent = self.parent
            self.depth = parent.depth + 1
            self.district_id = parent.id if parent.kind == NodeKind.DISTRICT else parent.district_id
            self.school_id = parent.id if parent.kind == NodeKind.SCHOOL else parent.school_id
        else:
            self.depth = 0
        if not self.path:
            self.path = self._next_path()
        super().save(*args, **kwargs)
        # A district is its own district and a school its own school, for uniform grouping.
        if self.kind == NodeKind.DISTRICT and self.district_id != self.pk:
            Node.objects.filter(pk=self.pk).update(district=self.pk)
            self.district_id = self.pk
        if self.kind == NodeKind.SCHOOL and self.school_id != self.pk:
            Node.objects.filter(pk=self.pk).update(school=self.pk)
            self.school_id = self.pk

    def clean(self) -> None:
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in ALLOWED_PARENTS[self.kind]:
            raise ValidationError(_("A %(kind)s cannot be placed here.") % {"kind": self.get_kind_display()})

    def _next_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        siblings = Node.objects.filter(path__startswith=prefix, depth=self.depth)
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        n = int(last[len(prefix) : len(prefix) + PATH_STEP]) + 1 if last else 1
        return f"{prefix}{n:0{PATH_STEP}d}."

    def is_open_on(self, day: dt.date) -> bool:
        """Not closed (撤销) by ``day``: a unit closed during a period still counts in that period (issue 18)."""
        return self.closed_on is None or self.closed_on > day

    def is_within(self, other: Node) -> bool:
        return self.path.startswith(other.path)

    @property
    def grades(self) -> range:
        return STAGE_GRADES.get(self.stage, range(0))


class SchoolYear(models.Model):
    """学年 — e.g. 2025–2026, starting 1 September."""

    start_year = models.PositiveSmallIntegerField(_("start year"), unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="year_order")
        ]

    def __str__(self) -> str:
        return f"{self.start_year}–{self.start_year + 1}"

    @classmethod
    def for_date(cls, day: dt.date) -> SchoolYear | None:
        return cls.objects.filter(starts_on__lte=day, ends_on__gte=day).first()

    @classmethod
    def current(cls) -> SchoolYear | None:
        return cls.for_date(timezone.localdate())


class Semester(models.Model):
    """学期 — autumn (1) and spring (2) with their calendar: teaching weeks, holidays, exam weeks."""

    school_year = models.ForeignKey(SchoolYear, models.CASCADE, related_name="semesters")
    term = models.PositiveSmallIntegerField(_("term"), choices=[(1, _("Autumn")), (2, _("Spring"))])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    teaching_weeks = models.PositiveSmallIntegerField(_("teaching weeks"), default=18)
    # [{"date": "2025-10-01", "until": "2025-10-08", "kind": "holiday", "name": "国庆节"}, …]
    calendar = models.JSONField(_("calendar"), default=list, blank=True)

    class Meta:
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["school_year", "term"], name="one_semester_per_term"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")), name="semester_order"),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} {self.get_term_display()}"

    # Set by ``org.calendar.selectors`` on a semester read with a district's own dates (the district's id); such
    # an instance shows the district's dates and is never saved over the city's row.
    dates_of: int | None = None

    def save(self, *args, **kwargs) -> None:
        if self.dates_of is not None:
            raise ValueError(
                "A semester read with a district's own dates is not saved; use org.calendar.services."
            )
        super().save(*args, **kwargs)


class SchoolClass(models.Model):
    """班级 — a class of one grade on one campus in one school year."""

    school = models.ForeignKey(Node, models.PROTECT, related_name="classes", verbose_name=_("school"))
    campus = models.ForeignKey(Node, models.PROTECT, related_name="campus_classes", verbose_name=_("campus"))
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="classes")
    grade = models.PositiveSmallIntegerField(_("grade"))
    name = models.CharField(_("class name"), max_length=40)
    class_teacher = models.ForeignKey(
        "User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="taught_classes",
        verbose_name=_("class teacher"),
    )

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["grade", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "grade", "name"], name="class_unique_name"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="class_grade_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.campus_id and self.school_id and self.campus.parent_id != self.school_id:
            raise ValidationError(_("The campus does not belong to this school."))


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Student(models.Model):
    """学生 — identified by the national student number (学籍号), the natural key across schools."""

    student_no = models.CharField(_("student number (学籍号)"), max_length=19, unique=True)
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    user = models.OneToOneField(
        "User",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="student",
        verbose_name=_("login account"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["student_no"]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        """Full years on ``day`` — what a reader who may not see the birth date is shown (issue 19 finding 11)."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def current_enrollment(self) -> Enrollment | None:
        return (
            self.enrollments.filter(status=EnrollmentStatus.ACTIVE)
            .select_related("school", "school_class")
            .first()
        )


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TRANSFERRED = "transferred", _("Transferred out")
    COMPLETED = (
        "completed",
        _("School year completed"),
    )  # the next year's enrollment at the same school follows
    GRADUATED = "graduated", _("Graduated")
    LEFT = "left", _("Left")


class Enrollment(models.Model):
    """在籍 — a student at a school (and class) in a school year. History across years and schools follows
    the student; at most one enrollment is active at a time."""

    # No single-column FK indexes where a composite index leads with the column (issue 2, deliverable 15:
    # each index is written on every imported row): student ← enrollment_unique_year and
    # one_active_enrollment, school ← (school, status), school_class ← (school_class, status).
    student = models.ForeignKey(Student, models.CASCADE, related_name="enrollments", db_index=False)
    school = models.ForeignKey(Node, models.PROTECT, related_name="enrollments", db_index=False)
    school_class = models.ForeignKey(
        SchoolClass, models.PROTECT, null=True, blank=True, related_name="enrollments", db_index=False
    )
    school_year = models.ForeignKey(SchoolYear, models.PROTECT, related_name="enrollments")
    grade = models.PositiveSmallIntegerField(_("grade"))
    status = models.CharField(_("status"), max_length=12, choices=EnrollmentStatus.choices, default="active")
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-school_year__start_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["student"], condition=Q(status="active"), name="one_active_enrollment"
            ),
            models.UniqueConstraint(
                fields=["student", "school", "school_year"], name="enrollment_unique_year"
            ),
            models.CheckConstraint(condition=Q(grade__gte=1, grade__lte=12), name="enrollment_grade_range"),
        ]
        indexes = [models.Index(fields=["school", "status"]), models.Index(fields=["school_class", "status"])]

    def __str__(self) -> str:
        return f"{self.student} @ {self.school} ({self.school_year})"


class User(AbstractUser):
    """A login: staff, student, guardian, clinician or auditor. What they may do comes from their posts."""

    display_name = models.CharField(_("name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def active_posts(self, on: dt.date | None = None) -> models.QuerySet[Post]:
        return Post.objects.active(on).filter(user=self)


class Guardian(models.Model):
    """监护人 — a parent or other guardian, linked to one or more students."""

    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True)
    user = models.OneToOneField(
        User, models.SET_NULL, null=True, blank=True, related_name="guardian", verbose_name=_("login account")
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    FATHER = "father", _("Father")
    MOTHER = "mother", _("Mother")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other guardian")


class GuardianLink(models.Model):
    # No guardian FK index: guardian_link_unique (guardian, student) leads with it.
    guardian = models.ForeignKey(Guardian, models.CASCADE, related_name="links", db_index=False)
    student = models.ForeignKey(Student, models.CASCADE, related_name="guardian_links")
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("guardian link")
        verbose_name_plural = _("guardian links")
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardian_link_unique"),
            models.UniqueConstraint(
                fields=["student"], condition=Q(is_primary=True), name="one_primary_guardian"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} → {self.student} ({self.get_relation_display()})"


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("City administrator")
    CITY_OFFICER = "city_officer", _("City officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    DISTRICT_ADMIN = "district_admin", _("District administrator")
    DISTRICT_OFFICER = "district_officer", _("District officer (research)")
    DISTRICT_COUNSELOR = "district_counselor", _("District counselor")
    SCHOOL_LEADER = "school_leader", _("School leader")
    PSYCH_TEACHER = "psych_teacher", _("Psychological teacher")
    CLASS_TEACHER = "class_teacher", _("Class teacher")
    TEACHER = "teacher", _("Teacher")
    STUDENT = "student", _("Student")
    GUARDIAN = "guardian", _("Guardian")
    INSTITUTION_CLINICIAN = "institution_clinician", _("Institution clinician")
    AUDITOR = "auditor", _("Auditor")
    SECURITY_ADMIN = "security_admin", _("Security administrator")


# The node kinds a post of each role is held at.
ROLE_NODE_KINDS: dict[str, set[str]] = {
    Role.CITY_ADMIN: {NodeKind.CITY},
    Role.CITY_OFFICER: {NodeKind.CITY},
    Role.SUPERVISOR: {NodeKind.CITY, NodeKind.DISTRICT},
    Role.DISTRICT_ADMIN: {NodeKind.DISTRICT},
    Role.DISTRICT_OFFICER: {NodeKind.DISTRICT},
    Role.DISTRICT_COUNSELOR: {NodeKind.DISTRICT},
    Role.SCHOOL_LEADER: {NodeKind.SCHOOL},
    Role.PSYCH_TEACHER: {NodeKind.SCHOOL, NodeKind.CAMPUS},
    Role.CLASS_TEACHER: {NodeKind.SCHOOL},
    Role.TEACHER: {NodeKind.SCHOOL, NodeKind.CAMPUS},
    Role.STUDENT: {NodeKind.SCHOOL},
    Role.GUARDIAN: {NodeKind.SCHOOL, NodeKind.DISTRICT, NodeKind.CITY},
    Role.INSTITUTION_CLINICIAN: {NodeKind.DISTRICT, NodeKind.CITY},
    Role.AUDITOR: {NodeKind.CITY, NodeKind.DISTRICT},
    Role.SECURITY_ADMIN: {NodeKind.CITY, NodeKind.DISTRICT},
}


class Duty(models.TextChoices):
    """三权分立 — the three administrative duties 等保 level 3 keeps apart (docs/security.md)."""

    SYSTEM = (
        "system",
        _("System administration"),
    )  # 系统管理员: accounts, posts, the organisation tree, rosters
    SECURITY = (
        "security",
        _("Security administration"),
    )  # 安全管理员: account security, break-glass oversight, keys
    AUDIT = "audit", _("Audit")  # 审计员: reads the audit trail


# Which duty a role carries (roles not listed carry none). One account never holds posts of two duties, enforced
# by Post.clean() and by a database trigger (migration org.0004).
DUTY_OF_ROLE: dict[str, str] = {
    Role.CITY_ADMIN: Duty.SYSTEM,
    Role.DISTRICT_ADMIN: Duty.SYSTEM,
    Role.SECURITY_ADMIN: Duty.SECURITY,
    Role.AUDITOR: Duty.AUDIT,
}


def other_duty_roles(role: str) -> list[str]:
    """The roles whose posts an account holding a post of ``role`` may not also hold (separation of duties)."""
    duty = DUTY_OF_ROLE.get(role)
    if duty is None:
        return []
    return [r for r, d in DUTY_OF_ROLE.items() if d != duty]


class PostQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> PostQuerySet:
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Post(models.Model):
    """岗位 — a user's role at a node of the tree (and, for a class teacher, a class), with dates."""

    # No user FK index: the (user, role) index leads with it.
    user = models.ForeignKey(User, models.CASCADE, related_name="posts", db_index=False)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    node = models.ForeignKey(Node, models.PROTECT, related_name="posts", verbose_name=_("organisation"))
    school_class = models.ForeignKey(
        SchoolClass, models.CASCADE, null=True, blank=True, related_name="posts", verbose_name=_("class")
    )
    full_time = models.BooleanField(_("full-time"), default=False)
    title = models.CharField(_("title"), max_length=60, blank=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="class_teacher") | Q(school_class__isnull=False),
                name="class_teacher_has_class",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="post_dates",
            ),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} @ {self.node}"

    def clean(self) -> None:
        if self.node_id and self.node.kind not in ROLE_NODE_KINDS[self.role]:
            raise ValidationError(_("This role cannot be held at this kind of organisation."))
        if self.school_class_id and self.school_class.school_id != self.node_id:
            raise ValidationError(_("The class is not in this school."))
        # 三权分立 (等保 level 3, access control): system administrator, security administrator and auditor are
        # never the same account, not even one after another — a person who changes duty gets a new account.
        other = Post.objects.filter(user_id=self.user_id, role__in=other_duty_roles(self.role)).exclude(
            pk=self.pk
        )
        if self.user_id and other.exists():
            raise ValidationError(
                _(
                    "Separation of duties: this account already holds a post of another administrative duty "
                    "(system administrator, security administrator, auditor). Use a separate account."
                )
            )


class ImportKind(models.TextChoices):
    STUDENTS = "students", _("Students")
    STAFF = "staff", _("Staff")
    GUARDIANS = "guardians", _("Guardians")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("Waiting for the columns to be confirmed")
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    CHECKED = "checked", _("Checked (dry run), nothing written")
    REJECTED = "rejected", _("Rejected: errors found, nothing written")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """名册导入 — one roster import: the uploaded file, its progress and its row-by-row report."""

    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices, default=ImportKind.STUDENTS)
    node = models.ForeignKey(Node, models.PROTECT, related_name="import_jobs", verbose_name=_("organisation"))
    created_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="import_jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.CharField(max_length=500, help_text="Path of the stored upload under MEDIA_ROOT")
    original_name = models.CharField(_("file name"), max_length=255)
    dry_run = models.BooleanField(_("check only"), default=False)
    skip_invalid = models.BooleanField(_("import valid rows, skip invalid ones"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)  # {"created": n, "updated": n, "unchanged": n, …}
    errors = models.JSONField(
        default=list, blank=True
    )  # [{"line": 7, "column": "学籍号", "message": "…"}, …]
    error_count = models.PositiveIntegerField(default=0)
    # The field of each file column as confirmed on the mapping page ("" = not imported); empty: the
    # template's header (issue 18 build 5).
    columns = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)  # about the file (a column not imported), not rows
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def problem_lines(self) -> int:
        """How many rows the listed problems are about (a row with two problems is one)."""
        return len({e.get("line") for e in self.errors if e.get("line")})

    @property
    def percent(self) -> int:
        if self.status in {ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.REJECTED}:
            return 100
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class RosterColumnMap(models.Model):
    """The column mapping a school (or district) saved on the mapping page, for its next file of this kind:
    header name (as columns.header_name gives it) → column key, "" for a column not imported
    (issue 18 build 5)."""

    node = models.ForeignKey(Node, models.CASCADE, related_name="roster_column_maps")
    kind = models.CharField(_("kind"), max_length=12, choices=ImportKind.choices)
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(User, models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved roster column mapping")
        verbose_name_plural = _("saved roster column mappings")
        constraints = [models.UniqueConstraint(fields=["node", "kind"], name="roster_column_map_once")]

    def __str__(self) -> str:
        return f"{self.node} {self.kind}"


# Sub-domain models, re-exported so Django finds them under the app label ``org``.
from org.calendar.models import CalendarDay, DayKind, DistrictSemester  # noqa: E402, F401
from org.rollover.models import RolloverPlan, RolloverStatus  # noqa: E402, F401
