"""Issue 20, builds 3 and 7, in a real browser at 1280 px and on a 375-px phone, over the demo city.

Every demo login's home page and the pages of its navigation: the text the browser shows holds no code, key or
English (tests/words.py). The student's and the guardian's pages — all of them, their navigation and one page of
each kind those link to — and every login's home page pass axe-core (static/vendor/axe, injected here only,
never served to a user's page) with no serious or critical violation of WCAG 2 A/AA.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from org.demo.logins import DEMO_LOGINS
from org.models import User
from tests.demo.test_demo_pages import _login, _nav_links, demo_city  # noqa: F401 (a fixture)
from tests.demo.test_demo_words import NOT_PAGES, _kind, _main_links
from tests.words import check_page

AXE = Path(settings.BASE_DIR) / "static/vendor/axe/axe.min.js"
WIDTHS = ({"width": 1280, "height": 800}, {"width": 375, "height": 812})
FIRST = ("student", "guardian")  # build 7: the student's and the guardian's pages first, all of them
# XINYU_AXE_ALL=1: axe on every page of every login too (about three times as long; none found on 8 Dec 2026).
AXE_ALL = os.environ.get("XINYU_AXE_ALL") == "1"
AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
                                     resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def axe_violations(page) -> list[str]:
    """Serious and critical WCAG 2 A/AA violations axe-core finds on the page as it is now. The script is
    evaluated through the browser's debugging protocol, so the page's Content-Security-Policy is untouched."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate(AXE_RUN)


def _pages(client: Client, username: str) -> list[str]:
    home = client.get("/").content.decode()
    first = ["/", *(u for u in _nav_links(home) if not NOT_PAGES.search(u))]
    if username not in FIRST:
        return first
    kinds, more = {_kind(u) for u in first}, []
    for url in first[1:]:
        got = client.get(url, follow=True)
        if got.status_code == 200 and "html" in got.get("Content-Type", ""):
            for link in _main_links(got.content.decode()):
                if not NOT_PAGES.search(link) and _kind(link) not in kinds:
                    kinds.add(_kind(link))
                    more.append(link)
    return first + more


@pytest.fixture
def visits(demo_city, live_server) -> tuple[set[str], list[tuple[str, str, list[str]]]]:  # noqa: F811
    """The ORM's part, before any browser opens (Playwright's loop then owns the thread): each demo login signs in
    (password, and its authenticator code where needed) and lists its pages; the browser takes its session."""
    logins = set(User.objects.values_list("username", flat=True))
    out = []
    for login in DEMO_LOGINS:
        client = _login(login.username)
        out.append(
            (
                login.username,
                client.cookies[settings.SESSION_COOKIE_NAME].value,
                _pages(client, login.username),
            )
        )
    return logins, out


@pytest.mark.django_db(transaction=True)
def test_demo_pages_in_a_browser_show_no_code_and_pass_axe(visits, live_server, browser_context_factory):
    logins, sessions = visits
    words: list[str] = []
    access: list[str] = []
    opened = 0
    for viewport in WIDTHS:
        ctx = browser_context_factory(viewport=viewport)
        for username, session, urls in sessions:
            ctx.clear_cookies()
            ctx.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
            )
            page = ctx.new_page()
            for url in urls:
                got = page.goto(live_server.url + url)
                if got is None or got.status != 200 or "html" not in (got.headers.get("content-type") or ""):
                    continue
                opened += 1
                where = f"{viewport['width']}px {username:22} {url}"
                words += [f"{where}: {f}" for f in check_page(page.content(), allow=logins)]
                if username in FIRST or url == "/" or AXE_ALL:
                    access += [f"{where}: {v}" for v in axe_violations(page)]
            page.close()
    assert opened > 200
    assert not words, f"{len(words)} findings of code, keys or English:\n" + "\n".join(words)
    assert not access, f"{len(access)} serious or critical accessibility violations:\n" + "\n".join(access)


def test_axe_is_vendored_with_its_licence_and_version():
    """MPL-2.0: the file is served unmodified with its licence; the version is the one static/vendor/README names."""
    head = AXE.read_text(encoding="utf-8")[:200]
    version = re.search(r"axe v(\d+\.\d+\.\d+)", head).group(1)
    readme = (AXE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert f"| axe-core (`axe-core`) | {version} |" in readme
    assert "Mozilla Public License" in (AXE.parent / "LICENSE").read_text(encoding="utf-8")


def test_the_checks_find_what_they_look_for(browser_context_factory):
    """The tour's two checks are not blind: axe-core reports a field without a label and text without contrast,
    and the words check the English and the key of a page."""
    page = browser_context_factory().new_page()
    page.set_content(
        '<html lang="zh-Hans"><head><title>测试</title></head><body><main><h1>测试</h1>'
        '<input type="text"><p style="color:#ccc;background:#fff">浅色文字</p>'
        "<p>Five educations</p><table><tr><th>all_staff</th></tr></table></main></body></html>"
    )
    found = " ".join(axe_violations(page))
    assert "label (critical)" in found and "color-contrast (serious)" in found
    words = " ".join(check_page(page.content()))
    assert "Five educations" in words and "all_staff" in words
