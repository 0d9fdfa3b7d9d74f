"""python manage.py audit_purge --before DATE [--dry-run] — delete audit events older than the retention period.

Refuses a date inside ``XINYU_AUDIT_RETENTION_DAYS`` (default 365, never under 183: six months, 等保 level 3).
The last purged event's hash becomes the chain's anchor and an ``audit.purge`` event records it, so
``audit_verify`` still passes afterwards. Export the events first (``audit_export``) if an external log system
is to keep them.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from access import audit


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"--before 须为日期 YYYY-MM-DD：{text!r}") from e


class Command(BaseCommand):
    help = (
        "Delete audit events recorded before DATE (outside the retention period); keep the chain verifiable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: events recorded before this day go")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")

    def handle(self, *args, before: str, dry_run: bool, **options):
        day = _date(before)
        try:
            plan = audit.plan_purge(day) if dry_run else audit.purge(day)
        except ValueError as e:
            raise CommandError(str(e)) from e
        if dry_run:
            self.stdout.write(
                f"DRY RUN: {plan.count} event(s) before {day} would be deleted "
                f"(through #{plan.through_seq}); nothing changed."
            )
        elif plan.count:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {plan.count} event(s) before {day}; the chain now starts after "
                    f"#{plan.through_seq} {plan.through_hash}."
                )
            )
        else:
            self.stdout.write(f"No event before {day}: nothing deleted.")
