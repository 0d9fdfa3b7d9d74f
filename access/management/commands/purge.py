"""python manage.py purge [--dry-run] — apply the retention schedule (settings.XINYU_RETENTION)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from access import retention


class Command(BaseCommand):
    help = (
        "Delete or anonymise the records past their retention period (settings.XINYU_RETENTION). "
        "--dry-run prints what would be done and changes nothing. Audit entries are never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count only; change nothing")
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--category", action="append", help="only this category (repeatable)")

    def handle(self, *args, dry_run: bool, batch: int, category: list[str] | None, **options):
        outcomes = retention.run(dry_run=dry_run, batch=batch, names=category)
        verb = {retention.DELETE: "delete", retention.ANONYMISE: "anonymise"}
        for o in outcomes:
            if dry_run:
                line = f"{o.category}: would {verb[o.action]} {o.rows} rows (before {o.cutoff})"
            else:
                line = f"{o.category}: {verb[o.action]}d {o.rows} rows (before {o.cutoff})"
            self.stdout.write(line)
        skipped = sorted({c.name for c in retention.categories()} - {o.category for o in outcomes})
        for name in skipped:
            if category and name not in category:
                continue
            self.stdout.write(f"{name}: not in XINYU_RETENTION, kept")
        if dry_run:
            self.stdout.write(self.style.WARNING("dry run: nothing was changed"))
