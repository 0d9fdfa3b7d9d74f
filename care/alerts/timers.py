"""Timers of higher apps run by care's escalation timer (``care.escalate_alerts``, every minute; the command
``manage.py escalate_alerts`` embedded). care may not import the apps above it, so they register here in their
``AppConfig.ready()``: ``register_timer("counseling.messages", fn)`` with ``fn(now) -> int`` (how many things it
moved). A failing timer is logged and does not stop the others or the alert escalation.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

log = logging.getLogger(__name__)

_TIMERS: dict[str, Callable[[dt.datetime], int]] = {}


def register_timer(name: str, fn: Callable[[dt.datetime], int]) -> None:
    _TIMERS[name] = fn


def run_registered(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every registered timer at ``now``; returns {name: count} (-1 for a timer that failed)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    for name, fn in sorted(_TIMERS.items()):
        try:
            done[name] = fn(now)
        except Exception:
            log.exception("care: the timer %s failed; it runs again on the next tick", name)
            done[name] = -1
    return done
