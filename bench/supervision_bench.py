"""Supervision benchmark (issue 7, Speed): a generated city (bench/city_gen.py) on PostgreSQL, then

1. the full rollup of every indicator, every node, every period of three school years (target < 10 min);
2. the incremental rollup after a day's changes made through the ORM, so the dirty marks come from the same
   signals as in production (target < 30 s);
3. the dashboard API behind gunicorn on loopback, 20 concurrent users, p95 (target < 200 ms);
4. in the same run, the same dashboard computed live from the base tables, as a ratio against reading the
   rollups (target: rollups at least 20× faster).

    .venv/bin/python bench/supervision_bench.py --pg postgres://postgres@127.0.0.1:5432 [--scale 1.0] [--reuse]

``--reuse`` keeps the database of an earlier run (``xinyu_city``) instead of generating it again.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from _fresh import ROOT, percentile

USERS = 20
REQUESTS_PER_USER = 25


REDIS = "redis://127.0.0.1:6379/5"


def _setup(pg: str, scale: float, reuse: bool) -> float:
    """Generate (or reuse) the city; returns the seconds the generation took (0 when reused). The cache is Redis,
    shared by this process (whose rollups change the cache version) and the server's workers, as in production;
    tasks still run eagerly here."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    os.environ["REDIS_URL"] = REDIS
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    if reuse:
        os.environ["DATABASE_URL"] = f"{pg}/xinyu_city"
        key_file = Path("/tmp/xinyu_city.key")
        os.environ["XINYU_DATA_KEYS"] = key_file.read_text().strip()
        os.environ["DJANGO_DEBUG"] = "0"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the code may have moved on since the city was made
        return 0.0
    from _fresh import fresh_django

    fresh_django("city", pg)
    Path("/tmp/xinyu_city.key").write_text(os.environ["XINYU_DATA_KEYS"])
    from city_gen import generate

    started = time.perf_counter()
    counts = generate(scale)
    took = time.perf_counter() - started
    print(f"generated a city in {took:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    return took


def _all_periods():
    from org.models import SchoolYear
    from supervision.indicators.periods import ensure_periods

    return [p for y in SchoolYear.objects.order_by("start_year") for p in ensure_periods(y)]


def _a_day_of_changes(rnd: random.Random) -> dict[str, int]:
    """What a city records in a school day, through the ORM (signals mark the schools dirty): lessons, home
    visits, second-stage reviews, abnormality-report triage, leadership meetings, a few new posts."""
    from django.utils import timezone

    from care.models import AbnormalityReport
    from org.models import Enrollment, Node, Post, Role, Semester, User
    from schoolwork.models import HomeVisit, LeadershipMeeting, Lesson

    today = timezone.localdate()
    sem = Semester.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
    schools = list(Node.objects.filter(kind="school").values_list("pk", flat=True))
    touched = rnd.sample(schools, k=min(len(schools), max(1, len(schools) // 2)))
    counts = {"lessons": 0, "visits": 0, "meetings": 0, "posts": 0, "reports triaged": 0}
    now = timezone.now()
    run = f"{now:%H%M%S}"  # a reused city gets a new day's changes each run
    for i, school in enumerate(touched):
        enrolments = list(
            Enrollment.objects.filter(school_id=school, status="active").values_list(
                "student_id", "school_class_id"
            )[:3]
        )
        for k, (_student, cls) in enumerate(enrolments):
            Lesson.objects.create(school_id=school, semester=sem, school_class_id=cls, given_on=today,
                                  topic=f"今日主题{run}-{k}", recorded_at=now)  # fmt: skip
            counts["lessons"] += 1
        if enrolments:
            student, cls = enrolments[0]
            HomeVisit.objects.create(student_id=student, school_id=school, school_class_id=cls,
                                     school_year=sem.school_year, semester=sem, visited_on=today, visitors="班主任",
                                     mode="in_person", summary="家访", recorded_at=now)  # fmt: skip
            counts["visits"] += 1
        if i % 10 == 0:
            LeadershipMeeting.objects.create(
                school_id=school, held_on=today, title="领导小组会议", created_at=now
            )
            counts["meetings"] += 1
        if i % 25 == 0:
            u = User.objects.create(username=f"day-{run}-{school}-{i}", display_name="新心理老师")
            Post.objects.create(user=u, role=Role.PSYCH_TEACHER, node_id=school, full_time=True)
            counts["posts"] += 1
        for report in AbnormalityReport.objects.filter(school_id=school, triaged_at__isnull=True)[:1]:
            report.triaged_at, report.outcome = now, "watch"
            report.save(update_fields=["triaged_at", "outcome"])
            counts["reports triaged"] += 1
    counts["schools touched"] = len(touched)
    return counts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dashboard_load(period_code: str) -> tuple[list[float], int, list[float]]:
    """20 concurrent users on the dashboard API behind gunicorn: each asks for the city, a district and a
    school in turn. Returns the latencies (s) and the number of non-200 answers."""
    from access.tokens import create_token
    from org.models import Node, Post, Role, User

    officer, _ = User.objects.get_or_create(
        username="bench-city-officer", defaults={"display_name": "市教委"}
    )
    city = Node.objects.get(kind="city")
    Post.objects.get_or_create(user=officer, role=Role.CITY_OFFICER, node=city)
    _token, token = create_token(user=officer, name="supervision benchmark", expires_at=None)
    nodes = [city.pk, *Node.objects.filter(kind="district").values_list("pk", flat=True)[:4],
             *Node.objects.filter(kind="school").values_list("pk", flat=True)[:8]]  # fmt: skip
    port = _free_port()
    # The shipped gunicorn settings (deploy/gunicorn.conf.py: gthread, 2 × cores + 1 workers, 4 threads each).
    # Connections kept for a minute, as settings_prod keeps them (DATABASE_CONN_MAX_AGE=60).
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "XINYU_BIND": f"127.0.0.1:{port}",
        "DATABASE_CONN_MAX_AGE": "60",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "deploy/gunicorn.conf.py", "xinyu.wsgi:application"],
        cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        latencies: list[float] = []
        baseline: list[float] = []
        failures = [0]
        lock = threading.Lock()

        def user(
            k: int, requests: int = REQUESTS_PER_USER, record: bool = True, trivial: bool = False
        ) -> None:
            for i in range(requests):
                node = nodes[(k + i) % len(nodes)]
                url = f"http://127.0.0.1:{port}/api/supervision/dashboard?node={node}&period={period_code}"
                req = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz" if trivial else url,
                    headers={"Authorization": f"Bearer {token}"},
                )
                t0 = time.perf_counter()
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
                        resp.read()
                        ok = resp.status == 200
                except OSError:
                    ok = False
                dt_ = time.perf_counter() - t0
                if not record:
                    continue
                with lock:
                    (baseline if trivial else latencies).append(dt_)
                    failures[0] += not ok

        # Warm-up, not timed: every worker process loads its code, catalogues and caches on its first requests
        # (each node once per worker), as a server that has been up for a minute has.
        warm = [threading.Thread(target=user, args=(k, 2 * len(nodes), False)) for k in range(5)]
        for t in warm:
            t.start()
        for t in warm:
            t.join()
        for trivial in (True, False):  # the baseline first: a trivial endpoint, same server, same 20 users
            threads = [
                threading.Thread(target=user, args=(k, REQUESTS_PER_USER, True, trivial))
                for k in range(USERS)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return latencies, failures[0], baseline
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _live_vs_rollup(period) -> tuple[float, float]:
    """Seconds to build the city dashboard from the rollups vs live from the base tables (median of 3)."""
    from org.models import Node, User
    from supervision.dashboards.selectors import live_dashboard, node_dashboard

    city = Node.objects.get(kind="city")
    officer = User.objects.get(username="bench-city-officer")

    def timed(fn) -> float:
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        return sorted(runs)[1]

    return timed(lambda: node_dashboard(officer, city, period)), timed(lambda: live_dashboard(city, period))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    _setup(args.pg, args.scale, args.reuse)

    from org.models import Student
    from supervision.indicators.periods import current_periods
    from supervision.indicators.rollup import run_full, run_incremental
    from supervision.models import RollupValue

    periods = _all_periods()
    print(f"city: {Student.objects.count():,} students; {len(periods)} periods")
    t0 = time.perf_counter()
    run = run_full(periods)
    full = time.perf_counter() - t0
    print(f"full rollup: {full:.1f} s for {run.values:,} values ({RollupValue.objects.count():,} stored)"
          f" — target < 600 s: {'met' if full < 600 else 'NOT met'}")  # fmt: skip

    counts = _a_day_of_changes(random.Random(11))
    t0 = time.perf_counter()
    inc = run_incremental()
    incremental = time.perf_counter() - t0
    print(f"a day's changes: {json.dumps(counts, ensure_ascii=False)}")
    print(
        f"incremental rollup: {incremental:.1f} s for {inc.nodes if inc else 0} dirty nodes, "
        f"{inc.values if inc else 0:,} values — target < 30 s: {'met' if incremental < 30 else 'NOT met'}"
    )

    semester = next(p for p in current_periods() if p.kind == "semester")
    latencies, failures, baseline = _dashboard_load(semester.code)
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(
        f"baseline, /healthz with the same {USERS} users on the same server: p50 "
        f"{percentile(baseline, 50) * 1000:.0f} ms, p95 {percentile(baseline, 95) * 1000:.0f} ms"
    )
    print(
        f"dashboard API, {USERS} users × {REQUESTS_PER_USER} requests: p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, {failures} failed — target p95 < 200 ms: {'met' if p95 < 0.2 else 'NOT met'}"
    )
    rolled, live = _live_vs_rollup(semester)
    ratio = live / rolled if rolled else float("inf")
    print(
        f"city dashboard from rollups {rolled * 1000:.0f} ms vs live from base tables {live * 1000:.0f} ms: "
        f"{ratio:.0f}× — target ≥ 20×: {'met' if ratio >= 20 else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
