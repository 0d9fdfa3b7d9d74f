"""What corrections add to the foundation's pages: the queue in the header. Registered by ``register()`` in
``CareConfig.ready()``."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from access.policy import roles_of
from care.corrections import services as corrections


def nav_corrections(request: HttpRequest):
    """The queue in the header for the school leader and psychological teachers (no query: the posts are cached)."""
    from django.urls import reverse

    from xinyu.web.navigation import NavItem

    if not request.user.is_authenticated or not roles_of(request.user) & corrections.REVIEWER_ROLES:
        return None
    return NavItem(_("Correction requests"), reverse("care:correction_queue"), order=65, key="corrections")


def register() -> None:
    from xinyu.web.navigation import register_nav_item

    register_nav_item(nav_corrections)
