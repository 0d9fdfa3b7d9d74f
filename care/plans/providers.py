"""What plans add to the foundation's pages: the home card "my tasks" (actions of plans assigned to the user,
guardian contacts due), and navigation entries for referrals and the partner-institution registry."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from care.plans import selectors
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem


def tasks_card(request: HttpRequest) -> Card | None:
    """Home card "my tasks": the open actions assigned to the user — a class teacher sees only these (their
    T3) — with those due soon and overdue counted, and the guardian contacts still due on the user's cases."""
    user = request.user
    counts = selectors.task_counts(user)
    contacts = selectors.contacts_due(user) if selectors.may_log_contacts(user) else []
    if (
        not counts.open
        and not contacts
        and not (selectors.may_log_contacts(user) or selectors.may_read_plans(user))
    ):
        return None
    figures = [
        Figure(_("Open tasks"), counts.open),
        Figure(_("Due today or tomorrow"), counts.due_soon),
        Figure(_("Overdue"), counts.overdue),
    ]
    if contacts:
        figures.append(Figure(_("Guardian contacts overdue"), sum(s.overdue for _c, s in contacts)))
    note = "" if counts.open or contacts else _("Nothing is waiting for you.")
    # issue 15, build 3: each crisis step the user owns, by name and deadline (no student, level or reason)
    now = timezone.now()
    items = [
        _("%(step)s · due %(due)s%(late)s")
        % {
            "step": s.get_kind_display(),
            "due": timezone.localtime(s.due_at).strftime("%m-%d %H:%M"),
            "late": _(" (overdue)") if s.due_at < now else "",
        }
        for s in counts.crisis_steps
    ]
    return Card(
        title=_("My tasks"), figures=figures, links=[Link(_("Open my tasks"), reverse("care:my_tasks"))],
        items=items, note=note, order=0 if counts.crisis_steps else 2, key="tasks",
    )  # fmt: skip


def nav_referrals(request: HttpRequest) -> NavItem | None:
    if not selectors.may_see_referrals(request.user):
        return None
    return NavItem(_("Referrals"), reverse("care:referrals"), order=7, key="referrals")


def nav_institutions(request: HttpRequest) -> NavItem | None:
    if not selectors.managed_districts(request.user):
        return None
    return NavItem(_("Partner institutions"), reverse("care:institutions"), order=60, key="institutions")
