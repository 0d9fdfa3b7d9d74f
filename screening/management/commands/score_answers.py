"""`manage.py score_answers INSTRUMENT --answers '<json>' [--variant V] [--instrument-version X]` — score one answer sheet
and print the result as JSON (issue 3, deliverable 6). Bad input exits with status 2 and says what is wrong."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from screening.instruments import load
from screening.instruments.scoring import score


class Command(BaseCommand):
    help = "Score one answer sheet with a shipped instrument definition and print the result as JSON."

    def add_arguments(self, parser):
        parser.add_argument("instrument", help="instrument id, e.g. phq-a, gad-7, asq")
        parser.add_argument(
            "--answers",
            required=True,
            help='JSON object item id → value, e.g. \'{"q1": 2, "q2": "refused"}\'',
        )
        parser.add_argument("--variant", default=None, help="threshold variant, e.g. adult or adolescent")
        parser.add_argument(
            "--instrument-version",
            dest="inst_version",
            default=None,
            help="definition version (default: latest)",
        )
        parser.add_argument(
            "--seconds", default=None, help="JSON object item id → seconds spent (checks speed)"
        )

    def handle(self, *args, instrument, answers, variant, inst_version, seconds, **options):
        try:
            inst = load(instrument, inst_version)
        except KeyError as exc:
            raise CommandError(exc.args[0], returncode=2) from exc
        parsed = _json_object(answers, "--answers")
        timing = _json_object(seconds, "--seconds") if seconds is not None else None
        if timing is not None and not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in timing.values()
        ):
            raise CommandError("--seconds: every value must be a number of seconds", returncode=2)
        try:
            result = score(inst, parsed, variant=variant, seconds_per_item=timing)
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2))


def _json_object(text: str, flag: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{flag} is not valid JSON: {exc}", returncode=2) from exc
    if not isinstance(value, dict):
        raise CommandError(f"{flag} must be a JSON object of item id → value", returncode=2)
    return value
