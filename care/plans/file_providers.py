"""Plans, guardian contacts and referrals on the student file (一人一档) — T3 only, one query per kind whatever
the history's length. No free text in the summaries (the plan's goals and the referral's reason stay on their
own pages, which check access again). Registered in ``CareConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.file.timeline import Entry, Filters
from care.models import GuardianContact, Plan, Referral
from org.models import Student, User

KINDS_PLAN = {"plan": gettext_lazy("Intervention plans")}
KINDS_CONTACT = {"contact": gettext_lazy("Guardian contacts")}
KINDS_REFERRAL = {"referral": gettext_lazy("Referrals")}


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


def referrals(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """转介 — each referral with its institution and where it stands."""
    if tier < Tier.T3:
        return []
    rows = Referral.objects.filter(student=student, **filters.range("proposed_at")).select_related(
        "institution"
    )
    return [
        Entry(
            at=r.proposed_at,
            kind="referral",
            title=_("Referral to %(institution)s") % {"institution": r.institution.name},
            school_id=r.school_id,
            summary=r.get_status_display(),
            url=reverse("care:referral", args=[r.pk]),
        )
        for r in rows
    ]


def register() -> None:
    from care.file.timeline import register_timeline_provider

    register_timeline_provider(plans, kinds=KINDS_PLAN)
    register_timeline_provider(contacts, kinds=KINDS_CONTACT)
    register_timeline_provider(referrals, kinds=KINDS_REFERRAL)
