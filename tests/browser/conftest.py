"""Playwright in Debian's chromium (never a downloaded browser: no `playwright install`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("XINYU_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


@pytest.fixture
def browser_context_factory(tmp_path: Path) -> Iterator:
    """``new_context(viewport=…)`` opens a fresh chromium with an empty profile; all are closed after the test.

    A missing chromium is a failure, never a skip: the browser test is part of ``make test``."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); "
            "the browser tests never download a browser.",
            pytrace=False,
        )
    # Playwright's sync API runs an event loop in this thread: tests read the world's objects (already
    # loaded) and make no ORM call while the browser is open.
    from playwright.sync_api import sync_playwright

    contexts = []
    refused: list[str] = []  # Content-Security-Policy violations any page reported
    with sync_playwright() as p:

        def new_context(viewport: dict | None = None):
            profile = tmp_path / f"profile-{len(contexts)}"
            profile.mkdir()
            ctx = p.chromium.launch_persistent_context(
                str(profile),
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport=viewport or {"width": 1280, "height": 800},
                locale="zh-CN",
            )
            ctx.set_default_timeout(15_000)
            ctx.on("console", lambda m: _note_csp(m, refused))
            ctx.on("page", lambda page: page.on("console", lambda m: _note_csp(m, refused)))
            contexts.append(ctx)
            return ctx

        yield new_context
        for ctx in contexts:
            ctx.close()
    # A script or style the policy blocked is a page that silently does not work for a user.
    assert refused == [], "Content-Security-Policy refused something:\n" + "\n".join(refused)


@pytest.fixture(autouse=True)
def browser_clock() -> Iterator:
    """Every browser test runs on a school day at 10:00 Beijing time, with the clock ticking: what a page offers
    depends on the hour (critical questionnaires open only while a responder is at school, alerts take the
    off-hours route at night — issue 15), and a test must not pass by day and fail by night. The whole process
    travels (the live server's threads and the test alike; TOTP codes agree), monotonic clocks do not, so
    Playwright's timeouts are unaffected. A test moves it with ``browser_clock.move_to(moment)``."""
    import time_machine

    from conftest import forget_used_codes, school_day_at

    # Each test starts at the same moment with a fresh database (fresh second factors): the codes this process
    # remembers using belong to another test's clock, and waiting for the next step would cost up to 30 s a test.
    forget_used_codes()
    traveller = time_machine.travel(school_day_at(10), tick=True)
    yield traveller.start()
    traveller.stop()


@pytest.fixture(autouse=True)
def _second_factors(request, browser_clock) -> None:
    """Browser tests log in through the form: every persona that needs two factors has a known TOTP secret
    (conftest.totp_code computes the code). Made before any browser opens."""
    if "world" in request.fixturenames:
        from conftest import enrol_personas

        enrol_personas(request.getfixturevalue("world"))


def _note_csp(message, refused: list[str]) -> None:
    text = message.text
    if message.type == "error" and "Content Security Policy" in text:
        refused.append(text[:300])
