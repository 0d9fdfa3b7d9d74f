"""Stored XSS across every free-text field (issue 8 part 7, ASVS V5.3 output encoding).

The rule a user would state: "whatever anyone types into Xinyu — a student's message, a teacher's report, a school
name in a roster — is shown as text, never run as code". The test walks the models of every app, finds every
free-text column a user can write (``CharField`` / ``TextField`` / encrypted text without fixed choices, less the
explicit ``NOT_USER_TEXT`` list below, each entry with its reason), and writes into every row of each one a payload
that tries the classic ways out of HTML text and attributes:

    "><script>alert(1)</script><img src=x onerror=alert(1)>|{{7*7}}|        (cut to the column's length)
    javascript:alert(1)                                                      (for URL columns, shown as links)

Then it requests every page of the persona matrix (every ``GET`` row of access/tests/test_matrix.py and the app
``matrix*.py`` modules, with the matrix's own objects plus one row of each model that has none) as every persona
the matrix lets in, parses each HTML answer with ``html.parser`` and asserts that no ``<script>`` element without a
``src``, no ``on*`` attribute and no ``javascript:`` link or form target is in it, that the payload's tags never
appear unescaped, and that ``{{7*7}}`` was not evaluated. Every payload starts with a marker naming its field, so
the test also counts which fields each page really showed (the figure in docs/security.md).

Not covered here: JSON answers (the API; ``application/json`` is not rendered as HTML by a browser, and the
schemathesis test checks them against the schema) and exports (CSV/XLSX/PDF; formula injection is tested with the
exports). Text that the browser inserts into the page itself (answer.js, htmx swaps) is covered by the Playwright
test at the end.
"""

from __future__ import annotations

import html
import re

from access.tests.matrix_support import PERSONAS
from access.tests.test_matrix import PAGE, matrix_url
from tests.security.xss import NOT_USER_TEXT, RAW_NEVER, Findings, fuzz_every_text_column, label, text_columns


def test_the_columns_listed_as_not_user_text_exist_and_the_walk_finds_the_rest():
    labels = {label(f) for f in text_columns()}
    assert sorted(set(NOT_USER_TEXT) - labels) == [], "NOT_USER_TEXT names columns that no longer exist"
    assert len(labels - set(NOT_USER_TEXT)) >= 80  # the walk found the project's text (it did not go blind)


def test_no_free_text_field_is_ever_rendered_as_markup_or_script(world, client):
    objects, columns, numbered = fuzz_every_text_column(world)

    problems: list[str] = []
    shown: dict[int, set[str]] = {}  # field number → pages (route names) that showed it
    pages = 0
    for name in sorted(PAGE):
        expect = PAGE[name]
        if expect.method != "get" or expect.ok != 200 or not expect.allowed:
            continue
        url = matrix_url(name, expect, objects)
        for persona in sorted(expect.allowed, key=PERSONAS.index):
            client.force_login(getattr(world, persona))
            response = client.get(url)
            assert response.status_code == 200, f"{name} as {persona}: {response.status_code}"
            if not response.get("Content-Type", "").startswith("text/html"):
                continue
            pages += 1
            body = response.content.decode()
            finder = Findings()
            finder.feed(body)
            problems += [f"{name} as {persona}: {what}" for what in finder.found]
            problems += [f"{name} as {persona}: raw {raw!r}" for raw in RAW_NEVER if raw in body]
            for number in re.findall(r"§(\d+)§", html.unescape(body)):
                shown.setdefault(int(number), set()).add(name)
    pairs = sum(len(v) for v in shown.values())
    print(
        f"\nXSS: {len(columns)} user text columns fuzzed, {len(shown)} shown on at least one page; "
        f"{pages} pages rendered (route × persona); {pairs} field × route pairs checked"
    )
    print(
        "fuzzed but on no matrix page:",
        ", ".join(sorted(set(numbered.values()) - {numbered[i] for i in shown})),
    )
    assert problems == [], "\n".join(problems)
    # The walk must reach the pages: most fuzzed columns are shown somewhere (a page that stopped showing the
    # matrix objects would make this test pass blind).
    assert len(shown) >= len(columns) // 2, sorted(set(numbered.values()) - {numbered[i] for i in shown})
    assert pages >= 100
