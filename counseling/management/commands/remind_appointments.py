"""python manage.py remind_appointments — remind students (and whoever asked for them) of their confirmed
counseling appointments in the next 24 hours.

Run it from cron every 15 minutes (``*/15 * * * * cd /srv/xinyu && .venv/bin/python manage.py
remind_appointments``); in production Celery beat runs the task ``counseling.remind_appointments``.
Idempotent: each appointment is reminded once (the notification key ``counseling.reminder.<id>``). It also keeps
every room's slots open four weeks ahead from the duty roster.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from counseling.rooms.services import open_coming_slots, send_reminders


class Command(BaseCommand):
    help = (
        "Remind students of their confirmed counseling appointments in the next 24 hours (once each); "
        "keep the rooms' slots open four weeks ahead."
    )

    def handle(self, *args, **options) -> None:
        opened = open_coming_slots()
        sent = send_reminders()
        self.stdout.write(f"reminded {sent} appointment(s); opened {opened} new slot(s)")
