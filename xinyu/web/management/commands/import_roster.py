"""python manage.py import_roster FILE [--kind students|staff|guardians] [--node CODE] [--dry-run]
[--skip-invalid] [--user USERNAME] — import a roster file (CSV UTF-8/GBK or XLSX) with progress and a report."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from access.policy import action_nodes, may
from org.models import ImportKind, ImportStatus, Node, User
from xinyu.web.roster.services import create_job, run_job


class Command(BaseCommand):
    help = "Import students, staff or guardians from a CSV (UTF-8 or GBK) or XLSX file; all or nothing by default."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--kind", choices=[k.value for k in ImportKind], default=ImportKind.STUDENTS.value
        )
        parser.add_argument("--node", help="code of the district/school to import into (default: the city)")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the good rows, report the rest"
        )
        parser.add_argument("--user", help="import as this user (their scope applies)")

    def handle(self, *args, **opts) -> None:
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = None
        if opts["user"]:
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"No such user: {opts['user']}")
        if opts["node"]:
            node = Node.objects.filter(code=opts["node"]).first()
            if node is None:
                raise CommandError(f"No organisation has the code {opts['node']}")
        elif user is not None and not user.is_superuser:
            nodes = action_nodes(user, "roster.import")
            if len(nodes) != 1:
                raise CommandError("Give --node: this user may import at " + ", ".join(n.code for n in nodes))
            node = nodes[0]
        else:
            node = Node.objects.filter(parent__isnull=True).order_by("path").first()
            if node is None:
                raise CommandError("The organisation tree is empty.")
        if user is not None and not may(user, "roster.import", node):
            raise CommandError(f"{user.username} may not import rosters at {node.code}.")
        job = create_job(
            user=user,
            kind=opts["kind"],
            node=node,
            original_name=path.name,
            path=path,
            dry_run=opts["dry_run"],
            skip_invalid=opts["skip_invalid"],
        )
        tty = sys.stdout.isatty()

        def echo(state: dict) -> None:
            line = f"{state['percent']:3d}%  {state['rows']} rows  {state.get('phase', '')}"
            if tty:
                self.stdout.write("\r" + line.ljust(40), ending="")
            elif state.get("finished"):
                self.stdout.write(line)

        job = run_job(job.pk, echo=echo)
        if tty:
            self.stdout.write("")
        self.stdout.write(f"Job #{job.pk}: {job.get_status_display()} ({job.status})")
        for key, value in job.summary.items():
            self.stdout.write(f"  {key}: {value}")
        if job.error_count:
            self.stdout.write(f"  errors: {job.error_count}")
            for e in job.errors[:200]:
                where = f"line {e['line']}" if e.get("line") else "file"
                column = f" [{e['column']}]" if e.get("column") else ""
                self.stdout.write(f"  {where}{column}: {e['message']}")
            if job.error_count > 200:
                self.stdout.write(f"  … and {job.error_count - 200} more (see the job page)")
        if job.status in (ImportStatus.REJECTED, ImportStatus.FAILED):
            raise CommandError(f"Import {job.status}: nothing was written.")
