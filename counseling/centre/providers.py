"""What the district centre and the 24-hour message platform (R4.2) register with the lower layers
(``register()``, called from ``CounselingConfig.ready()``): navigation entries and the counselor's home card, the
crisis-message timer, who is on duty now (told to ``care.alerts.responders``, issue 15, so that care never imports
counseling), the demo duty roster, and the retention of messages, chat transcripts and hotline logs
(docs/privacy.md)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import retention
from access.policy import roles_of
from care.alerts.responders import DutyProvider, register_duty_provider
from care.alerts.timers import register_timer
from counseling.centre import demo
from counseling.centre.models import HotlineCall, Message, OnlineLine
from counseling.centre.services import escalate_crisis_messages, on_duty
from counseling.rooms.links import district_lines
from counseling.rooms.selectors import school_on_duty
from org.models import Role
from xinyu.web.home import Card, Figure, Link, register_card
from xinyu.web.navigation import NavItem, register_nav_item


def _nav(request: HttpRequest, role: str, label: str, name: str, order: int) -> NavItem | None:
    if role not in roles_of(request.user):
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_leave(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.STUDENT, _("24-hour messages"), "counseling:centre_leave", 60)


def nav_queue(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.DISTRICT_COUNSELOR, _("24-hour messages"), "counseling:centre_queue", 60)


def nav_online(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.STUDENT, _("Talk online"), "counseling:centre_chat_start", 61)


def nav_chats(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.DISTRICT_COUNSELOR, _("Online conversations"), "counseling:centre_chats", 61)


def nav_visit(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.STUDENT, _("Visit the centre"), "counseling:centre_visit", 62)


def nav_visits(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.DISTRICT_COUNSELOR, _("Visits at the centre"), "counseling:centre_visits", 62)


def nav_duty(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.DISTRICT_ADMIN, _("Centre duty roster"), "counseling:centre_duty", 65)


def queue_card(request: HttpRequest) -> Card | None:
    """A counselor's home: waiting messages, crisis and overdue counted."""
    if Role.DISTRICT_COUNSELOR not in roles_of(request.user):
        return None
    from counseling.centre.models import MessageStatus
    from counseling.centre.selectors import message_queue

    waiting = message_queue(request.user).filter(status=MessageStatus.WAITING)
    n = waiting.count()
    if not n:
        return None
    return Card(
        title=_("24-hour messages waiting for a reply"),
        figures=[
            Figure(_("Waiting"), n),
            Figure(_("Crisis"), waiting.filter(crisis=True).count()),
            Figure(_("Overdue"), waiting.filter(reply_due__lt=timezone.now()).count()),
        ],
        links=[Link(_("Open the queue"), reverse("counseling:centre_queue"))],
        order=8,
        key="centre-queue",
    )


def nav_terms(request: HttpRequest) -> NavItem | None:
    return _nav(request, Role.DISTRICT_COUNSELOR, _("Triage terms"), "counseling:centre_terms", 66)


NAV = [nav_leave, nav_online, nav_queue, nav_chats, nav_visit, nav_visits, nav_duty, nav_terms]


def register_retention() -> None:
    """24-hour messages and chat transcripts are deleted; hotline logs lose their summary and the student they
    name (access.retention; docs/privacy.md)."""
    r = retention
    r.register(
        r.Category(
            name="centre_messages",
            label=gettext_lazy("24-hour messages and their replies"),
            basis=r.CREATION,
            action=r.DELETE,
            rows=lambda at: Message.objects.filter(created_at__lt=at),
        )
    )
    r.register(
        r.Category(
            name="online_chat_transcripts",
            label=gettext_lazy("Online counseling transcripts"),
            basis=r.CREATION,
            action=r.DELETE,
            rows=lambda at: OnlineLine.objects.filter(at__lt=at),
        )
    )
    r.register(
        r.Category(
            name="hotline_logs",
            label=gettext_lazy("Hotline call summaries"),
            basis=r.CREATION,
            action=r.ANONYMISE,
            rows=lambda at: HotlineCall.objects.filter(created_at__lt=at),
            clear={"summary": "", "student": None, "handed_over_to": None},
            done=lambda row: not row.summary and row.student_id is None and row.handed_over_to_id is None,
        )
    )


def register() -> None:
    from org.demo.seed import register_demo_step

    register_card(queue_card)
    for item in NAV:
        register_nav_item(item)
    register_timer("counseling.crisis_messages", escalate_crisis_messages)  # every minute (R4.2)
    # Who is on duty now, for care's alert routes and screening's window (issue 15): a school's psychological
    # teachers on its rooms' weekly roster (or None: no roster that day), the centre's counselors on duty, the
    # district's own help lines.
    register_duty_provider(
        DutyProvider(school_on_duty=school_on_duty, district_on_duty=on_duty, district_lines=district_lines)
    )

    def demo_step(*, progress=lambda _m: None) -> None:  # seed_demo: the district duty rosters (issue 15)
        progress(f"counseling.centre: {demo.seed(timezone.now())}")

    register_demo_step(demo_step)
    register_retention()
