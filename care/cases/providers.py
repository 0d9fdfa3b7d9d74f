"""What the case work adds to the foundation's pages (registered in ``CareConfig.ready()``): home cards — the
psychological teacher's "reports to triage / follow-ups due / crisis steps due", a leader's open red/orange
cases, a district counselor's escalated cases, every staff member's "my reports" — navigation entries, and
the student page's "report a concern / case" links."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access.policy import roles_of, visible_students
from access.tiers import Tier
from care.cases import selectors as cases_selectors
from care.reports import selectors as reports_selectors
from care.reports import services as reports_services
from org.demo.logins import DEMO_SCHOOL_CODE
from org.models import EnrollmentStatus, Role, SchoolClass, Student, User
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem
from xinyu.web.people.sections import StudentSection


def casework_card(request: HttpRequest) -> Card | None:
    user = request.user
    roles = roles_of(user)
    if roles & cases_selectors.CLINICAL_ROLES:
        work = cases_selectors.work_counts(user)
        figures = []
        if Role.PSYCH_TEACHER in roles:
            reports = reports_selectors.waiting_counts(user)
            figures.append(
                Figure(_("Reports to triage"), reports.waiting, _("%(n)d late") % {"n": reports.overdue})
            )
        figures += [
            Figure(
                _("Follow-ups due"), work.follow_ups_due, _("%(n)d overdue") % {"n": work.follow_ups_overdue}
            ),
            Figure(_("Crisis steps open"), work.crisis_due, _("%(n)d overdue") % {"n": work.crisis_overdue}),
        ]
        links = [
            Link(_("Cases"), reverse("care:case_list")),
            Link(_("Follow-ups"), reverse("care:follow_up_list")),
        ]
        if Role.PSYCH_TEACHER in roles:
            links.insert(0, Link(_("Reports to triage"), reverse("care:report_queue")))
        return Card(title=_("Care pathway"), figures=figures, links=links, order=2, key="casework")
    if Role.SCHOOL_LEADER in roles:
        n, late = cases_selectors.leader_counts(user)
        reports = reports_selectors.waiting_counts(user)
        figures = [Figure(_("Open red/orange cases"), n), Figure(_("Crisis steps overdue"), late)]
        links = [Link(_("Cases"), reverse("care:case_list"))]
        if reports.waiting:
            figures.append(Figure(_("Reports late for triage"), reports.waiting))
            links.append(Link(_("Reports to triage"), reverse("care:report_queue")))
        return Card(title=_("Red and orange cases"), figures=figures, links=links, order=2, key="casework")
    return None


def nav_cases(request: HttpRequest) -> NavItem | None:
    if not cases_selectors.may_list_cases(request.user):
        return None
    return NavItem(_("Cases"), reverse("care:case_list"), order=7, key="cases")


def case_section(request: HttpRequest, student) -> StudentSection | None:
    """Student page: "report a concern" for staff of the school; for the clinicians the open case (or "open a
    case"). Shows no clinical detail itself."""
    user = request.user
    can_report = (
        reports_services.may_report(user)
        and reports_services.reportable_students(user).filter(pk=student.pk).exists()
    )
    case = None
    clinical = (
        cases_selectors.may_open_cases(user)
        and visible_students(user, Tier.T3).filter(pk=student.pk).exists()
    )
    if clinical:
        case = cases_selectors.open_case_of(student.pk)
    if not (can_report or clinical):
        return None
    return StudentSection(
        title=_("Concerns and cases"),
        template="care/_case_section.html",
        context={"student": student, "can_report": can_report, "clinical": clinical, "case": case},
        order=6,
    )


# --- The student file (一人一档): abnormality reports on the timeline -------------------------------------------


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


def open_cases_of(student_ids: list[int]) -> int:
    """Open cases of the students a year rollover moves: they follow the student (the preview shows them)."""
    from care.cases.models import Case, CaseStatus

    return Case.objects.filter(student_id__in=student_ids).exclude(status=CaseStatus.CLOSED).count()


def register() -> None:
    """The casework card, the cases navigation, the case link on the student page, the demo red case, the open
    cases a year rollover carries."""
    from org.demo.seed import register_demo_step
    from org.rollover.services import register_follower
    from xinyu.web.home import register_card
    from xinyu.web.navigation import register_nav_item
    from xinyu.web.people.sections import register_student_section

    register_card(casework_card)
    register_nav_item(nav_cases)
    register_follower("open_cases", open_cases_of)
    register_student_section(case_section)
    register_demo_step(red_case)  # seed_demo: a red case whose 陪护 step is the demo class teacher's
    from care.cases.demo import casework

    register_demo_step(casework, order=30)  # issue 18: after the campaign's talks — plans, referrals, reports
