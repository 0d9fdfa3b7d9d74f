"""Every page and API route that can show people's data declares its policy here, next to the view.

``@policy(Tier.T1, "student")`` on a view records which tier of whose data it shows; the persona matrix test
(access/tests/test_matrix.py) walks every URL pattern, fails on any route without a declared policy, and
requests each one as every persona.

``@policy(..., opens=fn)`` also says *who may open the page at all* (``fn(user) -> bool``, a role rule of
``access.policy`` or of the app's selectors): the view refuses everyone else with 403, and every link to the
page — the site navigation, home cards, a dashboard's "records" — asks :func:`may_open` the same rule (issue 20:
links a persona was shown but could not open), so a link and its page cannot disagree.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve

from access.tiers import Tier

V = TypeVar("V", bound=Callable)
Opens = Callable[..., bool]  # (user) -> may this user open the page?


@dataclass(frozen=True)
class RoutePolicy:
    tier: Tier | None  # the highest tier of a person's data the route shows; None: no one's personal data
    subject: str  # whose data: "student", "class", "school", "self", "job", "audit", "public", …
    note: str = ""
    opens: Opens | None = None  # who may open the page at all (None: the view decides, object by object)


def policy(tier: Tier | None, subject: str, note: str = "", opens: Opens | None = None) -> Callable[[V], V]:
    def decorate(view: V) -> V:
        declared = RoutePolicy(tier, subject, note, opens)
        if opens is None or isinstance(view, type):
            view.access_policy = declared  # type: ignore[attr-defined]
            return view

        @functools.wraps(view)
        def gated(request, *args, **kwargs):
            # An anonymous visitor is the login's business (login_required outside this decorator).
            if request.user.is_authenticated and not opens(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        gated.access_policy = declared  # type: ignore[attr-defined]
        return gated  # type: ignore[return-value]

    return decorate


def policy_of(view: Callable) -> RoutePolicy | None:
    """The declared policy of a resolved view (function views, ``as_view()`` class views)."""
    found = getattr(view, "access_policy", None)
    if found is None and hasattr(view, "view_class"):
        found = getattr(view.view_class, "access_policy", None)
    return found


def may_open(user, url: str) -> bool:
    """May ``user`` open the page at ``url`` (a path on this site)? False for an address that resolves to no
    page; True where the page declares no ``opens`` rule (it decides object by object, 404 outside scope)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    declared = policy_of(match.func)
    if declared is None or declared.opens is None:
        return True
    return bool(declared.opens(user))


def held_by(roles) -> Opens:
    """An ``opens`` rule: the page is for the users holding a post of one of ``roles`` (in force today)."""
    wanted = frozenset(roles)

    def opens(user) -> bool:
        from access.policy import roles_of

        return bool(roles_of(user) & wanted)

    opens.roles = wanted  # type: ignore[attr-defined]
    return opens
