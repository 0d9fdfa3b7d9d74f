"""What plans add to the foundation's pages: the home card "my tasks" (actions of plans assigned to the user,
guardian contacts due), and navigation entries for referrals and the partner-institution registry."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.contacts import selectors as contact_selectors
from care.file.timeline import Entry, Filters
from care.models import Plan
from care.plans import selectors
from org.models import Student, User
from xinyu.web.home import Card, Figure, Link


def family_plan_card(request: HttpRequest) -> Card | None:
    """The guardian's home: the support plan the school shared with them (R10, R12), how many still to
    confirm reading — a card only when something is shared."""
    from access.policy import roles_of
    from org.models import Role

    if Role.GUARDIAN not in roles_of(request.user):
        return None
    shares = selectors.latest_shares_for_guardian(request.user)
    if not shares:
        return None
    waiting = sum(1 for s in shares if s.confirmed_at is None)
    return Card(
        title=_("My child's support plan"),
        figures=[Figure(_("To read and confirm"), waiting)],
        links=[Link(_("Read the support plan"), reverse("care:family_plans"))],
        order=20,
        key="care-family-plan",
    )


def tasks_card(request: HttpRequest) -> Card | None:
    """Home card "my tasks": the open actions assigned to the user — a class teacher sees only these (their
    T3) — with those due soon and overdue counted, and the guardian contacts still due on the user's cases."""
    user = request.user
    counts = selectors.task_counts(user)
    contacts = contact_selectors.contacts_due(user) if contact_selectors.may_log_contacts(user) else []
    if (
        not counts.open
        and not contacts
        and not (contact_selectors.may_log_contacts(user) or selectors.may_read_plans(user))
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


KINDS_PLAN = {"plan": gettext_lazy("Intervention plans")}


def plans(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """干预方案 — each case's plan, when it was made and whether the guardians agreed it."""
    if tier < Tier.T3:
        return []
    rows = Plan.objects.filter(
        case__student=student, **filters.range("created_at", "case__school_id")
    ).select_related("case")
    out = []
    for p in rows:
        agreed = (
            _("agreed with the guardians on %(day)s") % {"day": p.agreed_on.isoformat()}
            if p.agreed_on
            else _("not yet agreed with the guardians")
        )
        out.append(
            Entry(
                at=p.created_at,
                kind="plan",
                title=_("Intervention plan (case #%(pk)s)") % {"pk": p.case_id},
                school_id=p.case.school_id,
                summary=agreed,
                url=reverse("care:plan", args=[p.case_id]),
            )
        )
    return out


def register() -> None:
    from care.file.timeline import register_timeline_provider
    from xinyu.web.home import register_card

    register_card(tasks_card)
    register_card(family_plan_card)
    register_timeline_provider(plans, kinds=KINDS_PLAN)
