"""What the dashboards register with the lower layers at start-up (from the app's ``ready()``): the home card and
the navigation entry, for the roles that see them (T0 aggregates: school leaders and psychological teachers,
district officers and admins, city officers and admins, supervisors; no query of their own: the user's posts are
already loaded for the request), and the JSON API's route."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from supervision.dashboards.selectors import may_use
from xinyu.web.home import Card, Link, register_card
from xinyu.web.navigation import NavItem, register_nav_item


def dashboard_card(request: HttpRequest) -> Card | None:
    if not may_use(request.user):
        return None
    return Card(
        title=_("Supervision dashboard"),
        note=_("How your schools stand against each requirement of the plan this semester, with trends."),
        links=[Link(_("Open the dashboard"), reverse("supervision:index"))],
        order=60,
        key="supervision-dashboard",
    )


def nav_dashboard(request: HttpRequest) -> NavItem | None:
    if not may_use(request.user):
        return None
    url = reverse("supervision:index")
    return NavItem(
        label=_("Supervision"), url=url, order=70, key="supervision", current=request.path.startswith(url)
    )


def register() -> None:
    register_card(dashboard_card)
    register_nav_item(nav_dashboard)
    from supervision.dashboards.api import mount

    mount()  # GET /api/supervision/dashboard
