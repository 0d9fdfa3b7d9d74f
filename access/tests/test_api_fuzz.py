"""Schemathesis fuzzes every operation of the API (issue 8 part 8, ASVS V13): it generates requests from the API's
own OpenAPI schema, valid and invalid, and sends them to the app in-process as three personas — a psychological
teacher (T3 over a school), a district officer (a district's rosters, no clinical data) and a student (their own
screening). The rules a user would state: the API never answers 5xx, whatever it is sent; what it answers with a
documented status matches the schema; and no operation escapes the fuzzing (a route missing from the schema, or
from the fuzzed set, fails test_every_api_operation_is_fuzzed).

Bounded for CI: ``MAX_EXAMPLES`` generated cases per operation and persona, derandomised (the same cases every
run; a case that finds a bug becomes an explicit regression test). The number of cases run is printed at the end
of the session (``API fuzz: N cases …``) and recorded in docs/security.md.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from xinyu.api import api, operation_policies

CSRF = "f" * 32
MAX_EXAMPLES = 12
PERSONAS = ("psych", "district_officer", "student")
DOCS = {
    "openapi-json",
    "openapi-view",
    "api-root",
}  # the schema, Swagger and ninja's root anchor: no operation
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/"))))
app = WSGIHandler()
CASES: dict[str, int] = {}  # persona → cases sent (printed by access/tests/conftest.py)


def _operations_in_schema() -> set[str]:
    return {result.ok().label for result in schema.get_all_operations()}


def test_every_api_operation_is_fuzzed():
    """Every operation the API serves is in the OpenAPI schema, so schema.parametrize below generates its test."""
    served = {f"{method} {path}" for name, method, path, _ in operation_policies() if name not in DOCS}
    assert _operations_in_schema() == served
    assert len(served) >= 17


@pytest.fixture(params=PERSONAS)
def session(request, world):
    """A persona's session cookie (and a CSRF pair, so unsafe methods reach the view), on an app that keeps the
    test's database connection, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    client = Client()
    client.force_login(getattr(world, request.param))
    yield request.param, {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    # The same cases on every run: CI stays reproducible; found bugs become explicit regression tests.
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_answers_5xx_and_keeps_to_its_schema(case, session):
    persona, cookies = session
    # Generated credentials would only meet the 401 door (tested elsewhere); fuzz what lies behind it.
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.cookies = {}
    CASES[persona] = CASES.get(persona, 0) + 1
    case.call_and_validate(
        app=app,
        cookies=cookies,
        headers={"X-CSRFToken": CSRF},
        checks=[not_a_server_error, response_schema_conformance],
    )
