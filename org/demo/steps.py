"""Demo data of the higher apps (issue 15): an app that has demo rows of its own (the district centre's duty roster,
the district's line, counseling-room rosters …) registers a step in its ``AppConfig.ready()``; ``seed_demo`` runs the
steps after the city and its people exist, in the same transaction. ``org`` imports no app above it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

DemoStep = Callable[[dt.datetime], str]  # gets the moment of seeding, returns a line for the progress output
_steps: dict[str, DemoStep] = {}


def register_demo_step(name: str, step: DemoStep) -> None:
    _steps[name] = step


def run_demo_steps(now: dt.datetime, progress: Callable[[str], None]) -> None:
    for name in sorted(_steps):
        progress(f"{name}: {_steps[name](now)}")
