"""学年升级 — the year rollover of one school (issue 18, build 4; R1, R2.2): preview, stage, confirm or discard.

    preview(school=…, from_year=…, to_year=…)   counts only, nothing written
    stage(school=…, by=…)                       a RolloverPlan holding the preview; nothing else changes
    discard(plan=…, by=…)                       the undo while it is only staged
    confirm(plan=…, by=…, progress=…)           one transaction: classes move up a grade (a new class in the next
                                                year), final grades graduate, enrollments follow, class-teacher
                                                posts of last year's classes end

Files and cases follow the student without copying: they hang on the student, not on the enrollment; the preview
counts them (higher apps register a counter with ``register_follower``). A second confirm, or a stage after
the rollover was done, raises ``RolloverError`` saying when it was done, and changes nothing. Afterwards the
next year's roster import is accepted (it finds the year set up and the students already in it).

Org is the lowest layer: who may run it and the audit are the caller's (``xinyu.web.calendar``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import (
    Enrollment,
    EnrollmentStatus,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolYear,
    User,
)
from org.rollover.models import RolloverPlan, RolloverStatus

BATCH = 500  # enrollments per step: progress is reported between steps

GRADE_WORDS = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "初一", 8: "初二", 9: "初三", 10: "高一", 11: "高二", 12: "高三",
}  # fmt: skip


class RolloverError(ValueError):
    """The rollover cannot run as asked: the message says why; nothing was changed."""


# --- what follows the student (higher apps count their own rows) -------------------------------------------

_followers: dict[str, Callable[[list[int]], int]] = {}


def register_follower(key: str, count: Callable[[list[int]], int]) -> None:
    """A higher app's rows that follow a student through the rollover (``count(student_ids)``), shown in the
    preview, e.g. ``"open_cases"``. Idempotent by key."""
    _followers[key] = count


@dataclass
class Preview:
    school_id: int
    from_year: int
    to_year: int
    classes_moving_up: int = 0
    classes_graduating: int = 0
    students_moving_up: int = 0
    students_graduating: int = 0
    students_without_class: int = 0
    posts_ending: int = 0
    files_following: int = 0
    followers: dict[str, int] = field(default_factory=dict)

    @property
    def students(self) -> int:
        return self.students_moving_up + self.students_graduating


def next_class_name(name: str, grade: int, new_grade: int) -> str:
    """初一(3)班 → 初二(3)班; a name that does not start with its grade word is kept."""
    old = GRADE_WORDS.get(grade, "")
    if old and name.startswith(old):
        return GRADE_WORDS[new_grade] + name[len(old) :]
    return name


def final_grade(school: Node) -> int:
    grades = school.grades
    return grades[-1] if len(grades) else 12


def _years(from_year: SchoolYear | None, to_year: SchoolYear | None) -> tuple[SchoolYear, SchoolYear]:
    if from_year is None:
        from_year = SchoolYear.current() or SchoolYear.objects.order_by("-start_year").first()
        if from_year is None:
            raise RolloverError(_("No school year is set up yet."))
    if to_year is None:
        to_year = SchoolYear.objects.filter(start_year=from_year.start_year + 1).first()
        if to_year is None:
            raise RolloverError(
                _("Set up the school year %(year)s on the school calendar first.")
                % {"year": f"{from_year.start_year + 1}–{from_year.start_year + 2}"}
            )
    if to_year.start_year != from_year.start_year + 1:
        raise RolloverError(_("A rollover goes from one school year to the next."))
    return from_year, to_year


def _check_school(school: Node) -> None:
    if school.kind != NodeKind.SCHOOL:
        raise RolloverError(_("The rollover is run for a school."))


def _done(school: Node, from_year: SchoolYear) -> RolloverPlan | None:
    return (
        RolloverPlan.objects.filter(school=school, from_year=from_year, status=RolloverStatus.DONE)
        .select_related("confirmed_by")
        .first()
    )


def _refuse_done(plan: RolloverPlan) -> None:
    when = timezone.localtime(plan.confirmed_at).strftime("%Y-%m-%d %H:%M") if plan.confirmed_at else ""
    raise RolloverError(
        _("The rollover of %(school)s from %(year)s was already done on %(when)s; nothing was changed.")
        % {"school": plan.school, "year": plan.from_year, "when": when}
    )


def _enrollments(school: Node, from_year: SchoolYear):
    return Enrollment.objects.filter(school=school, school_year=from_year, status=EnrollmentStatus.ACTIVE)


def _end_day(from_year: SchoolYear, today: dt.date) -> dt.date:
    """The day last year's enrollments and posts end: the year's last day, or today if the rollover runs early."""
    return min(from_year.ends_on, today) if today >= from_year.starts_on else from_year.ends_on


def _ending_posts(school: Node, from_year: SchoolYear, ends_on: dt.date):
    """Class-teacher posts of last year's classes still running after ``ends_on``."""
    return Post.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=ends_on),
        role=Role.CLASS_TEACHER,
        school_class__school=school,
        school_class__school_year=from_year,
    )


def preview(
    *,
    school: Node,
    from_year: SchoolYear | None = None,
    to_year: SchoolYear | None = None,
    today: dt.date | None = None,
) -> Preview:
    """The counts of a rollover of ``school`` (a dry run: nothing is written)."""
    _check_school(school)
    from_year, to_year = _years(from_year, to_year)
    if (plan := _done(school, from_year)) is not None:
        _refuse_done(plan)
    today = today or timezone.localdate()
    last = final_grade(school)
    out = Preview(school_id=school.pk, from_year=from_year.start_year, to_year=to_year.start_year)
    classes = SchoolClass.objects.filter(school=school, school_year=from_year)
    out.classes_moving_up = classes.filter(grade__lt=last).count()
    out.classes_graduating = classes.filter(grade__gte=last).count()
    rows = list(_enrollments(school, from_year).values_list("student_id", "grade", "school_class_id"))
    out.students_moving_up = sum(1 for _s, g, _c in rows if g < last)
    out.students_graduating = sum(1 for _s, g, _c in rows if g >= last)
    out.students_without_class = sum(1 for _s, _g, c in rows if c is None)
    out.posts_ending = _ending_posts(school, from_year, _end_day(from_year, today)).count()
    ids = [s for s, _g, _c in rows]
    out.files_following = len(ids)
    out.followers = {key: count(ids) for key, count in sorted(_followers.items())}
    return out


def stage(
    *,
    school: Node,
    by: User | None,
    from_year: SchoolYear | None = None,
    to_year: SchoolYear | None = None,
    now: dt.datetime | None = None,
) -> RolloverPlan:
    """Stage the rollover: the preview kept as a plan to confirm. Staging again replaces a staged plan."""
    now = now or timezone.now()
    from_year, to_year = _years(from_year, to_year)
    counts = preview(school=school, from_year=from_year, to_year=to_year, today=timezone.localdate(now))
    with transaction.atomic():
        RolloverPlan.objects.filter(school=school, from_year=from_year, status=RolloverStatus.STAGED).update(
            status=RolloverStatus.DISCARDED
        )
        return RolloverPlan.objects.create(
            school=school,
            from_year=from_year,
            to_year=to_year,
            counts=asdict(counts),
            created_by=by,
            created_at=now,
            total=counts.students,
        )


def discard(*, plan: RolloverPlan, by: User | None) -> None:
    """Undo a staged rollover (nothing had changed). A confirmed one cannot be discarded."""
    with transaction.atomic():
        plan = RolloverPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == RolloverStatus.DONE:
            _refuse_done(plan)
        if plan.status != RolloverStatus.STAGED:
            raise RolloverError(_("This rollover is no longer waiting for confirmation."))
        plan.status = RolloverStatus.DISCARDED
        plan.save(update_fields=["status"])


def confirm(
    *,
    plan: RolloverPlan,
    by: User | None,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RolloverPlan:
    """Carry out a staged rollover in one transaction (all or nothing); ``progress(done, total)`` is called
    between batches. A rollover already done raises ``RolloverError`` and changes nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        plan = (
            RolloverPlan.objects.select_for_update()
            .select_related("school", "from_year", "to_year")
            .get(pk=plan.pk)
        )
        school, from_year, to_year = plan.school, plan.from_year, plan.to_year
        if plan.status == RolloverStatus.DONE or (done := _done(school, from_year)) is not None:
            _refuse_done(plan if plan.status == RolloverStatus.DONE else done)
        if plan.status != RolloverStatus.STAGED:
            raise RolloverError(_("This rollover was discarded; preview it again."))
        last = final_grade(school)
        # Last year's final day: enrollments and posts end then (or today, if the rollover runs early).
        ends_on = _end_day(from_year, today)
        starts_on = max(to_year.starts_on, today) if today <= to_year.ends_on else to_year.starts_on

        # 1. Classes move up: one class of the next grade in the next year per class (kept if there).
        new_class: dict[int, int] = {}
        classes = list(SchoolClass.objects.filter(school=school, school_year=from_year, grade__lt=last))
        existing = {
            (c.grade, c.name): c.pk for c in SchoolClass.objects.filter(school=school, school_year=to_year)
        }
        created_classes = 0
        for c in classes:
            key = (c.grade + 1, next_class_name(c.name, c.grade, c.grade + 1))
            if key not in existing:
                existing[key] = SchoolClass.objects.create(
                    school=school, campus_id=c.campus_id, school_year=to_year, grade=key[0], name=key[1]
                ).pk
                created_classes += 1
            new_class[c.pk] = existing[key]

        # 2. Enrollments: last year's completed (or graduated), next year's active in the class above.
        active = _enrollments(school, from_year)
        total = active.count()
        done_n = moved = graduated = 0
        plan.total = total
        if progress:
            progress(0, total)
        while True:
            batch = list(
                active.order_by("pk").values_list("pk", "student_id", "grade", "school_class_id")[:BATCH]
            )
            if not batch:
                break
            up = [r for r in batch if r[2] < last]
            out = [r for r in batch if r[2] >= last]
            Enrollment.objects.filter(pk__in=[r[0] for r in out]).update(
                status=EnrollmentStatus.GRADUATED, ended_on=ends_on
            )
            Enrollment.objects.filter(pk__in=[r[0] for r in up]).update(
                status=EnrollmentStatus.COMPLETED, ended_on=ends_on
            )
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        student_id=student_id,
                        school=school,
                        school_class_id=new_class.get(class_id) if class_id else None,
                        school_year=to_year,
                        grade=grade + 1,
                        status=EnrollmentStatus.ACTIVE,
                        started_on=starts_on,
                    )
                    for _pk, student_id, grade, class_id in up
                ]
            )
            moved += len(up)
            graduated += len(out)
            done_n += len(batch)
            if progress:
                progress(done_n, total)

        # 3. Class-teacher posts of last year's classes end with the year (one appointed after that day ends
        # the day it started).
        posts = _ending_posts(school, from_year, ends_on)
        ended = posts.count()
        posts.filter(valid_from__gt=ends_on).update(valid_to=F("valid_from"))
        posts.filter(valid_from__lte=ends_on).update(valid_to=ends_on)

        plan.status = RolloverStatus.DONE
        plan.confirmed_by = by
        plan.confirmed_at = now
        plan.processed = done_n
        plan.counts = {
            **plan.counts,
            "done": {
                "classes_created": created_classes,
                "students_moved_up": moved,
                "students_graduated": graduated,
                "posts_ended": ended,
            },
        }
        plan.save()
    return plan


def rolled_over(from_year_id: int | None) -> dict[int, int]:
    """{school id: next year's id} for the schools whose rollover from ``from_year_id`` is done: their roster
    imports without a school year (and staff imports' classes) mean the next year."""
    if from_year_id is None:
        return {}
    return dict(
        RolloverPlan.objects.filter(from_year_id=from_year_id, status=RolloverStatus.DONE).values_list(
            "school_id", "to_year_id"
        )
    )


def staged_plan(school: Node, from_year: SchoolYear | None = None) -> RolloverPlan | None:
    q = RolloverPlan.objects.filter(school=school, status=RolloverStatus.STAGED)
    if from_year is not None:
        q = q.filter(from_year=from_year)
    return q.select_related("from_year", "to_year").first()


def rollovers_of(school: Node) -> list[RolloverPlan]:
    return list(
        RolloverPlan.objects.filter(school=school).select_related("from_year", "to_year", "confirmed_by")[:20]
    )
