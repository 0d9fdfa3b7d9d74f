"""In a real browser (issue 8 part 7): the pages with the most free text — the student file, the message board
(the student's message with its reply, and the counselor's side), the case page and the online chat, whose lines
the page's own script inserts — with every user text column holding an XSS payload (tests/security/xss.py). No
dialog opens (``alert(1)`` never runs), no Content-Security-Policy violation is reported (the fixture fails the test
on one), and the payload is on the page as text a user can read."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.browser.test_student_access import log_in
from tests.security.xss import fuzz_every_text_column

pytestmark = pytest.mark.browser

# The sign-in form needs the personas' user names: those keep their value (the name shown is still a payload).
KEEP = frozenset({"org.User.username"})


@pytest.fixture
def pages(world) -> dict[str, list[str]]:
    """Before the browser opens (no ORM call while it runs): the payloads written, the pages to open by persona."""
    with (
        transaction.atomic()
    ):  # live_server's database is in autocommit; the services called expect a transaction
        objects, _columns, _numbered = fuzz_every_text_column(world, keep=KEEP)
    return {
        "psych": [
            reverse("care:file_detail", args=[world.student_a1.pk]),
            reverse("care:file_detail", args=[objects["cases_case"].student_id]),
            reverse("care:case_detail", args=[objects["cases_case"].pk]),
        ],
        "student": [
            reverse("counseling:centre_my_message", args=[objects["centre_named_message"].pk]),
            reverse("counseling:centre_chat", args=[objects["centre_online"].pk]),
        ],
        "district_counselor": [
            reverse("counseling:centre_message", args=[objects["centre_named_message"].pk]),
            reverse("counseling:centre_chat", args=[objects["centre_online"].pk]),
        ],
    }


def test_the_pages_with_the_most_free_text_show_every_payload_as_text_and_run_none(
    live_server, pages, browser_context_factory
):
    dialogs: list[str] = []
    shown: dict[str, int] = {}
    for persona, urls in pages.items():
        page = browser_context_factory(viewport={"width": 375, "height": 667}).new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        log_in(page, live_server.url, persona)
        for url in urls:
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(300)  # polling scripts (the chat) have inserted their first lines
            text = page.locator("body").inner_text()
            shown[f"{persona} {url}"] = text.count("§")
            assert any(
                p in text for p in ("<script>alert(1)</script>", "<svg onload", "<b onclick", "<b onx")
            ), url
            # No element the payload could have made: an inline script, an image with src=x, a handler attribute.
            made = page.evaluate(
                """() => [...document.querySelectorAll('script:not([src]):not([type="application/json"]), img[src="x"], svg[onload], [onerror], [onclick], [onx]')].length"""
            )
            assert made == 0, url
    assert dialogs == []
    print(f"\nXSS in chromium: {len(shown)} pages, payload markers shown: {shown}")
