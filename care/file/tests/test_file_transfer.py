"""Ownership on transfer (转学, issue 4 item 1) at the policy level: ``access.policy.former_school_ids`` gives a
viewer the schools whose own records of a student who left them they still read — nothing more."""

from __future__ import annotations

import datetime as dt

from access.policy import former_school_ids, visible_students
from access.tiers import Tier
from care.file.tests.file_history import school_year
from org.models import Enrollment, EnrollmentStatus, Role


def _move(world, student, to_class):
    Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.TRANSFERRED, ended_on=dt.date.today()
    )
    Enrollment.objects.create(
        student=student, school=to_class.school, school_class=to_class,
        school_year=school_year(world.year.start_year + 1), grade=to_class.grade,
    )  # fmt: skip


def test_a_school_keeps_no_former_records_of_a_student_who_is_still_there(world):
    assert former_school_ids(world.psych, world.student_a1, Tier.T3) == frozenset()


def test_after_a_transfer_the_old_schools_psych_teacher_keeps_only_her_schools_records(world):
    _move(world, world.student_a1, world.b1)
    assert not visible_students(world.psych, Tier.T3).filter(pk=world.student_a1.pk).exists()
    assert former_school_ids(world.psych, world.student_a1, Tier.T3) == {world.school_a.pk}


def test_the_other_campuss_psych_teacher_keeps_nothing_of_a_main_campus_student(world):
    _move(world, world.student_a1, world.b1)
    assert former_school_ids(world.psych_east, world.student_a1, Tier.T3) == frozenset()


def test_the_roles_argument_limits_who_keeps_records(world):
    _move(world, world.student_a1, world.b1)
    assert former_school_ids(world.leader, world.student_a1, Tier.T2) == {world.school_a.pk}
    assert former_school_ids(world.leader, world.student_a1, Tier.T2, {Role.PSYCH_TEACHER}) == frozenset()


def test_a_class_teacher_and_a_district_officer_keep_nothing(world):
    _move(world, world.student_a1, world.b1)
    assert former_school_ids(world.class_teacher, world.student_a1, Tier.T3) == frozenset()
    assert former_school_ids(world.class_teacher, world.student_a1, Tier.T2) == frozenset()  # CLASS scope
    assert former_school_ids(world.district_officer, world.student_a1, Tier.T3) == frozenset()
