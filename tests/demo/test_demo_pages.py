"""Issue 18, build 6: every page a demo login reaches from its navigation shows content, not an empty state.

The demo city is seeded once (``seed_demo`` as ``make run`` does, then the full rollup); each demo login signs
in with its password (and its authenticator code where two factors are required), opens every link of the site
header and reads the page the way a visitor would: an element marked ``data-empty`` (the empty-state rows and
notes of the templates) is an empty page, and so is a table of figures that are all zero.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.core.management import call_command

from org.demo.logins import DEMO_LOGINS
from tests.demo import city

# Pages whose purpose is a form to fill (a report, an import, a message): their content is the form.
FORMS = {
    "/care/reports/new/",
    "/roster/",
    "/counseling/centre/messages/new/",
    "/counseling/centre/chat/",
    "/admin/",
}
STUDENTS = (
    600  # the content does not depend on the size of the city; 2,000 is the bench's (docs/performance.md)
)


class _Page(HTMLParser):
    """What a visitor sees in <main>: empty-state markers, the rows of tables, the items of lists, figures."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = 0
        self.empty: list[str] = []
        self.rows = 0
        self.items = 0
        self.figures: list[str] = []
        self._capture: str | None = None
        self._text: list[str] = []
        self.charts = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "main":
            self.in_main += 1
        if not self.in_main:
            return
        if "data-empty" in a:
            self._capture, self._text = "empty", []
        elif tag == "tr" and self._capture is None:
            self.rows += 1
        elif tag == "li" or (tag == "section" and "card" in (a.get("class") or "").split()):
            self.items += 1
        elif tag == "td" and "num" in (a.get("class") or "").split():
            self._capture, self._text = "figure", []
        elif tag in ("canvas", "svg") or (tag == "script" and a.get("type") == "application/json"):
            self.charts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main -= 1
        if self._capture and tag in ("td", "tr", "li", "p", "span", "div"):
            text = " ".join("".join(self._text).split())
            (self.empty if self._capture == "empty" else self.figures).append(text)
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)


_login = city.login  # signed in as the demo login, its authenticator code where asked


def _nav_links(html: str) -> list[str]:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S)
    assert nav, "the page has no navigation"
    return list(dict.fromkeys(re.findall(r'href="(/[^"#?]*)', nav.group(1))))


def _what_is_wrong(page: _Page) -> str:
    if page.empty:
        return "empty state: " + " | ".join(t[:40] for t in page.empty[:3])
    if page.figures and all(re.fullmatch(r"[0—–\-.%/\s]*", f) for f in page.figures):
        return f"{len(page.figures)} figures, all zero"
    if not (page.rows or page.items or page.charts or page.figures):
        return "no list, table, chart or figure"
    return ""


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        started = time.perf_counter()
        call_command("seed_demo", students=STUDENTS, seed=1, not_production=True, stdout=StringIO())
        call_command("rollup", full=True, stdout=StringIO())
        yield time.perf_counter() - started
        call_command("flush", interactive=False)


@pytest.mark.django_db(transaction=True)
def test_every_page_in_each_demo_logins_navigation_shows_content(demo_city, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    problems: list[str] = []
    opened = 0
    for login in DEMO_LOGINS:
        client = _login(login.username)
        links = _nav_links(client.get("/").content.decode())
        assert links, f"{login.username} has no navigation"
        for url in links:
            if url in FORMS:
                continue
            got = client.get(url, follow=True)
            opened += 1
            if got.status_code != 200:
                problems.append(f"{login.username} {url}: HTTP {got.status_code}")
                continue
            page = _Page()
            page.feed(got.content.decode())
            if wrong := _what_is_wrong(page):
                problems.append(f"{login.username:22} {url}: {wrong}")
    assert opened > 100
    assert not problems, f"{len(problems)} of {opened} pages show nothing:\n" + "\n".join(problems)


# Run in the SQLite stage of .ci/run only (pyproject.toml, marker "tour").
pytestmark = pytest.mark.tour
