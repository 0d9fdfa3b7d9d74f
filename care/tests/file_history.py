"""Test and benchmark helper: years of a student's history for the file (一人一档) — per school year a
screening (PHQ-A and GAD-7 results), a confirmed level, an alert and a case with its history. Screening rows
are made through the app registry (care may not import screening)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from care.models import Alert, Case, CaseEvent, LevelRecord
from care.timeline import SHANGHAI
from org.models import Node, SchoolYear, Student, User

LEVELS = ["yellow", "orange", "red", "none"]


def school_year(start: int) -> SchoolYear:
    year, _ = SchoolYear.objects.get_or_create(
        start_year=start,
        defaults={"starts_on": dt.date(start, 9, 1), "ends_on": dt.date(start + 1, 8, 31)},
    )
    return year


def add_year(
    student: Student,
    school: Node,
    start: int,
    *,
    organiser: Node,
    by: User | None = None,
    current: bool = False,
) -> None:
    """One school year of history, dated in the autumn term of ``start``."""
    model = apps.get_model
    at = dt.datetime(start, 10, 15, 9, 0, tzinfo=SHANGHAI)
    campaign = model("screening", "Campaign").objects.create(
        organiser=organiser, school_year=school_year(start), name=f"{start} 秋季测评", starts_at=at,
        ends_at=at + dt.timedelta(days=14), status="closed",
    )  # fmt: skip
    assignment = model("screening", "Assignment").objects.create(
        campaign=campaign, student=student, school=school, grade=5, needs_consent=False
    )
    total = 6 + (start % 7)
    for order, (inst, score, band) in enumerate((("phq-a", total, "mild"), ("gad-7", total - 2, "mild"))):
        response = model("screening", "Response").objects.create(
            assignment=assignment, instrument_id=inst, instrument_version="1.0", order=order,
            submitted_at=at + dt.timedelta(minutes=10 * order), status="submitted",
        )  # fmt: skip
        model("screening", "Result").objects.create(
            response=response, instrument_id=inst, instrument_version="1.0", valid=True,
            scores={"total": score}, bands={"total": band}, level="yellow", computed_at=at,
        )  # fmt: skip
    level = LEVELS[start % len(LEVELS)]
    if current:
        LevelRecord.objects.filter(student=student, is_current=True).update(is_current=False)
    LevelRecord.objects.create(
        student=student, level=level if level != "none" else "yellow", reasons=[], note="谈话后确认",
        source_type="screening.review", school=school, confirmed_by=by, confirmed_at=at + dt.timedelta(days=3),
        is_current=current,
    )  # fmt: skip
    Alert.objects.create(
        student=student, school=school, level="orange", reasons=[], source_type="file.test",
        source_id=f"{student.pk}-{start}", raised_at=at + dt.timedelta(hours=1),
        acknowledged_by=by, acknowledged_at=at + dt.timedelta(hours=2),
    )  # fmt: skip
    case = Case.objects.create(
        student=student, school=school, level="orange", owner=by, source_type="screening",
        opened_by=by, opened_at=at + dt.timedelta(days=3), status="closed", closed_by=by,
        closed_at=at + dt.timedelta(days=60), summary="个案摘要",
    )  # fmt: skip
    for i, (kind, before, after) in enumerate(
        (("opened", "", "orange"), ("status", "open", "intervening"), ("closed", "intervening", "closed"))
    ):
        CaseEvent.objects.create(
            case=case, kind=kind, at=at + dt.timedelta(days=3 + 20 * i), actor=by, before=before, after=after,
            reason="第二阶段访谈" if i == 1 else "",
        )  # fmt: skip


def build_history(student: Student, school: Node, *, years: int, last: int, organiser: Node, by=None) -> None:
    """``years`` school years of history ending with the school year starting in ``last``."""
    for start in range(last - years + 1, last + 1):
        add_year(student, school, start, organiser=organiser, by=by, current=start == last)
