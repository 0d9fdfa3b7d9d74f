"""python manage.py audit_export [--since DATE] [--until DATE] [--output FILE] — the audit trail as JSON lines.

One event per line in ``seq`` order, with its ``hash`` and ``prev_hash`` so an external log system (SIEM, 日志审计
系统) can check the chain it receives. ``--since`` and ``--until`` are days (YYYY-MM-DD, both included, local
time). The export is itself recorded (``audit.export``), without the path it was written to.
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from access import audit
from access.models import AuditEvent


def _day(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"{name} 须为日期 YYYY-MM-DD：{text!r}") from e


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class Command(BaseCommand):
    help = "Write audit events as JSON lines (one per line, with hash and prev_hash) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day (YYYY-MM-DD), included")
        parser.add_argument("--until", help="last day (YYYY-MM-DD), included")
        parser.add_argument("--output", "-o", help="a file to write (default: standard output)")

    def handle(self, *args, since: str | None, until: str | None, output: str | None, **options):
        first, last = _day(since, "--since"), _day(until, "--until")
        if first and last and first > last:
            raise CommandError("--since 晚于 --until。")
        events = AuditEvent.objects.filter(seq__lte=audit.head()[0]).order_by(
            "seq"
        )  # not the export's own event
        if first:
            events = events.filter(at__gte=_midnight(first))
        if last:
            events = events.filter(at__lt=_midnight(last + dt.timedelta(days=1)))
        audit.record(
            actor=None,
            action="audit.export",
            detail={
                "by": "command",
                **({"since": since} if first else {}),
                **({"until": until} if last else {}),
            },
        )
        count = 0
        out = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
        try:
            for e in events.iterator(chunk_size=2000):
                line = json.dumps(audit.as_json(e), ensure_ascii=False) + "\n"
                if out:
                    out.write(line)
                else:
                    self.stdout.write(line, ending="")
                count += 1
        finally:
            if out:
                out.close()
        self.stderr.write(f"{count} event(s) exported.")
