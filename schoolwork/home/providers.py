"""What home–school work adds to the foundation's pages (registered in ``SchoolworkConfig.ready()``): the
guardian's home card, navigation entries by role, and the home-visit section of the student page."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access import audit
from access.policy import roles_of
from org.models import Role, Student
from schoolwork.home import selectors
from xinyu.web.home import Card, Link
from xinyu.web.navigation import NavItem
from xinyu.web.people.sections import StudentSection


def guardian_card(request: HttpRequest) -> Card | None:
    """Home card of a guardian: their family page, who opened their child's file, resources. (Counseling adds
    its own guardian card for appointments with ``xinyu.web.home.register_card``.)"""
    if Role.GUARDIAN not in roles_of(request.user):
        return None
    return Card(
        title=_("My family"),
        links=[
            Link(_("Parent sessions, resources, ask for a talk"), reverse("schoolwork:guardian_home")),
            Link(_("Who opened my child's file"), reverse("schoolwork:guardian_openings")),
        ],
        order=6,
        key="schoolwork-family",
    )


def _nav(request: HttpRequest, roles, label: str, name: str, order: int) -> NavItem | None:
    if not roles_of(request.user) & roles:
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_visits(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.VISIT_ROLES, _("Home visits"), "schoolwork:home_visits", 50)


def nav_parents(request: HttpRequest) -> NavItem | None:
    roles = selectors.VISIT_ROLES | selectors.DISTRICT_ROLES | selectors.CITY_ROLES
    return _nav(request, roles, _("Parent sessions"), "schoolwork:parent_sessions", 51)


def nav_governance(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.GOVERNANCE_ROLES, _("Leadership group"), "schoolwork:meetings", 60)


def nav_family(request: HttpRequest) -> NavItem | None:
    return _nav(request, {Role.GUARDIAN}, _("My family"), "schoolwork:guardian_home", 10)


NAV = [nav_visits, nav_parents, nav_governance, nav_family]


def visits_section(request: HttpRequest, student: Student) -> StudentSection | None:
    """Student page: the student's home visits (R10) for the class teacher, psychological teacher and leader;
    sensitive notes only to T3 viewers and their author. Showing visits is audited (T2+)."""
    visits, clinical = selectors.visits_of(request.user, student)
    may_record = selectors.visit_students(request.user).filter(pk=student.pk).exists()
    if not may_record:
        return None
    if visits:
        audit.record(
            actor=request.user,
            action="schoolwork.home_visit.view",
            student_id=student.pk,
            request=request,
            detail={"visits": len(visits), "notes": clinical},
        )
    return StudentSection(
        title=_("Home visits"),
        template="schoolwork/home_visits_section.html",
        context={"visits": visits, "may_record": may_record},
        order=30,
    )
