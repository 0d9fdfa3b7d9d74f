"""Lessons and training compliance benchmark (issue 6): a district's compliance pages with a district's worth of
records — run by hand, not by pytest.

Builds the test world in a fresh SQLite file (or a PostgreSQL database xinyu_lessons_bench, created and dropped,
with --pg), adds ``--schools`` schools to 海淀 with ``--classes`` classes each (grades 4–9) and a lesson every
week of the autumn semester for every class, ``--staff`` staff per school and five trainings with half the staff
signed in, then requests as the 海淀 district officer: the lesson compliance page (every school of the
district), its Excel export, the training coverage page; and as school A's leader the key-times page.
Prints p50/p95/max per page (query counts are held by the tests: django_assert_max_num_queries).

    .venv/bin/python bench/lessons_bench.py [--schools 100] [--classes 30] [--staff 60] [--requests 20] [--pg URL]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=100)
    ap.add_argument("--classes", type=int, default=30)
    ap.add_argument("--staff", type=int, default=60)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--pg", default="")
    args = ap.parse_args()
    if args.pg:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS xinyu_lessons_bench")
            c.execute("CREATE DATABASE xinyu_lessons_bench")
        os.environ["DATABASE_URL"] = f"{args.pg}/xinyu_lessons_bench"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='lessons-bench-')}/bench.sqlite3"
    os.environ["XINYU_DATA_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from conftest import build_world
    from org.models import Node, NodeKind, Post, Role, SchoolClass, SchoolStage, User
    from schoolwork.programs.models import Lesson, Training, TrainingAttendance
    from schoolwork.programs.semesters import current_semester

    t0 = time.perf_counter()
    w = build_world()
    sem = current_semester()
    now = timezone.now()
    lessons, posts, attend = [], [], []
    for i in range(args.schools):
        school = Node.objects.create(kind=NodeKind.SCHOOL, parent=w.haidian, name=f"学校{i}", code=f"B-{i}",
                                     stage=SchoolStage.NINE_YEAR)  # fmt: skip
        campus = Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"B-{i}-1")
        classes = SchoolClass.objects.bulk_create(
            SchoolClass(school=school, campus=campus, school_year=w.year, grade=4 + j % 6, name=f"班{j}")
            for j in range(args.classes)
        )
        day = sem.starts_on
        while day <= sem.ends_on:
            lessons += [Lesson(school=school, semester=sem, school_class=c, given_on=day, topic="课",
                               recorded_at=now) for c in classes]  # fmt: skip
            day += dt.timedelta(days=7)
        users = User.objects.bulk_create(User(username=f"s{i}-{k}") for k in range(args.staff))
        posts += [Post(user=u, role=Role.TEACHER, node=school, valid_from=sem.starts_on) for u in users]
        trainings = [Training.objects.create(organiser=school, semester=sem, held_on=sem.starts_on + dt.timedelta(days=k),
                                             topic=f"培训{k}", created_at=now) for k in range(5)]  # fmt: skip
        attend += [TrainingAttendance(training=trainings[k % 5], user=u, school=school, method="import", signed_at=now)
                   for k, u in enumerate(users[: args.staff // 2])]  # fmt: skip
    Lesson.objects.bulk_create(lessons, batch_size=2000)
    Post.objects.bulk_create(posts, batch_size=2000)
    TrainingAttendance.objects.bulk_create(attend, batch_size=2000)
    print(f"setup: {time.perf_counter() - t0:.1f} s — {args.schools} schools, {args.schools * args.classes} classes, "
          f"{len(lessons)} lessons, {len(posts)} staff, {len(attend)} attendances")  # fmt: skip

    q = f"?semester={sem.pk}"
    pages = {
        "lesson compliance, district": (w.district_officer, reverse("schoolwork:lesson_compliance") + q),
        "lesson compliance Excel, district": (w.district_officer, reverse("schoolwork:lesson_compliance_export") + q),
        "training coverage, district": (w.district_officer, reverse("schoolwork:training_coverage") + q),
        "key times, school leader": (w.leader, reverse("schoolwork:keytimes") + q),
    }  # fmt: skip
    for name, (user, url) in pages.items():
        c = Client()
        c.force_login(user)
        assert c.get(url).status_code == 200, name
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            c.get(url)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{name:38s} p50 {statistics.median(times):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"max {max(times):7.1f} ms")  # fmt: skip
    if args.pg:
        connection.close()
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS xinyu_lessons_bench")


if __name__ == "__main__":
    main()
