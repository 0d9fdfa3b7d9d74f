"""python manage.py backup --out PATH — a consistent backup of the database (SQLite online backup; pg_dump -Fc)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from access import audit, backup


class Command(BaseCommand):
    help = "Back up the database to a file: SQLite's online backup, or pg_dump -Fc on PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="the backup file to write")
        parser.add_argument("--database", default="default")

    def handle(self, *args, out: str, database: str, **options):
        try:
            path = backup.backup(out, alias=database)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = path.stat().st_size
        audit.record(actor=None, action="ops.backup", detail={"bytes": size})
        self.stdout.write(self.style.SUCCESS(f"backup written: {path} ({size} bytes)"))
