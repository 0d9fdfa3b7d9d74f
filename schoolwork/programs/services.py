"""Writes of the school programs (lessons, key times, training, five educations): keyword-only, policy first,
one transaction, audited. Bad input raises ``ProgramError`` with a message for the user and changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from org.models import Node, NodeKind, Post, SchoolClass, Semester, User
from schoolwork.programs import selectors
from schoolwork.programs.models import (
    ActivityKind,
    ActivityLevel,
    Audience,
    ClassActivity,
    ClassDay,
    CombinedWith,
    KeyTimeActivity,
    Lesson,
    LessonFocus,
    LessonPlan,
    SignInMethod,
    Training,
    TrainingAttendance,
    TrainingCertificate,
    TrainingCycle,
    TrainingKind,
)
from schoolwork.programs.semesters import key_times, semester_calendar, semester_for


class ProgramError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _in_semester(day: dt.date, semester: Semester) -> None:
    if not semester.starts_on <= day <= semester.ends_on:
        raise ProgramError(
            _("The date %(day)s is outside the semester (%(start)s – %(end)s).")
            % {"day": day, "start": semester.starts_on, "end": semester.ends_on}
        )


# --- psychological lessons (R3.1, R3.2, R3.4) ------------------------------------------------------------------


def record_lessons(
    *,
    by: User,
    classes: list[SchoolClass],
    semester: Semester,
    given_on: dt.date,
    topic: str,
    class_hours: int = 1,
    teacher: User | None = None,
    combined_with: str = "",
    focus: str = "",
    life_education: bool = False,
    adolescence_education: bool = False,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> list[Lesson]:
    """心理课记录 — one lesson given to several classes at once (bulk entry): a log line per class.

    All-or-nothing: a class outside the user's log, a date outside the semester or a class of another school
    year refuses the whole entry. The same class, date and topic sent again is the same lesson (idempotent)."""
    now = now or timezone.now()
    allowed = set(selectors.lesson_classes(by).values_list("pk", flat=True))
    if not classes:
        raise ProgramError(_("Choose at least one class."))
    if any(c.pk not in allowed for c in classes):
        raise ProgramError(_("You do not keep the lesson log of one of these classes."), 404)
    topic = (topic or "").strip()[:120]
    if not topic:
        raise ProgramError(_("Give the lesson's topic."))
    if not 1 <= class_hours <= 8:
        raise ProgramError(_("Class hours must be between 1 and 8."))
    if combined_with not in CombinedWith.values or focus not in LessonFocus.values:
        raise ProgramError(_("Please check the form."))
    _in_semester(given_on, semester)
    if any(c.school_year_id != semester.school_year_id for c in classes):
        raise ProgramError(_("A class of another school year cannot have lessons in this semester."))
    if teacher is not None and teacher.pk not in {u.pk for u in selectors.lesson_teachers(by, classes)}:
        raise ProgramError(_("The teacher is not a psychological teacher of these classes' school."))
    out = []
    with transaction.atomic():
        for c in classes:
            lesson, created = Lesson.objects.get_or_create(
                school_class=c,
                given_on=given_on,
                topic=topic,
                defaults={
                    "school_id": c.school_id,
                    "semester": semester,
                    "class_hours": class_hours,
                    "teacher": teacher or by,
                    "combined_with": combined_with,
                    "focus": focus,
                    "life_education": life_education,
                    "adolescence_education": adolescence_education,
                    "recorded_by": by,
                    "recorded_at": now,
                },
            )
            out.append(lesson)
        audit.record(
            actor=by,
            action="schoolwork.lesson.record",
            obj=out[0],
            request=request,
            detail={"classes": [c.pk for c in classes], "date": given_on.isoformat(), "hours": class_hours},
        )
    return out


def save_lesson_plan(
    *,
    by: User,
    school_id: int,
    semester: Semester,
    grade: int,
    planned_hours: int,
    topics: str = "",
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> LessonPlan:
    """心理课教学计划 — a grade's semester plan (R3.1: every grade's plan has psychological classes)."""
    now = now or timezone.now()
    school = next((s for s in selectors.plan_schools(by) if s.pk == school_id), None)
    if school is None:
        raise ProgramError(_("You do not plan lessons for this school."), 404)
    if grade not in school.grades:
        raise ProgramError(_("The school does not teach grade %(grade)s.") % {"grade": grade})
    if not 0 <= planned_hours <= 60:
        raise ProgramError(_("Planned class hours must be between 0 and 60."))
    with transaction.atomic():
        plan, _created = LessonPlan.objects.update_or_create(
            school=school,
            semester=semester,
            grade=grade,
            defaults={
                "planned_hours": planned_hours,
                "topics": topics[:2000],
                "updated_by": by,
                "updated_at": now,
            },
        )
        audit.record(
            actor=by, action="schoolwork.plan.save", obj=plan, request=request, detail={"grade": grade}
        )
    return plan


# --- staff training, teaching research, inspection guidance (R2.2, R1.4) ----------------------------------------

SIGNIN_SALT = "schoolwork.training-signin"


def create_training(
    *,
    by: User,
    organiser: Node,
    held_on: dt.date,
    topic: str,
    hours: Decimal = Decimal(2),
    audience: str = Audience.ALL_STAFF,
    kind: str = TrainingKind.TRAINING,
    for_class_teachers: bool = False,
    visited: Node | None = None,
    cycle: str = TrainingCycle.IN_SERVICE,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> Training:
    """培训 / 教研 / 视导 — a session organised by ``organiser`` (a school, district or the city). Its semester is
    the one its date falls in; a date in no semester is refused."""
    now = now or timezone.now()
    if organiser.pk not in {n.pk for n in selectors.organiser_nodes(by)}:
        raise ProgramError(_("You do not organise trainings for this organisation."), 404)
    topic = (topic or "").strip()[:120]
    if not topic:
        raise ProgramError(_("Give the training's topic."))
    if (
        kind not in TrainingKind.values
        or audience not in Audience.values
        or cycle not in TrainingCycle.values
    ):
        raise ProgramError(_("Please check the form."))
    if not Decimal("0.5") <= hours <= Decimal(40):
        raise ProgramError(_("Hours must be between 0.5 and 40."))
    semester = semester_for(held_on, organiser)
    if semester is None:
        raise ProgramError(_("The date %(day)s is in no semester.") % {"day": held_on})
    if kind == TrainingKind.INSPECTION:
        if visited is None or visited.kind != NodeKind.SCHOOL or not visited.is_within(organiser):
            raise ProgramError(_("An inspection-guidance visit names a school of the organiser's area."))
    else:
        visited = None
    with transaction.atomic():
        training, _created = Training.objects.get_or_create(
            organiser=organiser,
            held_on=held_on,
            topic=topic,
            defaults={
                "semester": semester,
                "kind": kind,
                "hours": hours,
                "audience": audience,
                "for_class_teachers": for_class_teachers or audience == Audience.CLASS_TEACHERS,
                "cycle": cycle,
                "visited": visited,
                "created_by": by,
                "created_at": now,
            },
        )
        audit.record(actor=by, action="schoolwork.training.create", obj=training, request=request)
    return training


def record_certificate(
    *,
    by: User,
    school: Node,
    staff_id: int | str,
    title: str,
    issuer: str,
    hours: object,
    issued_on: dt.date | None,
    cycle: str = TrainingCycle.IN_SERVICE,
    now: dt.datetime | None = None,
) -> TrainingCertificate:
    """培训证书 — the school's leader or psychological teacher records hours a staff member of the school took
    outside Xinyu's sessions (R2.2); they count in the semester of their date. The same staff member, title and
    date twice is one certificate."""
    now = now or timezone.now()
    if school.pk not in {s.pk for s in selectors.certificate_schools(by)}:
        raise ProgramError(_("You do not record certificates for this school."), 404)
    staff = (
        Post.objects.filter(node__school=school, role__in=selectors.STAFF_ROLES, user_id=staff_id)
        .select_related("user")
        .first()
        if str(staff_id).isdigit()
        else None
    )
    if staff is None:
        raise ProgramError(_("Choose a staff member of this school."))
    title, issuer = (title or "").strip(), (issuer or "").strip()
    if not title or not issuer:
        raise ProgramError(_("Give the course or certificate and who issued it."))
    if len(title) > 120 or len(issuer) > 120:
        raise ProgramError(_("The course and the issuer are at most 120 characters each."))
    try:
        value = Decimal(str(hours).strip())
    except InvalidOperation:
        raise ProgramError(_("Hours must be between 0.5 and 200.")) from None
    if not (value.is_finite() and Decimal("0.5") <= value <= Decimal(200)) or value != value.quantize(
        Decimal("0.1")
    ):
        raise ProgramError(_("Hours must be between 0.5 and 200."))
    if cycle not in TrainingCycle.values:
        raise ProgramError(_("Please check the form."))
    if issued_on is None or issued_on > timezone.localtime(now).date():
        raise ProgramError(_("Please give a valid date, not in the future."))
    semester = semester_for(issued_on)
    if semester is None:
        raise ProgramError(_("The date %(day)s is in no semester.") % {"day": issued_on})
    with transaction.atomic():
        cert, created = TrainingCertificate.objects.get_or_create(
            user=staff.user,
            title=title,
            issued_on=issued_on,
            defaults={
                "school": school, "semester": semester, "issuer": issuer, "hours": value, "cycle": cycle,
                "recorded_by": by, "recorded_at": now,
            },
        )  # fmt: skip
        if created:
            audit.record(
                actor=by, action="schoolwork.certificate.create", obj=cert, detail={"hours": str(value)}
            )
    return cert


def signin_token(training: Training) -> str:
    """The signed sign-in token the QR code carries (it expires: settings XINYU_SIGNIN_MAX_AGE seconds)."""
    return signing.dumps(training.pk, salt=SIGNIN_SALT)


def training_from_token(token: str) -> Training | None:
    max_age = getattr(settings, "XINYU_SIGNIN_MAX_AGE", 3 * 3600)
    try:
        pk = signing.loads(token, salt=SIGNIN_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    return Training.objects.select_related("organiser").filter(pk=pk).first()


def _attendee_school(training: Training, user: User) -> Node:
    """The attendee's school, which must lie in the organiser's area (R2.2: a school trains its own staff)."""
    school = selectors.staff_school(user)
    if school is None or not school.is_within(training.organiser):
        raise ProgramError(
            _("%(name)s is not on the staff of a school this training is for.") % {"name": user}, 403
        )
    return school


def sign_in(
    *, training: Training, user: User, method: str = SignInMethod.QR, now: dt.datetime | None = None
) -> TrainingAttendance:
    """签到 — ``user`` was present. Scanning twice is one attendance; staff of another school are refused."""
    now = now or timezone.now()
    school = _attendee_school(training, user)
    with transaction.atomic():
        row, created = TrainingAttendance.objects.get_or_create(
            training=training, user=user, defaults={"school": school, "method": method, "signed_at": now}
        )
        if created:
            audit.record(
                actor=user, action="schoolwork.training.sign_in", obj=training, detail={"method": method}
            )
    return row


@dataclass
class RowError:
    line: int
    message: str


class SheetRejected(ProgramError):
    """The sign-in sheet has errors: nothing was imported; ``errors`` says which rows and why."""

    def __init__(self, errors: list[RowError]):
        super().__init__(_("The sign-in sheet has errors; nothing was imported."))
        self.errors = errors


def _cell(cells: list, i: int | None) -> str:
    if i is None or i >= len(cells) or cells[i] is None:
        return ""
    value = cells[i]
    if isinstance(value, float) and value.is_integer():  # a mobile number Excel stored as a number
        value = int(value)
    return str(value).strip()


USER_COLUMNS = {"用户名", "账号", "username", "user"}
PHONE_COLUMNS = {"手机", "手机号", "手机号码", "电话", "phone", "mobile"}


def import_attendance(
    *, by: User, training: Training, path: str, original_name: str = "", now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> int:  # fmt: skip
    """签到表导入 — a CSV/XLSX sign-in sheet of staff usernames or mobile numbers. All-or-nothing: an unknown
    person or one of another school rejects the whole sheet with row errors. Returns the new attendances."""
    from org.roster.reading import FileProblem, open_table

    now = now or timezone.now()
    if training not in selectors.managed_trainings(by):
        raise ProgramError(_("You do not organise this training."), 404)
    try:
        table = open_table(path, original_name)
    except FileProblem as exc:
        raise ProgramError(exc.message) from exc
    try:
        header = [str(h or "").strip().lower() for h in table.header]
        user_col = next((i for i, h in enumerate(header) if h in USER_COLUMNS), None)
        phone_col = next((i for i, h in enumerate(header) if h in PHONE_COLUMNS), None)
        if user_col is None and phone_col is None:
            raise ProgramError(_("The sheet needs a 用户名 (username) or 手机号 (mobile) column."))
        wanted: list[tuple[int, str, str]] = []
        for line, cells in table.rows:
            username, phone = _cell(cells, user_col), _cell(cells, phone_col)
            if username or phone:
                wanted.append((line, username, phone))
            if len(wanted) > 5000:
                raise ProgramError(_("A sign-in sheet has at most 5000 rows."))
    except FileProblem as exc:
        raise ProgramError(exc.message) from exc
    finally:
        table.close()
    by_name = {u.username: u for u in User.objects.filter(username__in=[w[1] for w in wanted if w[1]])}
    by_phone = {
        u.phone: u for u in User.objects.filter(phone__in=[w[2] for w in wanted if w[2] and not w[1]])
    }
    errors: list[RowError] = []
    found: list[tuple[User, Node]] = []
    for line, username, phone in wanted:
        user = by_name.get(username) if username else by_phone.get(phone)
        if user is None:
            errors.append(RowError(line, _("No staff member %(who)s.") % {"who": username or phone}))
            continue
        try:
            found.append((user, _attendee_school(training, user)))
        except ProgramError as exc:
            errors.append(RowError(line, exc.message))
    if errors:
        raise SheetRejected(errors)
    if not found:
        raise ProgramError(_("The sign-in sheet names no one."))
    with transaction.atomic():
        rows = [
            TrainingAttendance(training=training, user=u, school=s, method=SignInMethod.IMPORT, signed_at=now)
            for u, s in {u.pk: (u, s) for u, s in found}.values()
        ]
        before = training.attendance.count()
        TrainingAttendance.objects.bulk_create(rows, ignore_conflicts=True)
        added = training.attendance.count() - before
        audit.record(
            actor=by, action="schoolwork.training.import", obj=training, request=request,
            detail={"rows": len(rows), "added": added},
        )  # fmt: skip
    return added


# --- key times (R3.3) -------------------------------------------------------------------------------------------


def record_key_time(
    *,
    by: User,
    school_id: int,
    semester: Semester,
    grade: int,
    key: str,
    held_on: dt.date,
    topic: str,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> KeyTimeActivity:
    """关键时间节点辅导 — the targeted guidance given to a grade at a key time. Only a key time due for that grade
    in that semester, dated inside the semester; sending it again changes nothing."""
    now = now or timezone.now()
    school = next((s for s in selectors.keytime_schools(by) if s.pk == school_id), None)
    if school is None:
        raise ProgramError(_("You do not record key-time activities for this school."), 404)
    topic = (topic or "").strip()[:120]
    if not topic:
        raise ProgramError(_("Give the activity's topic."))
    if not any(d.key == key and d.grade == grade for d in key_times(semester, [grade])):
        raise ProgramError(
            _("This key time is not due for grade %(grade)s in this semester.") % {"grade": grade}
        )
    _in_semester(held_on, semester)
    with transaction.atomic():
        activity, _created = KeyTimeActivity.objects.get_or_create(
            school=school,
            semester=semester,
            grade=grade,
            key=key,
            defaults={"held_on": held_on, "topic": topic, "recorded_by": by, "recorded_at": now},
        )
        audit.record(
            actor=by, action="schoolwork.keytime.record", obj=activity, request=request,
            detail={"grade": grade, "key": key},
        )  # fmt: skip
    return activity


REMIND_AHEAD = dt.timedelta(days=7)


def send_key_time_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind each school's psychological teachers and leaders of the key times opening within a week and not
    yet recorded (R3.3). Idempotent: one reminder per school, grade, key time and person (notify's key).
    Returns the notifications written."""
    from care.alerts.services import notify

    now = now or timezone.now()
    today = timezone.localdate(now)
    semester = semester_for(today)
    if semester is None:
        return 0
    schools = list(Node.objects.schools().open_on(today))
    due = [
        r
        for r in selectors.key_time_status(schools, semester)
        if r.activity is None and r.due.opens_on - REMIND_AHEAD <= today <= r.due.due_on
    ]
    if not due:
        return 0
    people: dict[int, list[User]] = {}
    for post in (
        Post.objects.active(today)
        .filter(role__in=selectors.KEYTIME_ROLES, node__school__in={r.school.pk for r in due})
        .select_related("user")
    ):
        people.setdefault(post.node.school_id, []).append(post.user)
    url = reverse("schoolwork:keytimes")
    sent = 0
    with transaction.atomic():
        for r in due:
            subject = _("Key time due by %(day)s: grade %(grade)s, %(what)s") % {
                "day": r.due.due_on, "grade": r.due.grade, "what": r.label,
            }  # fmt: skip
            sent += notify(
                users=people.get(r.school.pk, []), kind="schoolwork.keytime", subject=subject, url=url,
                key=f"keytime:{r.school.pk}:{semester.pk}:{r.due.grade}:{r.due.key}", now=now,
            )  # fmt: skip
    return sent


# --- five educations (R6–R8) ------------------------------------------------------------------------------------


def _activity_class(by: User, school_class: SchoolClass) -> None:
    if not selectors.activity_classes(by).filter(pk=school_class.pk).exists():
        raise ProgramError(_("You do not keep this class's record."), 404)


def record_class_week(
    *,
    by: User,
    school_class: SchoolClass,
    semester: Semester,
    week_of: dt.date,
    pe_in_school: int,
    pe_outside: int,
    outdoor_break: int,
    request: HttpRequest | None = None,
) -> int:
    """体育活动周记录 — a class's physical activity (R6) for each school day of the week of ``week_of`` inside the
    semester, in minutes a day: one entry for the week instead of five. A day entered again is overwritten.
    Returns the days written."""
    _activity_class(by, school_class)
    _in_semester(week_of, semester)
    if not all(0 <= m <= 600 for m in (pe_in_school, pe_outside, outdoor_break)):
        raise ProgramError(_("Minutes must be between 0 and 600."))
    calendar = semester_calendar(semester, school_class.school)
    monday = week_of - dt.timedelta(days=week_of.weekday())
    days = [
        d
        for d in (monday + dt.timedelta(days=i) for i in range(7))  # 调休: a Saturday may be a school day
        if semester.starts_on <= d <= semester.ends_on and calendar.is_school_day(d)
    ]
    with transaction.atomic():
        for day in days:
            ClassDay.objects.update_or_create(
                school_class=school_class,
                day=day,
                defaults={
                    "school_id": school_class.school_id,
                    "pe_in_school": pe_in_school,
                    "pe_outside": pe_outside,
                    "outdoor_break": outdoor_break,
                    "recorded_by": by,
                },
            )
        audit.record(
            actor=by, action="schoolwork.class_days.record", obj=school_class, request=request,
            detail={"week_of": monday.isoformat(), "days": len(days)},
        )  # fmt: skip
    return len(days)


def record_class_activity(
    *,
    by: User,
    school_class: SchoolClass,
    semester: Semester,
    kind: str,
    held_on: dt.date,
    title: str,
    student_ids: list[int],
    level: str = ActivityLevel.SCHOOL,
    hours: Decimal = Decimal(1),
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> ClassActivity:
    """五育活动 — an arts practice (R7), a labour-education activity (R8) or a sport the students mastered (R6),
    for the ticked students of the class at once (bulk entry). A student not in the class refuses the entry;
    the same activity sent again is the same activity."""
    now = now or timezone.now()
    _activity_class(by, school_class)
    title = (title or "").strip()[:120]
    if not title:
        raise ProgramError(_("Give the activity's title."))
    if kind not in ActivityKind.values or level not in ActivityLevel.values:
        raise ProgramError(_("Please check the form."))
    _in_semester(held_on, semester)
    members = set(selectors.class_students(school_class).values_list("pk", flat=True))
    chosen = set(student_ids)
    if not chosen:
        raise ProgramError(_("Tick at least one student."))
    if not chosen <= members:
        raise ProgramError(_("A ticked student is not in this class."))
    with transaction.atomic():
        activity, created = ClassActivity.objects.get_or_create(
            school_class=school_class,
            kind=kind,
            held_on=held_on,
            title=title,
            defaults={
                "school_id": school_class.school_id,
                "school_year_id": semester.school_year_id,
                "level": level,
                "hours": hours,
                "recorded_by": by,
                "recorded_at": now,
            },
        )
        if created:
            activity.participants.set(chosen)
        audit.record(
            actor=by, action="schoolwork.activity.record", obj=activity, request=request,
            detail={"kind": kind, "students": len(chosen)},
        )  # fmt: skip
    return activity
