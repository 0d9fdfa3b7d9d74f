"""What referrals add to the foundation's pages: Scope.REFERRED, navigation entries for referrals and the
partner-institution registry, each referral on the student file (一人一档; T3 only, one query, no free text — the
reason stays on its own page, which checks access again). Registered by ``register()`` in ``CareConfig.ready()``."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.file.timeline import Entry, Filters
from care.models import Referral
from care.referrals import selectors
from org.models import Student, User
from xinyu.web.navigation import NavItem

KINDS_REFERRAL = {"referral": gettext_lazy("Referrals")}


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


def nav_referrals(request: HttpRequest) -> NavItem | None:
    if not selectors.may_see_referrals(request.user):
        return None
    return NavItem(_("Referrals"), reverse("care:referrals"), order=7, key="referrals")


def nav_institutions(request: HttpRequest) -> NavItem | None:
    if not selectors.managed_districts(request.user):
        return None
    return NavItem(_("Partner institutions"), reverse("care:institutions"), order=60, key="institutions")


def register() -> None:
    """Scope.REFERRED, navigation to referrals and the institution registry, referrals on the student file."""
    from access.policy import Scope, register_scope
    from care.file.timeline import register_timeline_provider
    from xinyu.web.navigation import register_nav_item

    register_scope(Scope.REFERRED, selectors.referred_scope)
    register_nav_item(nav_referrals)
    register_nav_item(nav_institutions)
    register_timeline_provider(referrals, kinds=KINDS_REFERRAL)
