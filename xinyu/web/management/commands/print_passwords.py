"""``python manage.py print_passwords --class ID --format pdf|xlsx -o FILE`` — initial passwords of a class."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from org.models import SchoolClass
from xinyu.web.slips.services import issue_class_passwords
from xinyu.web.slips.views import document


class Command(BaseCommand):
    help = (
        "Give every student of a class who never logged in a new password and write the slips (PDF) or list "
        "(Excel). The passwords exist only in the written file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--class", dest="class_id", type=int, required=True, help="id of the class")
        parser.add_argument("--format", choices=("pdf", "xlsx"), default="pdf")
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument(
            "--login-url", default="http://127.0.0.1:8000/login/", help="address printed on slips"
        )

    def handle(self, *args, class_id: int, format: str, output: str, login_url: str, **options) -> None:
        cls = SchoolClass.objects.select_related("school", "campus").filter(pk=class_id).first()
        if cls is None:
            raise CommandError(f"No class with id {class_id}.")
        path = Path(output)
        if not path.parent.exists():
            raise CommandError(f"Directory {path.parent} does not exist.")
        with translation.override(settings.LANGUAGE_CODE):
            batch = issue_class_passwords(school_class=cls, actor=None, fmt=format)
            path.write_bytes(document(batch, format, login_url))
        self.stdout.write(
            f"{cls.school.name} {cls.name}: {len(batch.slips)} new passwords written to {path}; "
            f"{batch.kept} students keep theirs (already logged in)."
        )
        if batch.conflicts:
            self.stderr.write(f"Username taken by another account, no slip: {', '.join(batch.conflicts)}")
