"""What the counseling room adds to the foundation's pages (registered in ``CounselingConfig.ready()``): home
cards (the student's "talk to someone" with the hotlines, R4.1; the counselor's waiting requests), navigation
entries, and the sessions of a student on the student page (date and counselor only)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access import audit
from access.policy import posts_of
from counseling.rooms import links, selectors
from counseling.rooms.models import AppointmentStatus
from org.models import Role
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem
from xinyu.web.people.sections import StudentSection

STUDENT_SIDE = frozenset({Role.STUDENT, Role.GUARDIAN})


def _roles(request: HttpRequest) -> set[str]:
    return {p.role for p in posts_of(request.user)}


def help_card(request: HttpRequest) -> Card | None:
    """Student and guardian home: book a talk, and the platform and hotlines of the district (R4.1)."""
    if not _roles(request) & STUDENT_SIDE:
        return None
    node = next((p.node for p in posts_of(request.user)), None)
    out = links.links_for(node)
    items = [f"{h['name']} {h['number']}" for h in out.hotlines] + [out.platform_name]
    card_links = [Link(_("Book a talk with the psychological teacher"), reverse("counseling:room_book"))]
    card_links.append(Link(_("Hotlines and online counseling"), reverse("counseling:room_help")))
    return Card(title=_("Someone to talk to"), items=items, links=card_links, order=3, key="counseling-help")


def desk_card(request: HttpRequest) -> Card | None:
    if Role.PSYCH_TEACHER not in _roles(request):
        return None
    rows = selectors.desk_appointments(request.user)
    waiting = rows.filter(status=AppointmentStatus.REQUESTED).count()
    return Card(
        title=_("Counseling room"),
        figures=[Figure(_("Requests to confirm"), waiting)],
        links=[
            Link(_("Counseling desk"), reverse("counseling:room_desk")),
            Link(_("Rooms and duty roster"), reverse("counseling:room_rooms")),
            Link(_("Workload"), reverse("counseling:room_workload")),
        ],
        order=4,
        key="counseling-desk",
    )


def nav_counseling(request: HttpRequest) -> NavItem | None:
    roles = _roles(request)
    if Role.PSYCH_TEACHER in roles:
        return NavItem(_("Counseling"), reverse("counseling:room_desk"), order=20, key="counseling")
    if roles & STUDENT_SIDE:
        return NavItem(_("Counseling"), reverse("counseling:room_book"), order=20, key="counseling")
    if Role.SCHOOL_LEADER in roles:
        return NavItem(_("Counseling"), reverse("counseling:room_rooms"), order=20, key="counseling")
    return None


def sessions_section(request: HttpRequest, student) -> StudentSection | None:
    """Student page: the student's counseling sessions — date and counselor only (the record itself is T3, the
    notes T4). Shown to those who see session records (T3 over the student, or their own)."""
    if not selectors.may_see_sessions(request.user):
        return None
    rows = list(selectors.student_sessions(request.user, student)[:50])
    if not rows:
        return None
    audit.record(actor=request.user, action="counseling.session.list", student_id=student.pk, request=request,
                 detail={"tier": 3, "count": len(rows)})  # fmt: skip
    return StudentSection(
        title=_("Counseling sessions"), template="counseling/_room_sessions_section.html",
        context={"sessions": rows}, order=30,
    )  # fmt: skip
