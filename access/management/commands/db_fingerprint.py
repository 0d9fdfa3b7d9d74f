"""python manage.py db_fingerprint — per table: row count and an order-independent hash of the rows."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from access import backup


class Command(BaseCommand):
    help = "Print every table's row count and an order-independent hash of its rows (for restore drills)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="one JSON object instead of a table"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, as_json: bool = False, database: str, **options):
        prints = backup.fingerprint(database)
        if as_json:
            self.stdout.write(_dumps({t: {"rows": p.rows, "hash": p.digest} for t, p in prints.items()}))
            return
        width = max((len(t) for t in prints), default=5)
        for table, p in prints.items():
            self.stdout.write(f"{table:<{width}}  {p.rows:>9}  {p.digest}")


def _dumps(obj) -> str:
    return json.dumps(obj, indent=1, sort_keys=True)
