"""Dashboard reads on a real second PostgreSQL connection (issue 9, Deliver 3). Not collected by default:
the CI production stage runs it with a replica configured —

    DATABASE_URL=postgres://…/x DATABASE_REPLICA_URL=postgres://…/x pytest -p no:xdist --create-db \\
        tests/stack/replica_check.py

(the replica's test database mirrors the primary's: ``TEST: {"MIRROR": "default"}`` in settings).
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def test_a_replica_is_configured_for_this_run():
    assert connections["replica"].vendor == "postgresql"
    assert connections["replica"] is not connections["default"]


def test_the_coverage_dashboard_reads_from_the_replica_and_writes_to_the_primary(client):
    world = build_world()
    client.force_login(world.psych)
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        assert client.get(reverse("screening:coverage_list")).status_code == 200
    replica_sql = [q["sql"] for q in replica.captured_queries]
    assert any("screening_campaign" in sql for sql in replica_sql)
    assert not any(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for sql in replica_sql)
    # The session and user of the request are looked up outside the dashboard read: on the primary.
    assert any("django_session" in q["sql"] for q in primary.captured_queries)


def test_an_ordinary_page_reads_only_the_primary(client):
    world = build_world()
    client.force_login(world.class_teacher)
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get(reverse("org:student_detail", args=[world.student_a1.pk])).status_code == 200
    assert replica.captured_queries == []
