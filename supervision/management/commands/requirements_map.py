"""``manage.py requirements_map [--check]`` — write ``docs/requirements.md``, the map from the plan's requirements
to the pages, code, indicators and tests that meet them (supervision.requirements_map); with ``--check``, write
nothing and exit non-zero when the file is stale."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from supervision import requirements_map


class Command(BaseCommand):
    help = "Write docs/requirements.md from the markers the code carries; --check fails when it is stale."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit non-zero when docs/requirements.md is stale",
        )

    def handle(self, *args, check: bool, **options) -> None:
        the_map = requirements_map.build()
        text = requirements_map.render(the_map)
        path = requirements_map.DOC_FILE
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if check:
            if current != text:
                raise CommandError(
                    f"docs/requirements.md is stale: run `{requirements_map.COMMAND}` and commit it.\n"
                    + requirements_map.stale_diff(current, text)
                )
            self.stdout.write("docs/requirements.md is up to date.")
            return
        if current != text:
            path.write_text(text, encoding="utf-8", newline="\n")
        figures = ", ".join(f"{n} {what}" for what, n in requirements_map.counts(the_map).items())
        self.stdout.write(f"docs/requirements.md {'written' if current != text else 'unchanged'}: {figures}.")
