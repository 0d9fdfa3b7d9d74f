"""Every page and API route that can show people's data declares its policy here, next to the view.

``@policy(Tier.T1, "student")`` on a view records which tier of whose data it shows; the persona matrix test
(access/tests/test_matrix.py) walks every URL pattern, fails on any route without a declared policy, and
requests each one as every persona.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from access.tiers import Tier

V = TypeVar("V", bound=Callable)


@dataclass(frozen=True)
class RoutePolicy:
    tier: Tier | None  # the highest tier of a person's data the route shows; None: no one's personal data
    subject: str  # whose data: "student", "class", "school", "self", "job", "audit", "public", …
    note: str = ""


def policy(tier: Tier | None, subject: str, note: str = "") -> Callable[[V], V]:
    def decorate(view: V) -> V:
        view.access_policy = RoutePolicy(tier, subject, note)  # type: ignore[attr-defined]
        return view

    return decorate


def policy_of(view: Callable) -> RoutePolicy | None:
    """The declared policy of a resolved view (function views, ``as_view()`` class views)."""
    found = getattr(view, "access_policy", None)
    if found is None and hasattr(view, "view_class"):
        found = getattr(view.view_class, "access_policy", None)
    return found
