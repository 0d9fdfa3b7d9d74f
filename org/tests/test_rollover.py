"""The year rollover (学年升级, issue 18, build 4; ``org/rollover``): preview counts and changes nothing; confirm
moves classes up a grade, graduates the final grade, ends class-teacher posts, keeps every student's file; a second
run is refused and changes nothing; next year's roster import is accepted afterwards. (Here in org/tests: it uses
xinyu.web's roster-import test helpers, which only org/tests may import.)"""

from __future__ import annotations

import datetime as dt

import pytest

from org.calendar import services as calendar
from org.models import (
    Enrollment,
    EnrollmentStatus,
    ImportStatus,
    Post,
    Role,
    RolloverPlan,
    RolloverStatus,
    SchoolClass,
    Student,
)
from org.rollover import services as rollover
from org.rollover.services import RolloverError
from xinyu.web.roster.testing import import_file, snapshot, sno, student_row, write_csv


@pytest.fixture
def next_year(world):
    return calendar.create_school_year(start_year=world.year.start_year + 1)


def _c1_students(world):
    """朝阳中学 (junior: grades 7–9) gets a graduating 初三 class beside its 初一 class."""
    c3 = SchoolClass.objects.create(
        school=world.school_c, campus=world.campus_c, school_year=world.year, grade=9, name="初三(2)班"
    )
    students = []
    for i in range(3):
        s = Student.objects.create(
            student_no=sno(900 + i), name=f"毕业生{i}", gender="F", birth_date=dt.date(2011, 3, 1)
        )
        Enrollment.objects.create(
            student=s, school=world.school_c, school_class=c3, school_year=world.year, grade=9
        )
        students.append(s)
    return c3, students


def test_the_preview_counts_what_would_change_and_changes_nothing(world, next_year):
    _c1_students(world)
    before = snapshot()
    counts = rollover.preview(school=world.school_c)
    assert (counts.classes_moving_up, counts.classes_graduating) == (1, 1)
    assert counts.students_moving_up == Enrollment.objects.filter(school=world.school_c, grade=7).count() > 0
    assert counts.students_graduating == 3
    assert counts.files_following == counts.students
    assert "open_cases" in counts.followers  # care counts the open cases that follow the student
    plan = rollover.stage(school=world.school_c, by=world.district_admin)
    assert plan.status == RolloverStatus.STAGED and plan.counts["students_graduating"] == 3
    assert snapshot() == before  # staged: still nothing changed
    rollover.discard(plan=plan, by=world.district_admin)  # the undo
    assert snapshot() == before


def test_confirming_moves_classes_up_graduates_the_final_grade_and_ends_class_teacher_posts(world, next_year):
    _c3, graduates = _c1_students(world)
    c1 = world.c1  # 初一1班
    Post.objects.create(user=world.teacher, role=Role.CLASS_TEACHER, node=world.school_c, school_class=c1)
    movers = list(Enrollment.objects.filter(school_class=c1).values_list("student_id", flat=True))
    plan = rollover.stage(school=world.school_c, by=world.district_admin)
    done = rollover.confirm(plan=plan, by=world.district_admin)

    assert done.status == RolloverStatus.DONE and done.counts["done"]["students_graduated"] == 3
    up = SchoolClass.objects.get(school=world.school_c, school_year=next_year)
    assert (up.grade, up.name) == (8, "初二1班")
    for student_id in movers:
        now = Student.objects.get(pk=student_id).current_enrollment()
        assert (now.school_year, now.grade, now.school_class) == (next_year, 8, up)
        old = Enrollment.objects.get(student_id=student_id, school_year=world.year)
        assert old.status == EnrollmentStatus.COMPLETED  # the history stays with the student
    for s in graduates:
        assert s.current_enrollment() is None
        assert s.enrollments.get().status == EnrollmentStatus.GRADUATED
    post = Post.objects.get(user=world.teacher, role=Role.CLASS_TEACHER)
    assert post.valid_to is not None and post.valid_to <= world.year.ends_on


def test_a_rollover_run_twice_says_it_was_done_and_changes_nothing(world, next_year):
    plan = rollover.stage(school=world.school_c, by=world.district_admin)
    rollover.confirm(plan=plan, by=world.district_admin)
    before = snapshot()
    with pytest.raises(RolloverError, match="已于.*完成"):
        rollover.confirm(plan=plan, by=world.district_admin)
    with pytest.raises(RolloverError, match="未做任何更改"):
        rollover.stage(school=world.school_c, by=world.district_admin)
    assert snapshot() == before
    assert RolloverPlan.objects.filter(school=world.school_c, status=RolloverStatus.DONE).count() == 1


def test_without_next_year_set_up_the_rollover_says_so(world):
    with pytest.raises(RolloverError, match="请先在校历中设置"):
        rollover.preview(school=world.school_c)


def test_a_big_school_reports_progress_batch_by_batch(world, next_year, monkeypatch):
    monkeypatch.setattr(rollover, "BATCH", 2)  # a small batch stands for a big school's 500
    _c1_students(world)
    seen: list[tuple[int, int]] = []
    plan = rollover.stage(school=world.school_c, by=world.district_admin)
    rollover.confirm(
        plan=plan, by=world.district_admin, progress=lambda done, total: seen.append((done, total))
    )
    total = plan.total
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert len(seen) == 1 + -(-total // 2)


def test_next_year_s_roster_import_is_accepted_after_the_rollover(world, next_year, tmp_path):
    plan = rollover.stage(school=world.school_a, by=world.district_admin)
    rollover.confirm(plan=plan, by=world.district_admin)
    # 五年级 moved up to 六年级; next year's roster names the same students in 六年级3班 plus a newcomer.
    moved = Enrollment.objects.filter(school=world.school_a, school_year=next_year, status="active")
    assert moved.exists() and set(moved.values_list("grade", flat=True)) == {6}
    rows = [student_row(i, 年级="6", 班级="六年级3班", 学年=str(next_year.start_year)) for i in (1, 2)]
    job = import_file(write_csv(tmp_path / "next.csv", rows), node=world.haidian)
    assert job.status == ImportStatus.DONE, job.errors
    e = Student.objects.get(student_no=sno(1)).current_enrollment()
    assert (e.school_year, e.grade, e.school_class.name) == (next_year, 6, "六年级3班")


def test_after_the_rollover_a_file_without_a_school_year_means_next_year_for_students_and_staff(
    world, next_year, tmp_path
):
    first = import_file(write_csv(tmp_path / "now.csv", [student_row(1)]), node=world.haidian)  # 五年级3班
    assert first.status == ImportStatus.DONE, first.errors
    plan = rollover.stage(school=world.school_a, by=world.district_admin)
    rollover.confirm(plan=plan, by=world.district_admin)
    # Next year's roster without 学年: it must not put the student back into last year.
    row = student_row(1, 年级="6", 班级="六年级3班")
    job = import_file(write_csv(tmp_path / "again.csv", [row]), node=world.haidian)
    assert job.status == ImportStatus.DONE, job.errors
    e = Student.objects.get(student_no=sno(1)).current_enrollment()
    assert (e.school_year, e.grade, e.school_class.name) == (next_year, 6, "六年级3班")
    # A class teacher for next year's 六年级1班 (last year's 五年级1班, moved up).
    staff = [{"工号": "T9101", "姓名": "新班主任", "学校代码": "S-A", "岗位": "班主任", "班级": "六年级1班"}]
    header = ["工号", "姓名", "手机", "学校代码", "岗位", "年级", "班级", "专职"]
    job = import_file(
        write_csv(tmp_path / "staff.csv", staff, header=header), node=world.haidian, kind="staff"
    )
    assert job.status == ImportStatus.DONE, job.errors
    post = Post.objects.get(user__username="T9101")
    assert (post.school_class.school_year, post.school_class.grade) == (next_year, 6)
