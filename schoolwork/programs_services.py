"""Writes of the school programs (lessons, key times, training, five educations): keyword-only, policy first,
one transaction, audited. Bad input raises ``ProgramError`` with a message for the user and changes nothing."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from org.models import SchoolClass, Semester, User
from schoolwork import programs_selectors as selectors
from schoolwork.programs import CombinedWith, Lesson, LessonFocus, LessonPlan


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
