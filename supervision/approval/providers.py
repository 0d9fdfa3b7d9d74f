"""What data approval registers with the lower layers at start-up (from the app's ``ready()``): its navigation
entry, for the roles that see where figures stand (T0 aggregates, ``rules.VIEW_ROLES``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from supervision.approval import rules
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


def register() -> None:
    register_nav_item(nav_approval)
