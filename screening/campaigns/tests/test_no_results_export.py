"""No path from screening results to academic or 综合素质 records (issue 8 item 6; docs/privacy.md).

A user would state it as: "whatever I download or pull from the API, unless I am the psychological teacher, the
school leader or the district counselor, I never get a student's screening scores, levels or answers". The test
walks every URL pattern whose name or path says export / download / xlsx / csv / jsonl / pdf, and every API
operation that reads (GET), requests each as every other persona (with the matrix's objects, so each route has
real data behind it) and looks in what comes back for:

- marker scores and answers seeded into a submitted result of student_a1b (a red one), and
- any row (spreadsheet row, JSON object) that names a student and carries a level, a score, a band or answers.

Aggregates (counts per level, suppressed below the minimum cell) are not a student's result and may appear.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from django.urls import reverse

from access.tests.matrix_support import EVERYONE
from access.tests.test_matrix import PAGE, app_routes, matrix_objects, matrix_url

CLINICAL = frozenset({"psych", "psych_east", "leader", "district_counselor"})
OTHERS = sorted(EVERYONE - CLINICAL)
EXPORTISH = re.compile(r"export|download|xlsx|csv|jsonl|pdf", re.IGNORECASE)
SCORE_MARK, BAND_MARK, ANSWER_ITEM, ANSWER_MARK = 98765, "BANDMARK7391", "ITEMMARK5521", 31337
LEVEL_WORDS = {"red", "orange", "yellow", "红", "橙", "黄", "红色", "橙色", "黄色", "红色预警", "橙色预警"}
RESULT_KEYS = {
    "level",
    "levels",
    "risk_level",
    "score",
    "scores",
    "bands",
    "band",
    "answers",
    "result",
    "results",
}


def _routes() -> list[str]:
    from xinyu.api import operation_policies

    names = {r.name for r in app_routes() if r.name and EXPORTISH.search(r.name + " " + r.path)}
    names |= {f"api:{name}" for name, method, *_ in operation_policies() if method == "GET"}
    return sorted(n for n in names if n in PAGE and PAGE[n].method == "get")


def _seed_result(world, objects) -> None:
    from screening.models import Answer, Assignment, Response, Result

    assignment = Assignment.objects.create(
        campaign=objects["campaign"], student=world.student_a1b, school=world.school_a, school_class=world.a1,
        grade=5, needs_consent=False,
    )  # fmt: skip
    response = Response.objects.create(
        assignment=assignment, instrument_id="gad-7", instrument_version="1.0", status="submitted"
    )
    Answer.objects.create(response=response, item_id=ANSWER_ITEM, value=ANSWER_MARK)
    Result.objects.create(
        response=response, instrument_id="gad-7", instrument_version="1.0", valid=True,
        scores={"total": SCORE_MARK}, bands={"total": BAND_MARK}, flags={}, level="red",
    )  # fmt: skip


def _identifiers(world) -> set[str]:
    students = [world.student_a1, world.student_a1b, world.student_a2, world.student_b1, world.student_c1]
    return {s.name for s in students} | {s.student_no for s in students}


def _rows(response) -> list[list[str]]:
    """What came back, as rows of strings: spreadsheet rows, CSV/text lines, or JSON objects flattened."""
    ctype = response.get("Content-Type", "")
    body = response.getvalue()
    if "spreadsheetml" in ctype:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return [
            [str(c) for c in row if c is not None]
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
        ]
    if "pdf" in ctype:
        return [[body.decode("latin-1")]]  # compressed streams: the marker check below is all that applies
    return [line.split(",") for line in body.decode("utf-8", "replace").splitlines()]


def _json_offences(value, ids: set[str], path: str = "$") -> list[str]:
    found = []
    if isinstance(value, dict):
        names_student = any(isinstance(v, str) and v in ids for v in value.values())
        for key, v in value.items():
            if names_student and key.lower() in RESULT_KEYS and v not in (None, "", [], {}):
                found.append(f"{path}.{key}")
            found += _json_offences(v, ids, f"{path}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _json_offences(v, ids, f"{path}[{i}]")
    return found


def test_the_walk_covers_the_exports_and_the_api():
    routes = _routes()
    assert "screening:results_export" in routes and "screening:coverage_export" in routes
    assert "api:api_student_detail" in routes and "api:api_screening_response" in routes


@pytest.mark.parametrize("name", _routes())
def test_no_export_or_api_read_gives_a_non_clinical_role_a_students_results(name, world, client):
    objects = matrix_objects(world)
    _seed_result(world, objects)
    expect = PAGE[name]
    url = matrix_url(name, expect, objects)
    ids = _identifiers(world)
    offences = []
    for persona in OTHERS:
        client.force_login(getattr(world, persona))
        got = client.get(url)
        if got.status_code != 200:
            continue
        rows = _rows(got)
        text = "\n".join(",".join(r) for r in rows)
        # (A band's name is a category: counts per band are aggregates and may name it; a score is a student's.)
        for mark in (str(SCORE_MARK), ANSWER_ITEM, str(ANSWER_MARK)):
            if mark in text:
                offences.append(f"{persona}: marker {mark}")
        if "json" in got.get("Content-Type", ""):
            lines = got.getvalue().decode().splitlines()  # JSON, or JSON lines (the audit export)
            docs = [json.loads(x) for x in lines if x.strip()]
            offences += [f"{persona}: {p}" for doc in docs for p in _json_offences(doc, ids)]
        else:
            for row in rows:
                cells = {c.strip() for c in row}
                if cells & ids and cells & LEVEL_WORDS:
                    offences.append(f"{persona}: a row names a student with a level: {row}")
    assert offences == [], f"{name} ({reverse('web:home')}…) leaks results: {offences}"


def test_the_detector_would_see_a_leak():
    ids = {"王小红"}
    assert _json_offences({"items": [{"name": "王小红", "level": "red"}]}, ids) == ["$.items[0].level"]
    assert _json_offences({"items": [{"school": "第一实验学校", "level": "red", "count": 3}]}, ids) == []
