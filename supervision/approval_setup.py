"""What data approval and inspections add to the lower layers at start-up (called from the app's ``ready()``):
navigation entries. Inspections add their attachment owners here too (schoolwork's attachment checks)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from xinyu.web.navigation import NavItem, register_nav_item


def nav_approval(request: HttpRequest) -> NavItem | None:
    from supervision import approval

    if not approval.has_role(request.user, approval.VIEW_ROLES):
        return None
    url = reverse("supervision:approval")
    return NavItem(_("Data approval"), url, order=91, key="supervision:approval",
                   current=request.path.startswith(url))  # fmt: skip


def connect() -> None:
    register_nav_item(nav_approval)
