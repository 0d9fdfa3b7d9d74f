"""python manage.py audit_verify — walk the hash chain; print every break, exit non-zero if there is one."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from access import audit


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain: report changed, inserted or deleted events."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=5000, help="rows read per query (default 5000)")

    def handle(self, *args, batch: int, **options):
        breaks = 0
        for b in audit.verify(batch=batch):
            breaks += 1
            self.stdout.write(self.style.ERROR(f"BROKEN at #{b.seq}: {b.problem}"))
        seq, digest = audit.head()
        if breaks:
            raise CommandError(f"audit chain broken in {breaks} place(s); head #{seq} {digest}")
        self.stdout.write(self.style.SUCCESS(f"OK: {seq} events, chain intact (head #{seq} {digest})"))
