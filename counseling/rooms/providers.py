"""What the counseling room registers with the lower layers (``register()``, called from
``CounselingConfig.ready()``): home cards (the student's "talk to someone" with the hotlines, R4.1; the
counselor's waiting requests), navigation entries, the sessions of a student on the student file's timeline (date
and counselor only), counseling as a psychological teacher's workload (R1.3), the demo rooms and district line,
the retention of session notes (docs/privacy.md) and the appointments in a guardian's copy of their child's
records (PIPL Art. 45)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import retention
from access.policy import posts_of
from access.tiers import Tier
from care.file.timeline import Entry, Filters, register_timeline_provider
from care.guardian_export.services import Section, register_export_section
from care.workload.registry import register_workload_source
from counseling.rooms import demo, links, selectors, workload
from counseling.rooms.models import Appointment, AppointmentStatus, CounselingSession
from org.models import Role, Student, User
from xinyu.web.home import Card, Figure, Link, register_card
from xinyu.web.navigation import NavItem, register_nav_item

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


# --- a guardian's copy of their child's records (care.guardian_export; PIPL Art. 45) ------------------------------
# Appointments at the school counseling room — when, where, status. Not what the appointment is about (the
# student's own words to the counselor) and never session records or notes (T3/T4).


def appointments_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {
            "when": timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"),
            "room": a.room.name,
            "status": str(a.get_status_display()),
        }
        for a in Appointment.objects.filter(student=student)
        .select_related("room")
        .order_by("starts_at", "pk")
    ]
    return Section(
        "counseling_appointments",
        _("Counseling room appointments"),
        [("when", _("Date and time")), ("room", _("Room")), ("status", _("Status"))],
        rows,
    )


def register_retention() -> None:
    """Session records stay for workload counts (R1.3) with their notes cleared (access.retention;
    docs/privacy.md)."""
    r = retention
    r.register(
        r.Category(
            name="counseling_session_notes",
            label=gettext_lazy("Counseling session notes"),
            basis=r.LEAVING,
            action=r.ANONYMISE,
            rows=lambda day: CounselingSession.objects.filter(r.left_before_q(day)),
            clear={"notes": ""},
            done=lambda row: not row.notes,
        )
    )


def register() -> None:
    from org.demo.seed import register_demo_step

    register_card(help_card)
    register_card(desk_card)
    register_nav_item(nav_counseling)
    register_timeline_provider(file_sessions, kinds=KINDS)
    register_workload_source(workload.counseling_source, labels=workload.LABELS)

    def demo_step(*, progress=lambda _m: None) -> None:  # seed_demo: the district's line, the rooms on duty
        progress(f"counseling.rooms: {demo.seed(timezone.now())}")

    register_demo_step(demo_step)
    from counseling.centre.lived_in import centre_at_work
    from counseling.rooms.lived_in import room_in_use

    register_demo_step(room_in_use, order=40)  # issue 18: slots, appointments, session records
    register_demo_step(centre_at_work, order=40)  # issue 18: messages, an online talk, a visit
    register_retention()
    register_export_section(appointments_section)
