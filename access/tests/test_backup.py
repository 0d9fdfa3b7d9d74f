"""Backup and restore drill (issue 8 item 9): seed, fingerprint, back up, change and delete, restore — the
fingerprint is equal again. Runs on whichever database the suite runs on (SQLite by default, PostgreSQL in
CI's second pass)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from access import backup
from access.models import AuditEvent, BreakGlassGrant
from org.models import Semester, Student

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_REASON = "割腕自伤史复核需要查看"
AUDIT_TABLES = {"access_auditevent", "access_audithead"}


def _seed(world) -> BreakGlassGrant:
    now = timezone.now()
    return BreakGlassGrant.objects.create(
        user=world.psych,
        student=world.student_b1,
        reason=SECRET_REASON,
        granted_at=now,
        expires_at=now + dt.timedelta(hours=1),
    )


def _dump_text(path) -> bytes:
    """The backup's bytes as they lie on disk (SQLite) or as the SQL pg_restore would run (PostgreSQL)."""
    if connection.vendor == "postgresql":
        import subprocess

        return subprocess.run(["pg_restore", "-f", "-", str(path)], capture_output=True, check=True).stdout
    return path.read_bytes()


def test_restore_drill_gives_back_exactly_what_was_backed_up(world, tmp_path):
    grant = _seed(world)
    before = backup.fingerprint()
    assert before["org_student"].rows == 5
    out = tmp_path / "xinyu.backup"
    call_command("backup", out=str(out))
    assert out.is_file() and out.stat().st_size > 0

    # Damage after the backup: a change, a deletion and a new row.
    Student.objects.filter(pk=world.student_a1.pk).update(name="改掉的名字")
    BreakGlassGrant.objects.filter(pk=grant.pk).delete()
    Student.objects.filter(pk=world.student_c1.pk).delete()
    world.student_a2.name = "张小华2"
    world.student_a2.save()
    assert backup.fingerprint()["org_student"] != before["org_student"]

    call_command("restore", str(out), force=True)

    after = backup.fingerprint()
    assert set(after) == set(before)
    differing = {t for t in before if before[t] != after[t]}
    # Every table is as it was, except the audit trail, which has one more event: the restore itself.
    assert differing <= AUDIT_TABLES
    assert AuditEvent.objects.order_by("-seq").first().action == "ops.restore"
    assert after["access_auditevent"].rows == before["access_auditevent"].rows + 1
    assert Student.objects.get(pk=world.student_a1.pk).name == "李小明"
    assert BreakGlassGrant.objects.get(pk=grant.pk).reason == SECRET_REASON
    call_command("audit_verify")  # the restored chain plus the restore event is intact


def test_encrypted_fields_stay_encrypted_in_the_backup(world, tmp_path):
    _seed(world)
    out = tmp_path / "xinyu.backup"
    call_command("backup", out=str(out))
    text = _dump_text(out)
    assert "李小明".encode() in text  # the dump is readable where the data is not encrypted…
    assert SECRET_REASON.encode() not in text  # …and the clinical free text is ciphertext in it


def test_restore_refuses_a_non_empty_database_without_force(world, tmp_path):
    out = tmp_path / "xinyu.backup"
    call_command("backup", out=str(out))
    Student.objects.filter(pk=world.student_a1.pk).update(name="改掉的名字")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(out))
    assert Student.objects.get(pk=world.student_a1.pk).name == "改掉的名字"  # nothing changed


def test_restore_refuses_a_file_that_is_not_a_backup(world, tmp_path):
    bogus = tmp_path / "bogus.backup"
    bogus.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(CommandError):
        call_command("restore", str(bogus), force=True)
    assert Student.objects.filter(pk=world.student_a1.pk).exists()


def test_fingerprint_is_independent_of_row_order(world):
    before = backup.fingerprint()["org_semester"]
    rows = list(Semester.objects.order_by("-pk").values())
    Semester.objects.all().delete()
    Semester.objects.bulk_create([Semester(**r) for r in rows])  # same rows, inserted in reverse order
    assert backup.fingerprint()["org_semester"] == before


def test_db_fingerprint_command_prints_every_table(world, capsys):
    call_command("db_fingerprint")
    out = capsys.readouterr().out
    assert "org_student" in out and "access_auditevent" in out
