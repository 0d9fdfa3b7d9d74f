"""Demo data of care (seed_demo, registered in CareConfig.ready): one red case in the demo school, so a newcomer
who logs in as the demo class teacher sees his crisis step on his home page (issue 15, build 3)."""

from __future__ import annotations

from collections.abc import Callable

from org.demo.logins import DEMO_SCHOOL_CODE
from org.models import EnrollmentStatus, SchoolClass, Student, User


def red_case(*, progress: Callable[[str], None] = lambda _m: None) -> None:
    """The demo psychological teacher opens a red case for a student of the demo class teacher's class (not the
    demo student login): the crisis checklist is made, 陪护 goes to the class teacher, every owner is told."""
    from care.cases.services import open_case

    psych = User.objects.filter(username="psych").first()
    cls = SchoolClass.objects.filter(
        class_teacher__username="class_teacher", school__code=DEMO_SCHOOL_CODE
    ).first()
    if psych is None or cls is None:
        return
    student = (
        Student.objects.filter(enrollments__school_class=cls, enrollments__status=EnrollmentStatus.ACTIVE)
        .exclude(user__username="student")  # the demo student login stays apart
        .order_by("pk")
        .first()
    )
    if student is None:
        return
    case, _created = open_case(
        student=student,
        level="red",
        by=psych,
        reason="演示：班主任报告学生在作业本上写下轻生的话；谈话中学生说有具体计划。",
    )
    progress(f"care: a red case (#{case.pk}) with its crisis checklist; 陪护 is the demo class teacher's")
