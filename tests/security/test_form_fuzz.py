"""Issue 19, build 6: every page form is fuzzed for 500s (the API is fuzzed by schemathesis, access/tests/test_api_fuzz.py).

For every page of the persona matrix (access/tests/test_matrix.py: its routes, its world, its objects) the first
persona let in opens it; each ``<form>`` on the page — its action, its fields, their options — is then sent values
hypothesis generates: empty, huge, any unicode, wrong types (letters for a number, a date that is not one), negative
and oversized ids, other objects' ids (another school's student, another district's records), the field's own
options, fields left out, files that are not what they say. The rules a user would state:

- the site never answers 500, whatever a form is sent;
- a form that refuses what it was sent (4xx, or the page again with its errors) changed nothing.

Bounded for CI: ``MAX_EXAMPLES`` sends per form, derandomised (the same values every run); a value that finds a
bug becomes a regression test next to the code it broke. The counts are printed (``Form fuzz: …``) and recorded in
docs/security.md.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.tests.matrix_support import PERSONAS
from access.tests.test_matrix import PAGE, matrix_objects, matrix_url

MAX_EXAMPLES = 6
# Rows a refused form may still write: the audit trail (a refusal is audited), sign-in sessions.
NOT_DATA = {"access.auditevent", "access.audithead", "access.auditanchor", "access.loginsession"}
ERROR_MARKS = ('class="form-errors"', 'class="field-errors"', 'class="errorlist', "errorlist")
# Forms that end the session or switch the language: nothing to fuzz, and they would end the run's login.
SKIP_ACTIONS = ("/logout", "/i18n/")
COUNTS = {"forms": 0, "sends": 0, "routes": 0}
TIMES: dict[str, float] = {}
LAST: dict[str, str] = {}  # the digest after the last send: nothing else writes between two sends


@dataclass
class Field:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                kind = "submit"
            f = form.fields.setdefault(name, Field(name, kind, a.get("value", "")))
            if kind in ("checkbox", "radio"):
                f.options.append(a.get("value", "on"))
                f.multiple = f.multiple or kind == "checkbox"
        elif tag == "select":
            self._select = form.fields.setdefault(name, Field(name, "select", multiple="multiple" in a))
        elif tag == "textarea":
            form.fields.setdefault(name, Field(name, "textarea"))
        elif tag == "button" and a.get("value"):
            form.fields.setdefault(name, Field(name, "submit", a["value"], [a["value"]]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    out = []
    for form in parser.forms:
        form.action = form.action or page_url
        if not form.action.startswith("/") or form.action.startswith(SKIP_ACTIONS) or not form.fields:
            continue
        out.append(form)
    return out


def snapshot() -> str:
    """A digest of every row the app keeps (not the audit trail or sign-in sessions), read as stored (no field
    decryption: the ciphertext changes when the text does)."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for table in TABLES or _tables():
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 — table names from the models
            digest.update(repr(cursor.fetchall()).encode())
    return digest.hexdigest()


TABLES: list[str] = []


def _tables() -> list[str]:
    skip_apps = ("sessions", "admin", "contenttypes", "auth")
    TABLES[:] = [
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in NOT_DATA and m._meta.app_label not in skip_apps and m._meta.managed
    ]
    return TABLES


def value_strategy(f: Field, ids: list[int]) -> st.SearchStrategy:
    hostile = [
        st.just(""),
        st.text(max_size=40),
        st.just("心" * 20_000),  # huge
        st.sampled_from(
            ["abc", "1.5", "1e9", "NaN", "-0", "２０２６", "null", "[]", "{}", "<script>x</script>"]
        ),
        st.sampled_from(
            ["2026-13-45", "0000-00-00", "9999-12-31", "2026-02-30", "25:61", "2026-09-01T10:00"]
        ),
        st.integers(min_value=-(2**63), max_value=2**64).map(str),
        st.sampled_from(["-1", "0", "9" * 19, "9" * 40]),
        st.sampled_from(ids).map(str),  # other objects: another school's, another district's
        st.text(
            alphabet=st.characters(codec="utf-8"), max_size=10
        ),  # control characters, surrogates excluded
    ]
    own = [o for o in f.options if o] + ([f.value] if f.value else [])
    if own:
        hostile.append(st.sampled_from(own))
    one = st.one_of(hostile)
    if f.kind == "file":
        return st.sampled_from(
            [b"", b"PK\x03\x04 not a zip", "学号,姓名\n1,x".encode("gbk"), b"\xff" * 64]
        ).map(lambda content: SimpleUploadedFile("x.csv", content))
    if f.multiple:
        return st.lists(one, max_size=3)
    return one


def data_strategy(form: Form, ids: list[int]) -> st.SearchStrategy:
    fields = {name: st.one_of(st.none(), value_strategy(f, ids)) for name, f in form.fields.items()}
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


def _is_error_page(response) -> bool:
    if 400 <= response.status_code < 500:
        return True
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return False
    body = response.content.decode("utf-8", "replace")
    return any(mark in body for mark in ERROR_MARKS)


def fuzz_form(client: Client, form: Form, ids: list[int], where: str) -> None:
    """Send ``MAX_EXAMPLES`` generated bodies to ``form``: never a 500; a refused form changes nothing."""

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,  # the same values every run: CI is repeatable
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=data_strategy(form, ids))
    def send(data: dict) -> None:
        before = LAST.get("snapshot") or snapshot()
        if form.method == "post":
            response = client.post(form.action, data)
        else:
            response = client.get(form.action, {k: v for k, v in data.items() if not hasattr(v, "read")})
        COUNTS["sends"] += 1
        assert response.status_code < 500, f"{where}: {form.method.upper()} {form.action} {data!r:.300}"
        LAST["snapshot"] = after = snapshot()  # the next send's "before"
        if _is_error_page(response):
            assert after == before, f"{where}: refused, yet data changed: {form.action} {data!r:.300}"

    LAST.clear()
    send()


def _form_pages() -> list[str]:
    return sorted(
        name for name, e in PAGE.items() if e.method == "get" and e.allowed and not name.startswith("api:")
    )


@pytest.mark.parametrize("name", _form_pages())
def test_no_page_form_answers_500_and_a_refused_form_changes_nothing(name, world, frozen_clock):
    from conftest import school_day_at

    frozen_clock(school_day_at(10))
    expect = PAGE[name]
    objects = matrix_objects(world)
    url = matrix_url(name, expect, objects)
    ids = sorted(
        {o.pk for o in objects.values() if hasattr(o, "pk") and isinstance(o.pk, int)}
        | {getattr(world, f"student_{k}").pk for k in ("a1", "a1b", "a2", "b1", "c1")}
    )
    started = time.perf_counter()
    persona = next(p for p in PERSONAS if p in expect.allowed)
    client = Client()
    client.force_login(getattr(world, persona))
    page = client.get(url)
    COUNTS["routes"] += 1
    if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
        return
    for form in forms_of(page.content.decode(), url):
        COUNTS["forms"] += 1
        fuzz_form(client, form, ids, f"{persona} {url}")
    TIMES[name] = time.perf_counter() - started


@pytest.fixture(scope="module", autouse=True)
def _report():
    started = time.perf_counter()
    yield
    print(
        f"\nForm fuzz: {COUNTS['routes']} pages opened, {COUNTS['forms']} forms, {COUNTS['sends']} sends "
        f"({MAX_EXAMPLES} per form), {time.perf_counter() - started:.1f} s"
    )
