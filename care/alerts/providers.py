"""What care adds to the foundation's pages: the home card "alerts waiting for you", the navigation entry, and
the risk-level section of the student page (registered in ``CareConfig.ready()``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access import audit
from access.tiers import Tier
from care.alerts import selectors
from care.alerts.levels import reason_texts
from care.channels import selectors as channel_selectors
from xinyu.web.home import Card, Figure, Link, Waiting
from xinyu.web.navigation import NavItem
from xinyu.web.people.sections import StudentSection


def alerts_card(request: HttpRequest) -> Card | None:
    """Home card: alerts waiting for the user's acknowledgement (overdue ones counted apart)."""
    if not selectors.may_see_alerts(request.user):
        return None
    counts = selectors.waiting_counts(request.user)
    unread = channel_selectors.unread_notifications(request.user)
    figures = [Figure(_("Waiting"), counts.waiting), Figure(_("Overdue"), counts.overdue)]
    if unread:
        figures.append(Figure(_("Unread notifications"), unread))
    links = [Link(_("Open the alerts"), reverse("care:alert_list"))]
    if unread:
        links.append(Link(_("Notifications"), reverse("care:notifications")))
    note = "" if counts.waiting else _("No alert is waiting for you.")
    return Card(
        title=_("Alerts waiting for you"), figures=figures, links=links, note=note, order=1, key="alerts"
    )


def guardian_waiting(request: HttpRequest) -> list[Waiting]:
    """A guardian's unread notices (the school's and the system's messages to them), one link to read them."""
    from access.policy import roles_of
    from org.models import Role

    if Role.GUARDIAN not in roles_of(request.user):
        return []
    unread = channel_selectors.unread_notifications(request.user)
    if not unread:
        return []
    return [Waiting(_("Read %(n)d new notifications") % {"n": unread}, reverse("care:notifications"))]


def nav_alerts(request: HttpRequest) -> NavItem | None:
    if not selectors.may_see_alerts(request.user):
        return None
    return NavItem(_("Alerts"), reverse("care:alert_list"), order=5, key="alerts")


def level_section(request: HttpRequest, student) -> StudentSection | None:
    """Student page: the current level. T2 viewers (class teacher, leader) see the colour and its name only;
    T3 viewers (psychological teacher, escalated district counselor, leader of a red/orange student) also see
    the reasons and the history. Every showing is audited (T2+)."""
    view = selectors.level_view(request.user, student)
    if view.tier is None:
        return None
    current, history = view.current, view.history or []
    for r in history:
        r.reason_texts = reason_texts(r.reasons)
    if current is not None:  # a level shown is T2+ data: audited (no level confirmed shows nothing to audit)
        audit.record(
            actor=request.user,
            action="care.level.view",
            obj=current,
            student_id=student.pk,
            request=request,
            detail={"tier": int(view.tier), "level": current.level, "history": len(history)},
        )
    return StudentSection(
        title=_("Risk level"),
        template="care/_level_section.html",
        context={"current": current, "history": history, "clinical": view.tier == Tier.T3},
        order=5,
    )


def break_glass_notice(sender, grant, **kwargs) -> None:
    """紧急调阅 → the leaders of the student's school are told at once (in the app and by e-mail, without the
    reason or the name in the e-mail) and find the grant in their review queue (issue 8)."""
    from django.db import transaction

    from care.alerts.services import _school_of, notify
    from org.models import Post, Role, User

    school = _school_of(grant.student)
    if school is None:
        return
    leaders = User.objects.filter(
        pk__in=Post.objects.active().filter(role=Role.SCHOOL_LEADER, node=school).values("user_id")
    )
    with transaction.atomic():
        notify(
            users=leaders,
            kind="access.break_glass",
            subject=_("Break-glass access: %(who)s opened %(student)s's records")
            % {"who": grant.user.display_name or grant.user.username, "student": grant.student.name},
            url=reverse("access:break_glass_review"),
            key=f"break_glass:{grant.pk}",
            email=True,
        )


def register() -> None:
    """Scope.ESCALATED and Scope.RED_ORANGE, the alerts card and navigation, the level on the student page, the
    notice of a break-glass grant."""
    from access.policy import Scope, register_scope
    from access.services import break_glass_granted
    from xinyu.web.home import register_card, register_waiting
    from xinyu.web.navigation import register_nav_item
    from xinyu.web.people.sections import register_student_section

    break_glass_granted.connect(break_glass_notice, dispatch_uid="care.break_glass_notice")
    register_scope(Scope.ESCALATED, selectors.escalated_scope)
    register_scope(Scope.RED_ORANGE, selectors.red_orange_scope)
    register_card(alerts_card)
    register_waiting(guardian_waiting)
    register_nav_item(nav_alerts)
    register_student_section(level_section)
