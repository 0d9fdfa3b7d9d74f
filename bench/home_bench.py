"""Home–school pages benchmark (issue 6: coverage lists and the guardian's transparency page stay fast and take
a fixed number of queries) — run by hand, not by pytest.

Builds the test world in a fresh database (a temporary SQLite file, or PostgreSQL database xinyu_home_bench with
--pg), gives school A ``--classes`` more classes of ``--size`` students, a home visit for every other student,
a parent session with every class's attendance ticked, and ``--events`` audit events (T2+ reads) about the
guardian's child, then requests, interleaved:

- the school's home-visit coverage (psychological teacher: every class);
- one class's coverage list (class of ``--size``);
- the parent session page (attendance per class);
- the guardian's transparency page (the newest 200 readings of ``--events``).

    .venv/bin/python bench/home_bench.py [--requests 100] [--classes 60] [--size 45] [--events 20000] [--pg URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fresh import fresh_django, percentile  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--classes", type=int, default=60)
    ap.add_argument("--size", type=int, default=45)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--pg", default="", help="PostgreSQL server URL without a database name")
    args = ap.parse_args()

    fresh_django("home_bench", args.pg)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from access import audit
    from conftest import build_world
    from org.models import Enrollment, SchoolClass, Student
    from schoolwork.home.models import HomeVisit, ParentAttendance, ParentSession

    t = time.perf_counter()
    w = build_world()
    semester = w.year.semesters.order_by("starts_on").first()
    day = semester.starts_on + dt.timedelta(days=20)
    now = timezone.now()
    classes = SchoolClass.objects.bulk_create(
        SchoolClass(
            school=w.school_a, campus=w.campus_a_main, school_year=w.year, grade=1 + i % 9, name=f"班{i}"
        )
        for i in range(args.classes)
    )
    n = 0
    visits, attendance = [], []
    session = ParentSession.objects.create(
        school=w.school_a, semester=semester, held_on=day, title="bench", created_by=w.psych, created_at=now
    )
    for cls in classes:
        students = Student.objects.bulk_create(
            Student(student_no=f"G1101082016{n + i:08d}", name=f"学生{n + i}", gender="F",
                    birth_date=dt.date(2015, 1, 1))
            for i in range(args.size)
        )  # fmt: skip
        n += args.size
        Enrollment.objects.bulk_create(
            Enrollment(student=s, school=w.school_a, school_class=cls, school_year=w.year, grade=cls.grade)
            for s in students
        )
        for s in students[::2]:
            visits.append(
                HomeVisit(student=s, school=w.school_a, school_class=cls, school_year=w.year, semester=semester,
                          visited_on=day, visitors="班主任", mode="in_person", summary="正常", recorded_by=w.psych,
                          recorded_at=now)
            )  # fmt: skip
            attendance.append(
                ParentAttendance(
                    session=session, student=s, school_class=cls, recorded_by=w.psych, recorded_at=now
                )
            )
    HomeVisit.objects.bulk_create(visits)
    ParentAttendance.objects.bulk_create(attendance)
    readers = [w.psych, w.leader, w.class_teacher, w.district_counselor, w.psych_east]
    for i in range(args.events):
        audit.record(actor=readers[i % len(readers)], action="care.level.view", student_id=w.student_a1.pk)
    print(
        f"setup: {time.perf_counter() - t:.1f} s ({args.classes} classes × {args.size} students, "
        f"{len(visits)} visits, {args.events} audit events)"
    )

    big = classes[0]
    pages = {
        "school visit coverage": (w.psych, reverse("schoolwork:home_visits")),
        f"class coverage ({args.size})": (w.psych, reverse("schoolwork:home_visit_class", args=[big.pk])),
        "parent session": (w.psych, reverse("schoolwork:parent_session", args=[session.pk])),
        "guardian transparency": (w.guardian, reverse("schoolwork:guardian_openings")),
    }
    clients = {}
    for name, (user, url) in pages.items():
        c = Client()
        c.force_login(user)
        for _ in range(3):
            assert c.get(url).status_code == 200, (name, url)
        clients[name] = c
    queries = {}
    for name, (_user, url) in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            clients[name].get(url)
        queries[name] = len(ctx.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(args.requests):
        for name, (_user, url) in pages.items():
            t = time.perf_counter()
            clients[name].get(url)
            times[name].append((time.perf_counter() - t) * 1000)
    print(f"database: {connection.vendor}; requests per page: {args.requests}")
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
            c.execute("DROP DATABASE IF EXISTS xinyu_home_bench")


if __name__ == "__main__":
    main()
