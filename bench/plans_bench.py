"""Care pathway figures for docs/performance.md ("Guardian contacts and tasks"): how long the R12 measure
``guardian_contact_timeliness`` takes, and how many queries, for a district with N cases opened in a semester;
and the "my tasks" selector for an owner with many tasks. Runs on a throw-away test database of the configured
backend (``DATABASE_URL`` for PostgreSQL; SQLite otherwise).

    .venv/bin/python bench/plans_bench.py [--cases 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    args = parser.parse_args()
    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args.cases)
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


def run(n: int) -> None:
    from care.contacts import selectors
    from care.models import Case, GuardianContact, Plan, PlanAction
    from care.plans import selectors as plan_selectors
    from conftest import build_world
    from org.models import Student

    w = build_world()
    rnd = random.Random(4)
    students = Student.objects.bulk_create(
        Student(student_no=f"B{i:018d}", name=f"学生{i}", gender="m", birth_date=dt.date(2012, 1, 1))
        for i in range(n)
    )
    schools = [w.school_a, w.school_b]
    start = dt.datetime(2026, 3, 2, 8, 0, tzinfo=SH)
    cases = Case.objects.bulk_create(
        Case(
            student=s, school=schools[i % 2], level=rnd.choice(["red", "orange", "yellow"]), source_type="other",
            opened_at=start + dt.timedelta(minutes=rnd.randrange(60 * 24 * 100)),
        )
        for i, s in enumerate(students)
    )  # fmt: skip
    GuardianContact.objects.bulk_create(
        GuardianContact(
            case=c, channel="phone", at=c.opened_at + dt.timedelta(hours=rnd.randrange(1, 96)), guardian_name="家长",
            reached=rnd.random() < 0.8, created_at=c.opened_at,
        )
        for c in cases
        if rnd.random() < 0.85
    )  # fmt: skip
    now = dt.datetime(2026, 7, 1, tzinfo=SH)
    if os.environ.get("PLANS_BENCH_PROFILE"):
        import cProfile

        cProfile.runctx(
            "selectors.guardian_contact_timeliness(school_ids=[s.pk for s in schools], start=dt.date(2026, 3, 1),"
            " end=dt.date(2026, 7, 1), now=now)",
            globals(), locals(), sort="cumtime",
        )  # fmt: skip
    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter()
        got = selectors.guardian_contact_timeliness(
            school_ids=[s.pk for s in schools], start=dt.date(2026, 3, 1), end=dt.date(2026, 7, 1), now=now
        )
        elapsed = time.perf_counter() - t
    total = sum(r.needing for r in got.values())
    in_time = sum(r.in_time for r in got.values())
    print(f"backend {connection.vendor}; {n} cases, {GuardianContact.objects.count()} contacts")
    print(
        f"guardian_contact_timeliness: {elapsed * 1000:.0f} ms, {len(q)} queries; {total} needing, {in_time} in time"
    )

    plans = Plan.objects.bulk_create(Plan(case=c, created_at=start, updated_at=start) for c in cases[:300])
    PlanAction.objects.bulk_create(
        PlanAction(
            plan=p, text="每周谈话", owner=w.class_teacher, due_on=dt.date(2026, 7, 1), created_at=start
        )
        for p in plans
        for _ in range(2)
    )
    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter()
        rows = [(a.text, a.plan.case.student.name) for a in plan_selectors.my_tasks(w.class_teacher)]
        elapsed = time.perf_counter() - t
    print(f"my_tasks: {len(rows)} tasks in {elapsed * 1000:.0f} ms, {len(q)} queries")


if __name__ == "__main__":
    main()
