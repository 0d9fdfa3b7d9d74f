"""python manage.py load_holidays [--file path] — load the public-holiday calendar (法定节假日与调休) into
counseling.CalendarDay. Idempotent; days an administrator edited are kept."""

from django.core.management.base import BaseCommand

from counseling.centre.services import HOLIDAYS_PATH, load_holidays


class Command(BaseCommand):
    help = "Load the Chinese public-holiday calendar (holidays and make-up working days) from the data file."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(HOLIDAYS_PATH))

    def handle(self, *args, **options):
        created, updated = load_holidays(path=options["file"])
        self.stdout.write(f"holidays: {created} created, {updated} updated")
