"""What data approval registers with the lower layers at start-up (from the app's ``ready()``): its navigation
entry, for the roles that see where figures stand (T0 aggregates, ``rules.VIEW_ROLES``), and the lock on the
funding records behind a node's school-year figures while they are submitted or approved (R16)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from org.models import SchoolYear
from supervision.approval import rules
from supervision.indicators.models import Period, PeriodKind
from xinyu.web.navigation import NavItem, register_nav_item


def viewers_nav(request: HttpRequest, name: str, label: str, order: int) -> NavItem | None:
    """A navigation entry to the page ``name`` for the roles that see where figures stand (inspections use the
    same roles)."""
    if not rules.has_role(request.user, rules.VIEW_ROLES):
        return None
    url = reverse(name)
    return NavItem(label, url, order=order, key=name, current=request.path.startswith(url))


def nav_approval(request: HttpRequest) -> NavItem | None:
    return viewers_nav(request, "supervision:approval", _("Data approval"), 91)


def funding_locked(year: SchoolYear) -> set[int]:
    """The nodes whose budget lines (a district: allocations) of ``year`` stay as the approver sees them: those
    whose school-year figures are locked (``rules.locked_node_ids``: submitted or approved; the schools under an
    approved district too). Returning the figures unlocks them."""
    period = Period.objects.filter(school_year=year, kind=PeriodKind.SCHOOL_YEAR).first()
    return set() if period is None else rules.locked_node_ids(period)


def register() -> None:
    from schoolwork.funding.selectors import register_lock_check

    register_nav_item(nav_approval)
    register_lock_check(funding_locked)
