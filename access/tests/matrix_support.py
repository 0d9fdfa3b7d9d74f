"""What the persona matrix is made of, shared by every app's rows.

Each app declares the rows for its own routes in ``<app>/tests/matrix*.py`` modules: a ``PAGE`` dict
(route name → ``Expect``) and, if its rows need objects, ``objects(world) -> dict`` (keys prefixed by the app, so
modules never collide). ``access/tests/test_matrix.py`` gathers them all: a route without a row still fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PERSONAS = [
    "psych", "psych_east", "class_teacher", "other_class_teacher", "teacher", "other_school_teacher", "leader",
    "district_officer", "district_admin", "other_district_officer", "district_counselor", "city_officer",
    "city_admin", "supervisor", "clinician", "auditor", "security_admin", "student", "guardian", "other_guardian",
]  # fmt: skip

EVERYONE = frozenset(PERSONAS)


@dataclass(frozen=True)
class Expect:
    allowed: frozenset[str]
    ok: int = 200
    denied: int = 404
    anonymous: int = 302  # pages send an anonymous visitor to the login page
    method: str = "get"
    params: tuple[tuple[str, str], ...] = ()  # (url kwarg, world object key)
    role_never: frozenset[str] = frozenset()  # personas whose role never has this page: 403 before any lookup
    roster_check: bool = False
    body: dict = field(default_factory=dict)  # extra client kwargs (a JSON body for a POST)
