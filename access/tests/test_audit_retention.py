"""Audit retention (issue 8 item 4; 等保 level 3: audit records kept at least six months): ``audit_purge`` refuses
anything inside the retention period, keeps the chain verifiable through an attested anchor, and
``audit_export`` hands the trail to an external log system as JSON lines. Runs on both backends."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from access import audit
from access.apps import check_algorithms
from access.models import AuditAnchor, AuditEvent


@contextmanager
def days_ago(days: int):
    """Record events as if it were ``days`` ago (the database's own clock is not moved)."""
    then = timezone.now() - dt.timedelta(days=days)
    with mock.patch("access.audit.timezone.now", return_value=then):
        yield


@pytest.fixture
def trail(world) -> dict[str, list[AuditEvent]]:
    """Three events 400 days old, two 200 days old, two from today."""
    out = {}
    for label, age, n in (("old", 400, 3), ("middle", 200, 2), ("new", 0, 2)):
        with days_ago(age):
            out[label] = [
                audit.record(actor=world.psych, action="student.view", detail={"n": i}) for i in range(n)
            ]
    return out


def breaks() -> list[tuple[int, str]]:
    return [(b.seq, b.problem) for b in audit.verify(batch=2)]


def test_a_purge_before_the_retention_removes_old_events_and_the_chain_still_verifies(trail, capsys):
    before = (timezone.localdate() - dt.timedelta(days=380)).isoformat()
    call_command("audit_purge", "--before", before)
    assert "Deleted 3 event(s)" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in trail["old"]]).exists()
    assert AuditEvent.objects.filter(action="student.view").count() == 4
    assert audit.anchor() == (trail["old"][-1].seq, trail["old"][-1].hash)
    assert breaks() == []
    call_command("audit_verify")
    assert "chain intact" in capsys.readouterr().out
    purge_event = AuditEvent.objects.get(action="audit.purge")
    assert purge_event.detail["count"] == 3 and purge_event.detail["through_seq"] == trail["old"][-1].seq


def test_a_second_purge_moves_the_anchor_on_and_the_chain_still_verifies(trail, settings):
    settings.XINYU_AUDIT_RETENTION_DAYS = 190
    audit.purge(timezone.localdate() - dt.timedelta(days=380))
    audit.purge(timezone.localdate() - dt.timedelta(days=190))
    assert audit.anchor()[0] == trail["middle"][-1].seq
    assert AuditEvent.objects.filter(action="student.view").count() == 2
    assert breaks() == []


@pytest.mark.parametrize("days", [0, 100, 364])
def test_a_purge_inside_the_retention_period_is_refused_and_nothing_changes(trail, days):
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="审计记录须保留 365 天"):
        call_command("audit_purge", "--before", (timezone.localdate() - dt.timedelta(days=days)).isoformat())
    assert AuditEvent.objects.count() == count and audit.anchor()[0] == 0


def test_a_retention_setting_under_six_months_is_never_obeyed(trail, settings):
    settings.XINYU_AUDIT_RETENTION_DAYS = 30
    with pytest.raises(ValueError, match="183"):
        audit.purge(timezone.localdate() - dt.timedelta(days=100))
    assert [e.id for e in check_algorithms() if e.id == "access.E004"] == ["access.E004"]
    settings.XINYU_AUDIT_RETENTION_DAYS = 183
    assert [e for e in check_algorithms() if e.id == "access.E004"] == []


def test_a_dry_run_counts_what_would_go_and_deletes_nothing(trail, capsys):
    count = AuditEvent.objects.count()
    call_command(
        "audit_purge", "--before", (timezone.localdate() - dt.timedelta(days=380)).isoformat(), "--dry-run"
    )
    assert "DRY RUN: 3 event(s)" in capsys.readouterr().out
    assert AuditEvent.objects.count() == count and audit.anchor()[0] == 0


def test_a_bad_date_is_refused_with_a_clear_message(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("audit_purge", "--before", "last year")


def test_an_anchor_moved_by_hand_to_hide_deleted_events_is_caught(trail):
    # The attacker deletes the old events and moves the anchor over them, without a purge event to attest it.
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE access_auditevent DISABLE TRIGGER access_auditevent_append_only")
        cur.execute("DELETE FROM access_auditevent WHERE seq <= %s", [trail["old"][-1].seq])
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE access_auditevent ENABLE TRIGGER access_auditevent_append_only")
    AuditAnchor.objects.filter(pk=1).update(seq=trail["old"][-1].seq, hash=trail["old"][-1].hash)
    assert breaks() == [
        (trail["old"][-1].seq, "the purge anchor is not attested by an audit.purge event (anchor forged?)")
    ]
    with pytest.raises(CommandError, match="broken in 1 place"):
        call_command("audit_verify")


def test_on_postgresql_even_a_purge_transaction_cannot_delete_a_recent_event(trail):
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is PostgreSQL's trigger")
    newest = trail["new"][-1]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('xinyu.audit_purge_through', %s, true)", [str(newest.seq)])
        AuditEvent.objects.filter(seq=newest.seq).delete()
    assert AuditEvent.objects.filter(seq=newest.seq).exists()


def test_audit_export_writes_one_json_line_per_event_with_its_links(trail, capsys):
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    until = (timezone.localdate() - dt.timedelta(days=199)).isoformat()
    call_command("audit_export", "--since", since, "--until", until)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["seq"] for x in lines] == [e.seq for e in trail["middle"]]
    assert lines[1]["prev_hash"] == lines[0]["hash"] == trail["middle"][0].hash
    assert {"at", "actor", "action", "student_id", "detail", "prev_hash", "hash"} <= set(lines[0])
    assert AuditEvent.objects.filter(action="audit.export").count() == 1  # the export is itself recorded


def test_audit_export_writes_the_whole_trail_to_a_file_that_chains_from_the_anchor(trail, tmp_path):
    audit.purge(timezone.localdate() - dt.timedelta(days=380))
    out = tmp_path / "trail.jsonl"
    call_command("audit_export", "--output", str(out))
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["prev_hash"] == audit.anchor()[1]
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(lines, lines[1:], strict=False))
