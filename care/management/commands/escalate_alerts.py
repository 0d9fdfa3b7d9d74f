"""python manage.py escalate_alerts [--loop] [--interval 60] — the escalation timer of the embedded default.

Moves every unacknowledged alert past its deadline one stage up (psychological teachers → school leader →
district counseling centre), escalates late report triage and missed crisis steps, reminds follow-ups due, and
sends e-mails left unsent. Run it every minute from cron:

    * * * * *  cd /srv/xinyu && .venv/bin/python manage.py escalate_alerts

or keep one process running with ``--loop``. In production Celery beat runs the task ``care.escalate_alerts``
every minute instead (settings ``CELERY_BEAT_SCHEDULE``). Idempotent: two runs at once, or twice in a row,
escalate each alert once.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from care.alerts.services import escalate_overdue, flush_outbox
from care.alerts.timers import run_registered
from care.cases.services import run_timers


class Command(BaseCommand):
    help = "Escalate unacknowledged alerts past their deadline and send unsent alert e-mails."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep running, once every --interval seconds."
        )
        parser.add_argument("--interval", type=int, default=60, help="Seconds between runs with --loop.")

    def handle(self, *args, loop: bool = False, interval: int = 60, **options) -> None:
        while True:
            moved = escalate_overdue()
            cases = run_timers()  # late triage, missed crisis steps, follow-up reminders (issue 4)
            others = run_registered()  # higher apps' timers (care.alerts.timers), e.g. crisis messages (R4.2)
            sent = flush_outbox()
            self.stdout.write(
                f"escalated {moved} alert(s), {cases['reports']} late report(s), "
                f"{cases['crisis_steps']} crisis step(s); {cases['follow_ups']} follow-up reminder(s); "
                + "".join(f"{name} {n}; " for name, n in others.items())
                + f"sent {sent} pending e-mail(s)"
            )
            if not loop:
                return
            time.sleep(max(1, interval))
