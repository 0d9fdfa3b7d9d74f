"""Student file benchmark (issue 4 Rules: the file renders under 150 ms p95 for a student with ten years of
history) — run by hand, not by pytest.

Builds the test world (conftest.build_world) in a fresh database — a temporary SQLite file, or a PostgreSQL
database xinyu_file_bench created and dropped here with --pg — gives one student ten school years of history
(per year: PHQ-A and GAD-7 results, a confirmed level, an acknowledged alert, a case with three events) and
``--others`` other students one year each so the tables are not trivially small, then requests through Django's
test client, signed in as the psychological teacher, in the same run and interleaved:

- baseline: the plain student page (``org:student_detail``, which already shows the level section);
- the file at T3 (psych teacher) as it opens (the newest school year; older years load on demand), with every
  year on one page (``?year=all``), one older year as the page loads it (HTMX fragment), and at T2 (class
  teacher);
- the file as PDF (export).

Prints p50/p95/max per page and the number of queries of one request.

    .venv/bin/python bench/file_bench.py [--requests 200] [--others 2000] [--pg postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fresh import fresh_django, percentile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--others", type=int, default=2000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--pg", default="", help="PostgreSQL server URL without a database name")
    args = ap.parse_args()

    fresh_django("file_bench", args.pg)
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from care.file.tests.file_history import build_history
    from conftest import build_world
    from org.models import Enrollment, Student

    t = time.perf_counter()
    w = build_world()
    last = w.year.start_year
    build_history(w.student_a1, w.school_a, years=args.years, last=last, organiser=w.haidian, by=w.psych)
    students = Student.objects.bulk_create(
        Student(
            student_no=f"G1101082015{i:08d}", name=f"学生{i}", gender="M", birth_date=w.student_a1.birth_date
        )
        for i in range(args.others)
    )
    Enrollment.objects.bulk_create(
        Enrollment(student=s, school=w.school_a, school_class=w.a1, school_year=w.year, grade=5)
        for s in students
    )
    for s in students:
        build_history(s, w.school_a, years=1, last=last, organiser=w.haidian, by=w.psych)
    print(
        f"setup: {time.perf_counter() - t:.1f} s ({args.years} years for one student, {args.others} others)"
    )

    pk = w.student_a1.pk
    pages = {
        "student page (baseline)": (w.psych, reverse("org:student_detail", args=[pk])),
        "file, psych teacher (T3)": (w.psych, reverse("care:file_detail", args=[pk])),
        "file, T3, every year": (w.psych, reverse("care:file_detail", args=[pk]) + "?year=all"),
        "file, T3, one older year": (
            w.psych,
            reverse("care:file_detail", args=[pk]) + f"?year={last - args.years + 1}&part=entries",
        ),
        "file, class teacher (T2)": (w.class_teacher, reverse("care:file_detail", args=[pk])),
        "file PDF export": (w.psych, reverse("care:file_pdf", args=[pk])),
    }
    clients = {}
    for name, (user, url) in pages.items():
        c = Client()
        c.force_login(user)
        for _ in range(5):  # warm up
            assert c.get(url).status_code == 200, (name, url)
        clients[name] = c
    queries = {}
    for name, (_user, url) in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            clients[name].get(url)
        queries[name] = len(ctx.captured_queries)
        reset_queries()
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.requests):
        for name, (_user, url) in pages.items():  # interleaved: a load spike hits every page alike
            t = time.perf_counter()
            clients[name].get(url)
            times[name].append((time.perf_counter() - t) * 1000)
    from care.file import selectors as student_file

    entries = len(student_file.file_page(w.psych, student_file.file_access(w.psych, pk)).entries)
    print(f"database: {connection.vendor}; requests per page: {args.requests}; file entries at T3: {entries}")
    print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, values in times.items():
        print(
            f"{name:28} {statistics.median(values):8.1f} {percentile(values, 95):8.1f} {max(values):8.1f}"
            f" {queries[name]:8d}"
        )
    connection.close()
    if args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS xinyu_file_bench")


if __name__ == "__main__":
    main()
