"""The audit trail's hash chain: append-only, and audit_verify catches a changed, inserted or deleted row.

Runs on both backends. The database refuses UPDATE (and on PostgreSQL DELETE) of an audit row, so the tests
that play the attacker first switch that guard off inside their own transaction.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.test import RequestFactory

from access import audit
from access.models import AuditEvent, AuditHead

TABLE = "access_auditevent"
TRIGGER = "access_auditevent_append_only"
SQLITE_TRIGGER = (
    f"CREATE TRIGGER {TRIGGER} BEFORE UPDATE ON {TABLE} BEGIN "
    "SELECT RAISE(ABORT, 'audit events are append-only (UPDATE refused on access_auditevent)'); END"
)


@contextmanager
def guard_off():
    """Play the attacker with direct database access: switch the append-only trigger off, then on again."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        else:
            cur.execute(f"DROP TRIGGER {TRIGGER}")
        try:
            yield cur
        finally:
            if connection.vendor == "postgresql":
                cur.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
            else:
                cur.execute(SQLITE_TRIGGER)


def breaks() -> list[tuple[int, str]]:
    return [(b.seq, b.problem) for b in audit.verify(batch=3)]  # a small batch crosses batch edges


@pytest.fixture
def chain(world) -> list[AuditEvent]:
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    events = []
    for i, student in enumerate([world.student_a1, world.student_a1b, world.student_a2] * 2):
        events.append(
            audit.record(
                actor=world.psych,
                action="student.view",
                obj=student,
                student_id=student.pk,
                request=request,
                reason="复查" if i % 2 else "",
                detail={"tier": 1, "n": i},
            )
        )
    return events


def test_an_untouched_chain_verifies(chain, capsys):
    assert breaks() == []
    call_command("audit_verify")
    assert capsys.readouterr().out.startswith("OK: 6 events, chain intact")


def test_details_numbers_times_and_addresses_read_back_exactly_on_this_backend(world):
    """jsonb gives 1e20 back as an int and inet compresses IPv6: neither may look like tampering."""
    request = RequestFactory().get("/", REMOTE_ADDR="0:0:0:0:0:0:0:1")
    detail = {"big": 1e20, "small": 1e-7, "one": 1.0, "huge": 2**70, 3: (1, "二"), "none": None, "b": True}
    audit.record(actor=world.psych, action="test.roundtrip", request=request, detail=detail)
    audit.record(actor=None, action="test.anonymous", request=RequestFactory().get("/", REMOTE_ADDR="junk"))
    stored = AuditEvent.objects.order_by("seq")
    assert stored[0].address == "::1"
    assert stored[1].address is None
    assert breaks() == []


def test_an_audit_detail_that_is_not_json_is_refused(world):
    with pytest.raises(ValueError):
        audit.record(actor=world.psych, action="test.nan", detail={"x": float("nan")})
    with pytest.raises(TypeError):
        audit.record(actor=world.psych, action="test.obj", detail={"x": object()})
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(
    "column, value",
    [
        ("action", "student.list"),
        ("student_id", 999999),
        ("detail", '{"tier": 3, "n": 2}'),
        ("reason", "例行检查"),
    ],
)
def test_a_row_changed_in_the_database_is_caught(chain, column, value):
    with guard_off() as cur:
        cur.execute(f"UPDATE {TABLE} SET {column} = %s WHERE seq = 3", [value])
    assert breaks() == [(3, "content does not match its hash (row changed)")]


def test_a_row_changed_and_rehashed_is_caught_at_the_next_link(chain):
    forged = AuditEvent.objects.get(seq=3)
    forged.action = "student.list"
    with guard_off() as cur:
        cur.execute(
            f"UPDATE {TABLE} SET action = %s, hash = %s WHERE seq = 3",
            ["student.list", audit.chain_hash(forged.prev_hash, forged)],
        )
    assert breaks() == [(4, "previous-hash link broken (row inserted or deleted before it)")]


def test_a_row_deleted_in_the_middle_is_caught(chain):
    with guard_off() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq = 3")
    problems = breaks()
    assert [seq for seq, _ in problems] == [4, 4]
    assert "sequence gap: expected #3, found #4" in problems[0][1]


def test_a_row_deleted_at_the_end_is_caught_by_the_head(chain):
    with guard_off() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq = 6")
    assert breaks() == [(5, "chain ends at #5 but the head says #6 (rows removed at the end)")]


def test_a_forged_row_appended_with_a_correct_link_is_caught_by_the_head(chain, world):
    last = chain[-1]
    forged = AuditEvent(
        seq=7, at=last.at, actor_id=world.psych.pk, actor_label="psych", action="student.view",
        object_type="org.student", object_id=str(world.student_b1.pk), student_id=world.student_b1.pk,
        address="10.1.2.3", reason="", detail={}, prev_hash=last.hash,
    )  # fmt: skip
    forged.hash = audit.chain_hash(last.hash, forged)
    forged.save(force_insert=True)
    assert breaks() == [(7, "rows #7–#7 lie beyond the head (rows forged at the end)")]


def test_a_forged_row_slipped_into_a_gap_is_caught(chain):
    with guard_off() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE seq = 3")
        cur.execute(
            f"INSERT INTO {TABLE} (seq, at, actor_label, action, object_type, object_id, reason, detail, "
            "prev_hash, hash) SELECT 3, at, actor_label, 'login', '', '', '', '{}', prev_hash, hash "
            f"FROM {TABLE} WHERE seq = 2"
        )
    problems = breaks()
    assert (3, "content does not match its hash (row changed)") in problems
    assert (4, "previous-hash link broken (row inserted or deleted before it)") in problems


def test_audit_verify_prints_every_break_and_exits_non_zero(chain, capsys):
    with guard_off() as cur:
        cur.execute(f"UPDATE {TABLE} SET action = 'x' WHERE seq IN (2, 5)")
    with pytest.raises(CommandError, match="broken in 2 place"):
        call_command("audit_verify")
    out = capsys.readouterr().out
    assert "BROKEN at #2: content does not match its hash" in out
    assert "BROKEN at #5: content does not match its hash" in out


def test_the_database_refuses_to_change_an_audit_row(chain):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).update(action="student.list")
    assert AuditEvent.objects.get(seq=2).action == "student.view"


def test_on_postgresql_the_database_also_refuses_to_delete_an_audit_row(chain):
    if connection.vendor != "postgresql":
        # SQLite's test flush deletes rows, so only UPDATE is refused there; the chain catches a DELETE.
        AuditEvent.objects.filter(seq=6).delete()
        assert breaks() != []
        return
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 6


WRITERS, EACH = 8, 25


def _write(n: int, errors: list, barrier: threading.Barrier) -> None:
    try:
        barrier.wait()
        for i in range(EACH):
            audit.record(actor=None, action="test.concurrent", detail={"writer": n, "i": i})
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_produce_one_unbroken_chain():
    """On PostgreSQL, writers in parallel threads (one connection each) serialise on the locked head row.

    SQLite's test database is an in-memory database that threads cannot share; there the same number of
    writes is made one after another, and the chain must be as whole.
    """
    AuditHead.objects.all().delete()  # a flushed database: the first writers race to create the head too
    if connection.vendor == "postgresql":
        errors: list[Exception] = []
        barrier = threading.Barrier(WRITERS)
        threads = [threading.Thread(target=_write, args=(n, errors, barrier)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
    else:
        for n in range(WRITERS):
            for i in range(EACH):
                audit.record(actor=None, action="test.concurrent", detail={"writer": n, "i": i})
    total = WRITERS * EACH
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, total + 1))
    assert breaks() == []
    assert audit.head()[0] == total


def test_an_sm3_chain_verifies_and_a_chain_switching_from_sha256_to_sm3_still_does(db, settings):
    """国密: settings.XINYU_AUDIT_HASH = "sm3" links new rows with SM3; older SHA-256 rows still verify."""
    audit.record(actor=None, action="test.before")
    settings.XINYU_AUDIT_HASH = "sm3"
    e = audit.record(actor=None, action="test.after")
    assert e.hash.startswith("sm3:") and len(e.hash) == 68
    assert list(audit.verify()) == []
    with guard_off() as cur:
        cur.execute(f"UPDATE {TABLE} SET action = 'test.changed' WHERE seq = %s", [e.seq])
    assert [b.seq for b in audit.verify()] == [e.seq]
