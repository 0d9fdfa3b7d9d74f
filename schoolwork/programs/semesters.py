"""What the semester calendar (``Semester.calendar``) says about teaching: its teaching fortnights (R3.1: one
class hour every two weeks), its exam weeks and its key times (R3.3).

School days are the school calendar's (``org.calendar.selectors``: the national, district and school days off
and 调休 working days, and the ``"holiday"`` entries of ``Semester.calendar``). Exam weeks are the calendar's
exam days at the school (``org.calendar.selectors.exam_spans``), else the ``"exam"`` entries of
``Semester.calendar`` (``{"date", "until", "kind", "name"}``, org/demo/calendar.py writes them), the first the
midterm and the last the final. A semester without either gets the usual Beijing shape: the midterm in the week
after the semester's middle, the final in its last week.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from org.calendar import selectors as calendar_selectors
from org.calendar.selectors import SchoolCalendar, calendar_for, exam_spans, local_semester
from org.models import Node, Semester

FORTNIGHT = dt.timedelta(days=14)
ENTRY_GRADES = frozenset({1, 7, 10})  # 一年级, 初一, 高一: entering a school stage
GRADUATING_GRADES = frozenset({6, 9, 12})  # 小学毕业, 初三, 高三: graduating and moving up (GLOSSARY)
PRE_EXAM_GRADES = frozenset({9, 12})  # R3.1: 初三, 高三 need pre-exam counseling and stress relief
KEY_TIME_WINDOW = dt.timedelta(days=14)  # how long before/after an exam the targeted guidance is due


def semester_for(day: dt.date, node: Node | None = None) -> Semester | None:
    """The semester holding ``day`` where ``node`` is (its district's own dates, else the city's; issue 18)."""
    return calendar_selectors.semester_for(day, node)


def current_semester(today: dt.date | None = None, node: Node | None = None) -> Semester | None:
    """The semester running today where ``node`` is, else the last one that started (in a vacation), else the
    first."""
    return calendar_selectors.current_semester(node, today or timezone.localdate())


def home_node(user) -> Node | None:
    """Where a user's pages count the semester: their deepest post's node (a school's district's own semester
    dates, issue 18; a city post: the city's)."""
    from access.policy import posts_of

    posts = sorted(posts_of(user), key=lambda p: -p.node.depth)
    return posts[0].node if posts else None


def _span(entry: dict) -> tuple[dt.date, dt.date] | None:
    try:
        first = dt.date.fromisoformat(entry["date"])
        last = dt.date.fromisoformat(entry.get("until") or entry["date"])
    except (KeyError, TypeError, ValueError):
        return None  # a malformed entry is skipped, as care.alerts.deadlines does
    return first, last


def semester_calendar(semester: Semester, node: Node | None = None) -> SchoolCalendar:
    """The school calendar of ``node`` (``None``: the national one) over ``semester``."""
    return calendar_for(node, semester.starts_on, semester.ends_on)


@dataclass(frozen=True)
class Fortnight:
    starts_on: dt.date
    ends_on: dt.date


def fortnights(semester: Semester, node: Node | None = None) -> list[Fortnight]:
    """The semester cut into two-week blocks from its first day, keeping the blocks that have a school day at
    ``node`` (a block that is all holiday asks for no lesson). The last block may be short. The semester's dates
    are those of ``node``'s district (its own, else the city's)."""
    semester = local_semester(semester, node)
    calendar = semester_calendar(semester, node)
    out = []
    start = semester.starts_on
    while start <= semester.ends_on:
        end = min(start + FORTNIGHT - dt.timedelta(days=1), semester.ends_on)
        day = start
        while day <= end and not calendar.is_school_day(day):
            day += dt.timedelta(days=1)
        if day <= end:
            out.append(Fortnight(start, end))
        start = end + dt.timedelta(days=1)
    return out


def exams(
    semester: Semester, node: Node | None = None, calendar: SchoolCalendar | None = None
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(midterm first and last day, final first and last day) from the calendar, or the usual shape.
    ``calendar``: the node's calendar over the semester when the caller has it."""
    semester = local_semester(semester, node)
    spans = exam_spans(node, semester, calendar)
    if len(spans) < 2:
        spans = sorted(s for e in semester.calendar or [] if e.get("kind") == "exam" and (s := _span(e)))
    if len(spans) >= 2:
        return spans[0], spans[-1]
    middle = semester.starts_on + (semester.ends_on - semester.starts_on) / 2
    mid_start = middle + dt.timedelta(days=(7 - middle.weekday()) % 7)
    final_start = semester.ends_on - dt.timedelta(days=semester.ends_on.weekday())
    return (mid_start, mid_start + dt.timedelta(days=4)), (final_start, semester.ends_on)


@dataclass(frozen=True)
class DueKeyTime:
    """A key time (R3.3) due for one grade: the guidance is due between ``opens_on`` and ``due_on``."""

    key: str
    grade: int
    opens_on: dt.date
    due_on: dt.date


def key_times(
    semester: Semester,
    grades: range | list[int],
    node: Node | None = None,
    calendar: SchoolCalendar | None = None,
) -> list[DueKeyTime]:
    """The key times of ``semester`` for ``grades``: entry (grades 1, 7, 10, in the autumn's first two weeks),
    graduation and moving up (grades 6, 9, 12, in the spring's last month), and two weeks before and after the
    midterm and final exams for every grade (after the final: from its end to the semester's last day). The
    semester's dates are those of ``node``'s district (its own, else the city's)."""
    semester = local_semester(semester, node)
    (mid_start, mid_end), (final_start, final_end) = exams(semester, node, calendar)
    one_day = dt.timedelta(days=1)
    windows = {
        "before_midterm": (max(semester.starts_on, mid_start - KEY_TIME_WINDOW), mid_start - one_day),
        "after_midterm": (mid_end + one_day, min(semester.ends_on, mid_end + KEY_TIME_WINDOW)),
        "before_final": (max(semester.starts_on, final_start - KEY_TIME_WINDOW), final_start - one_day),
        "after_final": (final_end, semester.ends_on),
    }
    out = []
    for grade in grades:
        if semester.term == 1 and grade in ENTRY_GRADES:
            out.append(DueKeyTime("entry", grade, semester.starts_on, semester.starts_on + KEY_TIME_WINDOW))
        if semester.term == 2 and grade in GRADUATING_GRADES:
            out.append(
                DueKeyTime("graduation", grade, semester.ends_on - dt.timedelta(days=30), semester.ends_on)
            )
        for key, (opens, due) in windows.items():
            out.append(DueKeyTime(key, grade, opens, max(opens, due)))
    return out
