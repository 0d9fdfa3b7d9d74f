"""Mental-health education indicators (R3.1, R3.3): classes meeting the class-hour rule, graduating classes with
pre-exam counseling and stress relief, key-time guidance held — by the lesson-compliance and key-time rules of
``schoolwork.programs.selectors``, called, not restated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from org.models import Node, SchoolClass
from schoolwork.programs.selectors import Rule, key_time_status, lesson_compliance
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import as_of, ids_filter, not_started, schools
from supervision.indicators.models import Period


def _compliance(period: Period, node_ids: Iterable[int] | None, on: dt.date | None):
    classes = SchoolClass.objects.filter(
        school_year_id=period.school_year_id, **ids_filter("school_id", node_ids)
    ).only("pk", "school_id", "grade", "name")
    return lesson_compliance(classes, period.semester, on=on or as_of(period))


def _count(rows, rule: str) -> dict[int, Cell]:
    out: dict[int, list[int]] = {}
    for cc in rows:
        if cc.rule == rule:
            cell = out.setdefault(cc.school_class.school_id, [0, 0])
            cell[0] += cc.met
            cell[1] += 1
    return {pk: (n, d) for pk, (n, d) in out.items()}


def class_hours(period: Period, node_ids: Iterable[int] | None, on: dt.date | None = None) -> dict[int, Cell]:
    """R3.1: classes under the fortnightly rule (grade 4+, not 初三/高三) with at least one psychological class
    hour in every teaching fortnight of the semester over by ``on`` (today, or the semester's end) — the
    ``ClassCompliance.met`` of ``schoolwork.programs.selectors.lesson_compliance`` — over those classes. Two
    queries (the classes, the lessons aggregated per class); semesters only."""
    if period.semester_id is None or not_started(period, on):
        return {}
    return _count(_compliance(period, node_ids, on), Rule.FORTNIGHTLY)


def pre_exam_sessions(
    period: Period, node_ids: Iterable[int] | None, on: dt.date | None = None
) -> dict[int, Cell]:
    """R3.1: graduating classes (grades 9 and 12) with both a pre-exam counseling and a stress-relief lesson this
    semester (``ClassCompliance.met`` for the graduating rule), over the graduating classes."""
    if period.semester_id is None or not_started(period, on):
        return {}
    return _count(_compliance(period, node_ids, on), Rule.GRADUATING)


def classes_behind(school: Node, period: Period, on: dt.date | None = None) -> list[dict]:
    """Drill-down rows for R3.1: the school's classes not meeting their rule — class, grade, rule, fortnights due
    and covered, hours, pre-exam and stress-relief lessons. Class names only; nobody is identified."""
    if period.semester_id is None:
        return []
    return [
        {"class": cc.school_class.name, "grade": cc.school_class.grade, "rule": cc.rule, "hours": cc.hours,
         "fortnights_due": cc.fortnights_due, "fortnights_covered": cc.fortnights_covered,
         "pre_exam": cc.pre_exam, "stress_relief": cc.stress_relief}
        for cc in _compliance(period, [school.pk], on)
        if cc.rule != Rule.NONE and not cc.met
    ]  # fmt: skip


def _key_rows(period: Period, node_ids: Iterable[int] | None, on: dt.date | None):
    day = on or as_of(period)
    for row in key_time_status(list(schools(node_ids, period)), period.semester):
        state = row.state(day)
        if state in ("done", "missed"):
            yield row, state


def key_times_held(
    period: Period, node_ids: Iterable[int] | None, on: dt.date | None = None
) -> dict[int, Cell]:
    """R3.3: key times (entry, graduation, before and after the midterm and final exams, per grade taught) whose
    guidance was held, over those held or past their due day — ``KeyTimeRow.state`` of
    ``schoolwork.programs.selectors.key_time_status`` ("done" or "missed"; a key time not yet due and not held is
    not counted). Three queries; semesters only."""
    if period.semester_id is None:
        return {}
    out: dict[int, list[int]] = {}
    for row, state in _key_rows(period, node_ids, on):
        cell = out.setdefault(row.school.pk, [0, 0])
        cell[0] += state == "done"
        cell[1] += 1
    return {pk: (n, d) for pk, (n, d) in out.items()}


def key_times_missed(school: Node, period: Period, on: dt.date | None = None) -> list[dict]:
    """Drill-down rows for R3.3: the key times the school missed (grade, key time, due day)."""
    if period.semester_id is None:
        return []
    return [
        {"grade": row.due.grade, "key": row.due.key, "key_time": row.label, "due_on": row.due.due_on}
        for row, state in _key_rows(period, [school.pk], on)
        if state == "missed"
    ]


WATCHES = {
    "schoolwork.Lesson": lambda lesson: [lesson.school_id],
    "schoolwork.KeyTimeActivity": lambda a: [a.school_id],
    "org.SchoolClass": lambda c: [c.school_id],
}
