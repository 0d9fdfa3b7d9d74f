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
    """The cards for this person; a link to a page that would refuse them is left out (issue 20: the page's own
    ``opens`` rule decides, ``access.routes.may_open``)."""
    from access.routes import may_open

    found: list[Card] = []
    for fn in list(_providers):
        got = fn(request)
        if isinstance(got, Card):
            found.append(got)
        elif got:
            found.extend(got)
    for card in found:
        card.links = [link for link in card.links if may_open(request.user, link.url)]
    return sorted(found, key=lambda c: c.order)


@dataclass
class Waiting:
    """One thing waiting for this person to act on — a consent to answer, an invitation, a note to read — and the
    page where they do it (issue 20 build 5: the guardian's home says what waits, one click to each)."""

    label: str
    url: str


WaitingFn = Callable[[HttpRequest], "list[Waiting]"]
_waiting: list[WaitingFn] = []


def register_waiting(fn: WaitingFn) -> WaitingFn:
    """Add a provider of waiting things (idempotent); apps call it from their ``AppConfig.ready()``."""
    if fn not in _waiting:
        _waiting.append(fn)
    return fn


def waiting_for(request: HttpRequest) -> list[Waiting]:
    return [w for fn in list(_waiting) for w in fn(request)]


def url_or_none(*names: str, **kwargs) -> str | None:
    """The first of ``names`` that reverses (a colleague's page may not exist yet), else ``None``."""
    for name in names:
        try:
            return reverse(name, **kwargs)
        except NoReverseMatch:
            continue
    return None
