"""What licences and the default battery register at start-up: the district's navigation item and home card."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access.policy import roles_of
from org.models import Role
from screening.campaigns.providers import nav_item
from xinyu.web.home import Card, Figure, Link
from xinyu.web.navigation import NavItem


def nav_licences(request: HttpRequest) -> NavItem | None:
    """授权 — the district administrator records licences; the officer, who publishes campaigns, sees them."""
    return nav_item(
        request,
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER},
        _("Instrument licences"),
        "screening:licences",
        42,
    )


def licences_card(request: HttpRequest) -> Card | None:
    """需要授权的量表 — licensed instruments the district has not recorded (a campaign using one cannot launch)."""
    if not roles_of(request.user) & {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}:
        return None
    from screening.battery.selectors import battery_districts, licences_needed

    districts = battery_districts(request.user)
    if not districts:
        return None
    n = len(licences_needed(districts[0]))
    if not n:
        return None
    return Card(
        title=_("Instruments that need a licence"),
        figures=[Figure(_("Not recorded"), n)],
        note=_(
            "A campaign using one of them cannot launch until the district administrator records its licence."
        ),
        links=[Link(_("Instrument licences"), reverse("screening:licences"))],
        order=30,
        key="screening-licences",
    )


def register() -> None:
    from xinyu.web.home import register_card
    from xinyu.web.navigation import register_nav_item

    register_card(licences_card)  # issue 15 (i15-battery)
    register_nav_item(nav_licences)
