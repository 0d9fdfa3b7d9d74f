"""CI under 20 minutes without dropping a test: a test that needs no database runs once, in the SQLite stage
(conftest.py marks it ``no_db``; .ci/run leaves it out of the PostgreSQL stage only)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_test_that_requests_no_database_is_marked_no_db(request):
    assert request.node.get_closest_marker("no_db") is not None


def test_a_test_that_requests_the_database_is_not_marked_no_db(db, request):
    assert request.node.get_closest_marker("no_db") is None


def test_a_test_that_reaches_the_database_through_a_fixture_is_not_marked_no_db(world, request):
    assert request.node.get_closest_marker("no_db") is None


def test_only_the_postgresql_stage_leaves_out_the_no_db_tests():
    run = (ROOT / ".ci/run").read_text()
    suites = [line for line in run.splitlines() if line.startswith(".venv/bin/pytest")]
    # the PostgreSQL stage
    assert len(suites) == 1 and '-m "not browser and not no_db and not tour"' in suites[0]
    make_test = re.search(r"^test:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.S | re.M).group(0)
    assert "pytest" in make_test and "no_db" not in make_test and "browser" not in make_test  # SQLite: all
