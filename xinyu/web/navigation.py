"""Navigation entries of the site header, by what the user's posts let them see.

Later apps add entries with ``register_nav_item(fn)`` where ``fn(request) -> NavItem | None``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass
class NavItem:
    label: str
    url: str
    order: int = 100
    key: str = ""
    current: bool = False


NavFn = Callable[[HttpRequest], NavItem | None]
_providers: list[NavFn] = []


def register_nav_item(fn: NavFn) -> NavFn:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def nav_items(request: HttpRequest) -> list[NavItem]:
    found = [item for fn in list(_providers) if (item := fn(request)) is not None]
    return sorted(found, key=lambda i: i.order)
