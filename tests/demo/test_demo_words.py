"""Issue 20, build 3: no page a demo login opens shows code, a key or English on the zh-hans site.

The demo city of tests/demo/test_demo_pages.py (seeded once as ``make run`` does); each demo login opens every
link of its navigation and, two levels down, one page of each kind its pages link to (a student's file, a case,
a campaign — ``/care/cases/12/`` and ``/care/cases/13/`` are one kind), and reads each page's visible text with
tests/words.py: a snake_case token, English words or a code hint there is a finding.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from org.demo.logins import DEMO_LOGINS
from org.models import User
from tests.demo.test_demo_pages import _login, _nav_links, demo_city  # noqa: F401 (a fixture)
from tests.words import check_page

# Links that are not pages to read: leaving, downloads, and the Django admin's own (English-keyed) site.
NOT_PAGES = re.compile(
    r"^/(logout|static|media|i18n)/|/(export|download)|\.(csv|xlsx|pdf|json|ics)$|^/admin/.+"
)
DUMP = Path(os.environ["XINYU_WORDS_DUMP"]) if os.environ.get("XINYU_WORDS_DUMP") else None
PER_LOGIN = 80  # pages below its navigation a login opens (one per kind of page)
LEVELS = 3  # the navigation's pages, what they link to (a campaign), and what those link to (its results)


def _kind(url: str) -> str:
    return re.sub(r"\d+", "N", url)


def _main_links(html: str) -> list[str]:
    main = re.search(r"<main[^>]*>(.*?)</main>", html, re.S)
    return list(dict.fromkeys(re.findall(r'href="(/[^"#?]*)', main.group(1)))) if main else []


@pytest.mark.django_db(transaction=True)
def test_no_demo_page_shows_code_keys_or_english(demo_city, settings):  # noqa: F811
    settings.LANGUAGE_CODE = "zh-hans"
    problems: list[str] = []
    opened = 0
    logins = set(User.objects.values_list("username", flat=True))  # a login name shown is an identifier
    for login in DEMO_LOGINS:
        client = _login(login.username)
        home = client.get("/").content.decode()
        first = ["/", *(u for u in _nav_links(home) if not NOT_PAGES.search(u))]
        seen_kinds = {_kind(u) for u in first}
        queue = [(1, u) for u in first]
        further = 0
        while queue:
            level, url = queue.pop(0)
            got = client.get(url, follow=True)
            opened += 1
            if got.status_code != 200 or "html" not in got.get("Content-Type", ""):
                continue  # test_demo_pages and the persona matrix judge what opens
            html = got.content.decode()
            for finding in check_page(html, allow=logins):
                problems.append(f"{login.username:22} {url}: {finding}")
            if DUMP:  # XINYU_WORDS_DUMP=dir keeps the pages read, to find where a finding comes from
                (DUMP / f"{login.username}{url.replace('/', '_')}.html").write_text(html)
            if level < LEVELS:
                for link in _main_links(html):
                    if not NOT_PAGES.search(link) and _kind(link) not in seen_kinds and further < PER_LOGIN:
                        seen_kinds.add(_kind(link))
                        queue.append((level + 1, link))
                        further += 1
    assert opened > 300
    assert not problems, f"{len(problems)} findings on {opened} pages:\n" + "\n".join(problems)


def test_every_translatable_string_is_marked_by_a_name_makemessages_reads():
    """``makemessages`` reads ``_``, ``gettext``, ``gettext_lazy``, ``pgettext`` … by name: a string marked with
    an alias (``gettext_lazy as _l``) never reaches the catalogue and shows in English (issue 20 found nine)."""
    root = Path(__file__).resolve().parents[2]
    alias = re.compile(r"from django\.utils\.translation import .*\b\w*gettext\w* as (?!_\b)(\w+)")
    found = [
        f"{path.relative_to(root)}: {m.group(0)}"
        for app in ("org", "access", "xinyu", "care", "screening", "counseling", "schoolwork", "supervision")
        for path in (root / app).rglob("*.py")
        for m in alias.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


# Run in the SQLite stage of .ci/run only (pyproject.toml, marker "tour").
pytestmark = pytest.mark.tour
