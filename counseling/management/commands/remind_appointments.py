"""python manage.py remind_appointments — remind students (and whoever asked for them) of their confirmed
counseling appointments in the next 24 hours.

Run it from cron every 15 minutes (``*/15 * * * * cd /srv/xinyu && .venv/bin/python manage.py
remind_appointments``); in production Celery beat runs the task ``counseling.remind_appointments``.
Idempotent: each appointment is reminded once (the notification key ``counseling.reminder.<id>``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from counseling.rooms.services import send_reminders


class Command(BaseCommand):
    help = "Remind students of their confirmed counseling appointments in the next 24 hours (once each)."

    def handle(self, *args, **options) -> None:
        sent = send_reminders()
        self.stdout.write(f"reminded {sent} appointment(s)")
