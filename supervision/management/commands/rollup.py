"""``manage.py rollup [--full] [--year 2026] [--indicator CODE …]`` — compute the supervision rollups now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from org.models import SchoolYear
from supervision.indicators.periods import ensure_periods, open_periods
from supervision.indicators.rollup import run_full, run_incremental


class Command(BaseCommand):
    help = "Compute indicator rollups: incrementally (dirty nodes) or in full for the open periods or a year."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--full", action="store_true", help="every node, not only those marked dirty")
        parser.add_argument("--year", type=int, help="start year of a school year (implies --full)")
        parser.add_argument("--indicator", action="append", help="only this indicator code (repeatable)")

    def handle(self, *args, full: bool, year: int | None, indicator: list[str] | None, **options) -> None:
        if year is not None:
            sy = SchoolYear.objects.filter(start_year=year).first()
            if sy is None:
                raise CommandError(f"No school year starting in {year}.")
            periods = ensure_periods(sy)
            full = True
        else:
            periods = open_periods()
        if full:
            run = run_full(periods, indicator)
        else:
            run = run_incremental(periods)
            if run is None:
                self.stdout.write("Nothing to do: no node is marked dirty.")
                return
        seconds = (run.finished_at - run.started_at).total_seconds()
        self.stdout.write(
            f"{'Full' if run.full else 'Incremental'} rollup: {run.values} values in {seconds:.1f} s."
        )
