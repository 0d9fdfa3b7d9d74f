"""python manage.py remind_key_times — remind schools of the key times (R3.3) opening within a week.

Run it daily from cron (``30 7 * * * cd /srv/xinyu && .venv/bin/python manage.py remind_key_times``); in
production Celery beat runs the task ``schoolwork.remind_key_times`` (settings ``CELERY_BEAT_SCHEDULE``).
Idempotent: each school's psychological teachers and leaders get one reminder per grade and key time.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from schoolwork.programs.services import send_key_time_reminders


class Command(BaseCommand):
    help = "Remind schools of the key-time activities due (R3.3); each reminder is sent once."

    def handle(self, *args, **options) -> None:
        sent = send_key_time_reminders()
        self.stdout.write(f"sent {sent} key-time reminder(s)")
