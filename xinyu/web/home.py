"""The home page (首页) is a list of cards: "what this person has to do today".

Each card comes from a provider ``fn(request) -> Card | list[Card] | None`` (``None``: nothing for this
person). Later apps
add theirs (alerts to acknowledge, open cases, tasks of a plan …) from their ``AppConfig.ready()``::

    from xinyu.web.home import Card, Figure, register_card

    @register_card
    def open_alerts(request):
        n = care.alerts.selectors.open_alerts(request.user).count()
        return Card(title=_("Alerts to acknowledge"), figures=[Figure(_("Open"), n)], order=10) if n else None

A provider reads only through ``access.policy`` (directly or through its app's selectors). Cards are shown by
``order`` (smaller first), then registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass
class Figure:
    label: str
    value: str | int
    note: str = ""
    url: str = ""  # the figure opens its list (a drill-down)
    attention: bool = False  # something is waiting: shown stronger


@dataclass
class Link:
    label: str
    url: str


@dataclass
class Card:
    title: str
    figures: list[Figure] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # short lines of text
    note: str = ""
    order: int = 100
    key: str = ""  # a stable name for tests and CSS hooks


CardFn = Callable[[HttpRequest], "Card | list[Card] | None"]
_providers: list[CardFn] = []


def register_card(fn: CardFn) -> CardFn:
    """Add a home-card provider (idempotent; usable as a decorator)."""
    if fn not in _providers:
        _providers.append(fn)
    return fn


def unregister_card(fn: CardFn) -> None:
    if fn in _providers:
        _providers.remove(fn)


def cards_for(request: HttpRequest) -> list[Card]:
    found: list[Card] = []
    for fn in list(_providers):
        got = fn(request)
        if isinstance(got, Card):
            found.append(got)
        elif got:
            found.extend(got)
    return sorted(found, key=lambda c: c.order)


def url_or_none(*names: str, **kwargs) -> str | None:
    """The first of ``names`` that reverses (a colleague's page may not exist yet), else ``None``."""
    for name in names:
        try:
            return reverse(name, **kwargs)
        except NoReverseMatch:
            continue
    return None
