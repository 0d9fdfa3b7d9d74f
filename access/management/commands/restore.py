"""python manage.py restore PATH [--force] — put a backup back (SQLite page copy; pg_restore --clean)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from access import audit, backup


class Command(BaseCommand):
    help = (
        "Restore the database from a backup file. Refuses a database that already has tables without --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file (from manage.py backup)")
        parser.add_argument("--force", action="store_true", help="replace a database that is not empty")
        parser.add_argument("--database", default="default")

    def handle(self, *args, path: str, force: bool, database: str, **options):
        try:
            backup.restore(path, alias=database, force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(actor=None, action="ops.restore", detail={"forced": force})
        self.stdout.write(self.style.SUCCESS(f"restored from {path}"))
