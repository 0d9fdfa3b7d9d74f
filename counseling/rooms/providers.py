"""What the counseling room adds to the foundation's pages (registered in ``CounselingConfig.ready()``): home
cards (the student's "talk to someone" with the hotlines, R4.1; the counselor's waiting requests), navigation
entries, and the sessions of a student on the student file's timeline (date and counselor only)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.policy import posts_of
from access.tiers import Tier
from care.file.timeline import Entry, Filters
from counseling.rooms import links, selectors
from counseling.rooms.models import AppointmentStatus, CounselingSession
from org.models import Role, Student, User
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem

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
    roles = _roles(request)
    if Role.SCHOOL_LEADER in roles and Role.PSYCH_TEACHER not in roles:
        return Card(
            title=_("Counseling room"),
            links=[
                Link(_("Rooms and duty roster"), reverse("counseling:room_rooms")),
                Link(_("Workload"), reverse("counseling:room_workload")),
            ],
            order=40,
            key="counseling-desk",
        )
    if Role.PSYCH_TEACHER not in roles:
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
    if Role.DISTRICT_ADMIN in roles:
        return NavItem(_("Hotlines and online counseling"), reverse("counseling:room_links"), order=60,
                       key="counseling-links")  # fmt: skip
    return None


KINDS = {"counseling": gettext_lazy("Counseling sessions")}


def file_sessions(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """The student file (一人一档): the student's counseling sessions — date and counselor only (the record is
    T3 and opens on its own page, which checks access again; the notes, T4, never appear here). One query."""
    if tier < Tier.T3:
        return []
    rows = (
        CounselingSession.objects.filter(student=student, **filters.range("started_at"))
        .select_related("counselor")
        .only("pk", "started_at", "school_id", "counselor__display_name", "counselor__username")
    )
    return [
        Entry(
            at=s.started_at,
            kind="counseling",
            title=_("Counseling session"),
            summary=str(s.counselor),
            school_id=s.school_id,
            url=reverse("counseling:room_session", args=[s.pk]),
        )
        for s in rows
    ]
