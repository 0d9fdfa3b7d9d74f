"""python manage.py load_holidays [--year 2026 …] — load the national public-holiday calendar (法定节假日与调休)
from the ``chinesecalendar`` package into the school calendar (``org.calendar``). Idempotent; days an
administrator edited are kept. A thin wrapper kept for deploy scripts: the service is
``org.calendar.services.load_national_holidays``."""

from django.core.management.base import BaseCommand

from org.calendar.services import load_national_holidays, national_years


class Command(BaseCommand):
    help = (
        "Load the Chinese public-holiday calendar (holidays and make-up working days) from chinesecalendar."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="only these calendar years")

    def handle(self, *args, **options):
        created, updated = load_national_holidays(years=options["year"])
        known = national_years()
        self.stdout.write(f"holidays ({known.start}–{known.stop - 1}): {created} created, {updated} updated")
