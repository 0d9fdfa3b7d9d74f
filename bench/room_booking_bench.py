"""Counseling-room booking rush — run by hand, not by pytest (issue 5 item 1: no double booking, enforced by
the database).

A school opens its slots; ``--students`` students each try, from ``--threads`` parallel threads (one database
connection each), to book ``--tries`` slots picked at random among the ``--slots`` open ones — the worst case
for the partial unique constraint ``appointment_one_per_slot``. Prints the bookings made, the refusals
("someone has just booked this time"), any other error, the number of slots holding more than one appointment
(must be 0), throughput, and p50/p95 of one booking; then the booking page and the counselor's desk with that
many appointments (p50/p95; their query counts are capped in counseling/rooms/tests/test_room_booking.py).

    .venv/bin/python bench/room_booking_bench.py --pg postgres://postgres@127.0.0.1:5432 \
        [--students 400] [--slots 120] [--threads 8] [--tries 3] [--requests 100]

PostgreSQL only (SQLite serialises writers, so there is no race to measure).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "xinyu_room_bench"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", required=True, help="PostgreSQL server URL without a database name")
    ap.add_argument("--students", type=int, default=400)
    ap.add_argument("--slots", type=int, default=120)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--tries", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100)
    args = ap.parse_args()

    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")
        c.execute(f"CREATE DATABASE {DB}")
    os.environ["DATABASE_URL"] = f"{args.pg}/{DB}"
    os.environ["XINYU_DATA_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from conftest import build_world
    from counseling.rooms import services
    from counseling.rooms.models import Appointment, Slot
    from counseling.rooms.services import CounselingError
    from counseling.rooms.tests.room_helpers import make_room
    from org.models import Enrollment, Post, Role, Student, User

    w = build_world()
    room = make_room(w.campus_a_main)
    start = timezone.localtime().replace(hour=7, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    # Slots of 40 minutes, 07:00–21:00 (21 a day), on as many days as needed, psych on duty.
    rows, day, at = [], 0, start
    while len(rows) < args.slots:
        if (at + dt.timedelta(minutes=40)).time() > dt.time(21, 0) or at.date() != (
            start + dt.timedelta(days=day)
        ).date():
            day += 1
            at = start + dt.timedelta(days=day)
        rows.append(Slot(room=room, counselor=w.psych, starts_at=at, ends_at=at + dt.timedelta(minutes=40)))
        at += dt.timedelta(minutes=40)
    slots = Slot.objects.bulk_create(rows)
    users = User.objects.bulk_create(
        User(username=f"s{i}", display_name=f"学生{i}") for i in range(args.students)
    )
    students = Student.objects.bulk_create(
        Student(
            student_no=f"G1101082016{i:08d}", name=f"学生{i}", gender="F", birth_date="2015-03-01", user=u
        )
        for i, u in enumerate(users)
    )
    Enrollment.objects.bulk_create(
        Enrollment(student=s, school=w.school_a, school_class=w.a1, school_year=w.year, grade=5)
        for s in students
    )
    Post.objects.bulk_create(Post(user=u, role=Role.STUDENT, node=w.school_a) for u in users)
    for s, u in zip(students, users, strict=True):
        s.user = u  # the object the service compares with ``by``
    connection.close()

    rng = random.Random(1)
    work = [(s, rng.choice(slots)) for s in students for _ in range(args.tries)]
    rng.shuffle(work)
    chunks = [work[i :: args.threads] for i in range(args.threads)]
    outcome = {"booked": 0, "taken": 0, "other": 0}
    errors: list[str] = []
    times: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(args.threads)

    def run(chunk) -> None:
        local = {"booked": 0, "taken": 0, "other": 0}
        local_times = []
        barrier.wait()
        for student, slot in chunk:
            t = time.perf_counter()
            try:
                services.book(by=student.user, student=student, slot=slot)
                local["booked"] += 1
            except CounselingError as exc:
                local["taken" if exc.status == 409 else "other"] += 1
                if exc.status != 409:
                    errors.append(exc.message)
            local_times.append((time.perf_counter() - t) * 1000)
        connections.close_all()
        with lock:
            for k, v in local.items():
                outcome[k] += v
            times.extend(local_times)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    doubled = (
        Appointment.objects.filter(status__in=("requested", "confirmed", "attended"))
        .values("slot")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    print(f"database: {connection.vendor}; {args.students} students × {args.tries} tries on {args.slots} slots, "
          f"{args.threads} threads")  # fmt: skip
    print(f"booked {outcome['booked']}, refused as taken {outcome['taken']}, other refusals {outcome['other']} "
          f"{sorted(set(errors))[:3]}; slots with two appointments: {doubled}")  # fmt: skip
    print(f"{len(work)} attempts in {wall:.2f} s = {len(work) / wall:.0f}/s; one booking p50 "
          f"{statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms")  # fmt: skip

    pages = {
        "booking page (student)": (students[0].user, reverse("counseling:room_book")),
        "counselor's desk": (w.psych, reverse("counseling:room_desk")),
    }
    for name, (user, url) in pages.items():
        c = Client()
        c.force_login(user)
        for _ in range(3):
            assert c.get(url).status_code == 200, name
        values = []
        for _ in range(args.requests):
            t = time.perf_counter()
            c.get(url)
            values.append((time.perf_counter() - t) * 1000)
        print(f"{name:24} p50 {statistics.median(values):7.1f} ms  p95 {percentile(values, 95):7.1f} ms  "
              "")  # fmt: skip
    connection.close()
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {DB}")


if __name__ == "__main__":
    main()
