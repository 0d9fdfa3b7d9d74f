"""``python manage.py seed_demo --students N [--seed S] [--if-empty]`` — build the demo city (演示数据)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from org.demo.seed import CityExists, seed_demo_city


class Command(BaseCommand):
    help = "Build a plausible, deterministic demo Beijing: districts, schools, classes, staff, students, guardians."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--students", type=int, default=2000, help="how many students (default 2000)")
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same city"
        )
        parser.add_argument(
            "--year", type=int, default=None, help="start year of the school year (default: current)"
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if a city already exists")
        parser.add_argument(
            "--not-production",
            action="store_true",
            help="confirm that this database is not a production one (needed when DEBUG is off)",
        )

    def handle(self, *args, students: int, seed: int, year: int | None, if_empty: bool, **options) -> None:
        if students < 1:
            raise CommandError("--students must be at least 1")
        if not settings.DEBUG and not options.get("not_production"):
            # The demo city has a superuser and one login per role with a published password.
            raise CommandError(
                "DEBUG is off: this looks like a production deployment, and seed_demo creates accounts with a "
                "published password. If this database really is a demo or test one, add --not-production."
            )
        started = time.perf_counter()
        try:
            summary = seed_demo_city(
                students=students, seed=seed, start_year=year, progress=lambda m: self.stdout.write(f"  {m}")
            )
        except CityExists:
            if if_empty:
                self.stdout.write("A city already exists; demo data not loaded again (--if-empty).")
                return
            raise CommandError(
                "A city already exists. seed_demo builds a city into an empty database."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo city built in {time.perf_counter() - started:.1f} s: {summary.schools} schools, "
                f"{summary.campuses} campuses, {summary.classes} classes, {summary.students} students, "
                f"{summary.guardians} guardians, {summary.staff} staff posts. Run `manage.py demo_logins`."
            )
        )
