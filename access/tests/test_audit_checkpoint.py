"""The audit chain's head written down outside the database (issue 19 finding 10): truncating the newest events
and rewriting the head row passed ``audit_verify``; against a signed checkpoint it does not."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from access import audit, checkpoint
from access.models import AuditEvent, AuditHead


@pytest.fixture
def cp_file(db, settings, tmp_path):
    settings.XINYU_AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.jsonl")
    settings.XINYU_AUDIT_CHECKPOINT_KEY = "a key the database does not hold"
    return tmp_path / "checkpoints.jsonl"


def _events(n: int) -> list[AuditEvent]:
    return [audit.record(actor=None, action="test.event", detail={"i": i}) for i in range(n)]


def _as_the_database_owner(sql: str, params: list) -> None:
    """An attacker who owns the database: the append-only trigger is off while they work."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE access_auditevent DISABLE TRIGGER access_auditevent_append_only")
            cur.execute(sql, params)
            cur.execute("ALTER TABLE access_auditevent ENABLE TRIGGER access_auditevent_append_only")
        else:
            cur.execute("SELECT sql FROM sqlite_master WHERE name = 'access_auditevent_append_only'")
            trigger = cur.fetchone()[0]
            cur.execute("DROP TRIGGER access_auditevent_append_only")
            cur.execute(sql, params)
            cur.execute(trigger)


def _truncate_tail_and_rewrite_head(keep: AuditEvent) -> None:
    """What an attacker with the database did: delete the newest events and point the head at the last one kept."""
    _as_the_database_owner("DELETE FROM access_auditevent WHERE seq > %s", [keep.seq])
    AuditHead.objects.filter(pk=1).update(seq=keep.seq, hash=keep.hash)


def test_without_a_checkpoint_the_chain_alone_cannot_see_a_cut_tail(cp_file):
    """The hole as it was found: the chain is whole, only shorter."""
    events = _events(6)
    _truncate_tail_and_rewrite_head(events[2])
    assert list(audit.verify()) == []


def test_a_cut_tail_and_a_rewritten_head_are_caught_by_the_last_checkpoint(cp_file):
    events = _events(6)
    written = checkpoint.write()
    assert written is not None and written.seq == events[-1].seq
    line = json.loads(cp_file.read_text().splitlines()[-1])
    assert line["seq"] == events[-1].seq and line["hash"] == events[-1].hash and line["sig"]
    _truncate_tail_and_rewrite_head(events[2])
    assert [b.seq for b in audit.verify()] == [events[-1].seq]
    with pytest.raises(CommandError, match="broken in 1 place"):
        call_command("audit_verify")


def test_a_rewritten_event_up_to_the_checkpoint_is_caught_even_with_a_recomputed_chain(cp_file):
    events = _events(4)
    checkpoint.write()
    # The attacker changes the last event and recomputes its hash and the head, so the chain itself is whole.
    last = AuditEvent.objects.get(seq=events[-1].seq)
    last.detail = {"i": "changed"}
    forged = audit.chain_hash(last.prev_hash, last)
    _as_the_database_owner(
        "UPDATE access_auditevent SET detail = %s, hash = %s WHERE seq = %s",
        [json.dumps(last.detail), forged, last.seq],
    )
    AuditHead.objects.filter(pk=1).update(hash=forged)
    assert [b.problem for b in audit.verify()] == [
        f"event #{last.seq} differs from the checkpoint of {checkpoint.read()[0][-1].at} (chain rewritten?)"
    ]


def test_a_forged_checkpoint_line_is_reported_and_new_events_after_a_checkpoint_verify(cp_file):
    events = _events(3)
    checkpoint.write()
    assert checkpoint.write() is None  # the head has not moved: nothing new to write
    _events(2)  # events after the checkpoint are fine
    assert list(audit.verify()) == []
    with cp_file.open("a") as fh:  # someone appends a checkpoint of their own, without the key
        fh.write(
            json.dumps({"seq": events[0].seq, "hash": events[0].hash, "at": "x", "sig": "0" * 64}) + "\n"
        )
    assert [b.problem for b in audit.verify()] == [
        "checkpoint line 2 of checkpoints.jsonl is not signed with the checkpoint key (forged?)"
    ]
