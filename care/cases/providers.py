"""What the case work adds to the foundation's pages (registered in ``CareConfig.ready()``): home cards — the
psychological teacher's "reports to triage / follow-ups due / crisis steps due", a leader's open red/orange
cases, a district counselor's escalated cases, every staff member's "my reports" — navigation entries, and
the student page's "report a concern / case" links."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.policy import roles_of, visible_students
from access.tiers import Tier
from care.cases import selectors as cases_selectors
from care.file.timeline import Entry, Filters
from care.models import AbnormalityReport
from care.reports import selectors as reports_selectors
from care.reports import services as reports_services
from org.models import Role
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


def my_reports_card(request: HttpRequest) -> Card | None:
    """Every staff member: report a concern; their reports received and handled (never the outcome)."""
    if not reports_services.may_report(request.user):
        return None
    waiting, handled = reports_selectors.my_report_counts(request.user)
    return Card(
        title=_("Report a concern"),
        figures=[Figure(_("Received"), waiting), Figure(_("Handled"), handled)],
        links=[
            Link(_("Report a concern"), reverse("care:report_new")),
            Link(_("My reports"), reverse("care:report_mine")),
        ],
        note=_(
            "Saw a student who is not themselves? Tell the class teacher and the psychological teacher in a minute."
        ),
        order=3,
        key="my_reports",
    )


def nav_report(request: HttpRequest) -> NavItem | None:
    if not reports_services.may_report(request.user):
        return None
    return NavItem(_("Report a concern"), reverse("care:report_new"), order=6, key="report")


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

KINDS_REPORT = {"report": gettext_lazy("Abnormality reports")}


def reports_timeline(viewer, student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """学生异常情况报告 — each report about the student (T3: category, urgency, who reported, the triage decision;
    what was seen is read on the report's page). One query."""
    if tier < Tier.T3:
        return []
    rows = (
        AbnormalityReport.objects.filter(student=student, **filters.range("reported_at"))
        .select_related("reporter")
        .defer("observed", "triage_note")  # not shown here: no decryption per row
    )
    return [
        Entry(
            at=r.reported_at,
            kind="report",
            title=_("Abnormality report: %(category)s") % {"category": r.get_category_display()},
            school_id=r.school_id,
            summary=" · ".join(
                [
                    str(r.get_urgency_display()),
                    _("reported by %(who)s") % {"who": r.reporter or "—"},
                    str(r.get_outcome_display()) if r.outcome else _("waiting for triage"),
                ]
            ),
            url=reverse("care:report_detail", args=[r.pk]),
        )
        for r in rows
    ]
