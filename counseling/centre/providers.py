"""Navigation entries and home cards of the district centre and the 24-hour message platform (R4.2)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import roles_of
from org.models import Role
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem


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
