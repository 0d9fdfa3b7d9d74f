"""The read-replica router (issue 9, Deliver 3): dashboard reads may go to the replica, all else to the primary.

The same rules are checked against a real second PostgreSQL connection by tests/stack/replica_check.py (the CI
production stage runs it with DATABASE_REPLICA_URL set).
"""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from org.models import Student
from xinyu import db_router
from xinyu.db_router import ReplicaRouter, use_replica

router = ReplicaRouter()


@pytest.fixture
def replica_configured(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_without_a_replica_every_read_goes_to_the_primary():
    with use_replica():
        assert router.db_for_read(Student) == "default"


def test_a_dashboard_read_goes_to_the_replica(replica_configured):
    assert router.db_for_read(Student) == "default"  # an ordinary read
    with use_replica():
        assert router.db_for_read(Student) == "replica"
    assert router.db_for_read(Student) == "default"


def test_writes_and_migrations_always_go_to_the_primary(replica_configured):
    with use_replica():
        assert router.db_for_write(Student) == "default"
    assert router.allow_migrate("replica", "org") is False
    assert router.allow_migrate("default", "org") is True


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary(replica_configured):
    with use_replica(), transaction.atomic():
        assert router.db_for_read(Student) == "default"  # it must see its own uncommitted writes


def test_a_decorated_view_marks_only_its_own_thread(replica_configured):
    seen = {}
    inside, release = threading.Event(), threading.Event()

    @use_replica()
    def dashboard():
        inside.set()
        release.wait(5)
        seen["dashboard"] = router.db_for_read(Student)

    thread = threading.Thread(target=dashboard)
    thread.start()
    inside.wait(5)
    seen["other request"] = router.db_for_read(Student)
    release.set()
    thread.join()
    assert seen == {"dashboard": "replica", "other request": "default"}
