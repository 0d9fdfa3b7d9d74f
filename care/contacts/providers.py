"""What guardian contacts add to the foundation's pages: each contact on the student file (一人一档) — T3 only, one
query whatever the history's length, no free text in the summary. Registered by ``register()`` in
``CareConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.file.timeline import Entry, Filters
from care.models import GuardianContact
from org.models import Student, User

KINDS_CONTACT = {"contact": gettext_lazy("Guardian contacts")}


def contacts(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """家校联系 — every contact with the guardians: channel, who, reached or not (the outcome stays on its page)."""
    if tier < Tier.T3:
        return []
    rows = GuardianContact.objects.filter(
        case__student=student, **filters.range("at", "case__school_id")
    ).select_related("case", "by")
    return [
        Entry(
            at=c.at,
            kind="contact",
            title=_("Guardian contact: %(channel)s") % {"channel": c.get_channel_display()},
            school_id=c.case.school_id,
            summary=(_("%(who)s reached") if c.reached else _("%(who)s not reached"))
            % {"who": c.guardian_name},
            url=reverse("care:contacts", args=[c.case_id]),
            context={"by": c.by},
        )
        for c in rows
    ]


def register() -> None:
    from care.file.timeline import register_timeline_provider

    register_timeline_provider(contacts, kinds=KINDS_CONTACT)
