"""Screening-day benchmark (issue 3 "Speed", issue 9): 200 students at once on the production stack.

A fresh PostgreSQL database (``xinyu_bench_day``, dropped at the end) gets a launched CES-DC campaign (20 items)
for N students with accounts, assent given and sessions made (no password hashing in the measurement). The
production stack (deploy/run-stack.sh: gunicorn under xinyu.settings_prod, workers, beat, Redis) serves it on
loopback, and N concurrent simulated students (one asyncio client process, keep-alive connections) each

  1. open their sheet (GET /screening/answer/<id>/ — the page answer.js runs on),
  2. autosave 20 answers one after the other (POST …/response/<id>/answer/, as answer.js does),
  3. submit (POST …/response/<id>/submit/ with an idempotency key).

Printed: p50/p95 of open, autosave and submit; autosave and submit throughput; and, in the same run against the
same server, the throughput of /healthz (a trivial endpoint: the ceiling) with the same N concurrent clients,
and the ratios — and the throughput of a signed-in write refused at once (the floor every signed-in request pays:
session, user, the student check, CSRF), to show how much of the gap to the ceiling is signing in.
Target (issue 3): p95 < 300 ms, submit throughput ≥ 0.25 × ceiling. ``--think S`` paces the students (S seconds
per item on average); ``--submit-when-done`` has each submit after their own last answer instead of all at once.

    .venv/bin/python bench/screening_day.py [--students 200] [--web-workers 5] [--worker-class gthread]
        [--think SECONDS] [--submit-when-done]
    .venv/bin/python bench/screening_day.py --beijing [--country] [--window-days 20] [--peak-factor 3]
        (no load: prints the sizing model of docs/scale.md — the peak lesson's requests per second by kind)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "xinyu_bench_day"
CSRF = "benchcsrftokenbenchcsrftoken0123"  # 32 characters: Django compares an unmasked secret directly


# --- setup (a child process with Django on the bench database) ----------------------------------------------------
def setup(students: int) -> None:
    import django

    django.setup()
    import datetime as dt
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from conftest import build_world
    from org.models import Enrollment, Post, Role, Student, User
    from screening.battery import services as battery_services
    from screening.campaigns import services
    from screening.models import Assignment, BatteryEntry

    call_command("migrate", verbosity=0)
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806 (the stack's engine)
    world = build_world()
    hashed = make_password("bench-not-a-password")
    battery_services.record_licence(by=world.district_admin, district=world.haidian, instrument_id="ces-dc")
    for i in range(students):
        user = User.objects.create(username=f"bench{i:04d}", password=hashed, display_name=f"学生{i}")
        Post.objects.create(user=user, role=Role.STUDENT, node=world.school_a)
        student = Student.objects.create(
            student_no=f"B{i:018d}", name=f"学生{i}", gender="F" if i % 2 else "M",
            birth_date=dt.date(2015, 3, 1), user=user,
        )  # fmt: skip
        Enrollment.objects.create(
            student=student, school=world.school_a, school_class=world.a1, school_year=world.year, grade=5
        )
    now = timezone.now()
    campaign = services.create_campaign(
        by=world.district_officer, organiser=world.haidian, name="bench", starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(days=1), consent_rule="notice_all", default_battery=False,
        school_year=world.year,
    )  # fmt: skip
    BatteryEntry.objects.create(
        campaign=campaign, grade_from=4, grade_to=12, instrument_id="ces-dc", instrument_version="1.0"
    )
    services.launch_campaign(
        by=world.district_officer, campaign=campaign, confirmed=services.launch_summary(campaign).fingerprint
    )
    plan = []
    for a in Assignment.objects.filter(campaign=campaign, student__user__username__startswith="bench"):
        user = a.student.user
        (response,) = services.record_assent(user=user, assignment=a, agreed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        plan.append({"session": session.session_key, "assignment": a.pk, "response": response.pk})
    from screening.instruments import load

    print(json.dumps({"plan": plan, "items": [item.id for item in load("ces-dc", "1.0").items][:20]}))


# --- the load (asyncio, raw HTTP/1.1 keep-alive: the client must cost less CPU than the server) -------------------
class Client:
    def __init__(self, host: str, port: int, cookie: str = ""):
        self.host, self.port, self.cookie = host, port, cookie
        self.reader = self.writer = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, float]:
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        headers = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: keep-alive"]
        if self.cookie:
            headers += [f"Cookie: {self.cookie}", f"X-CSRFToken: {CSRF}"]
        if body:
            headers += ["Content-Type: application/json", "Accept: application/json"]
        headers.append(f"Content-Length: {len(body)}")
        started = time.perf_counter()
        try:
            self.writer.write(("\r\n".join(headers) + "\r\n\r\n").encode() + body)
            status_line = await self.reader.readline()
        except (ConnectionResetError, BrokenPipeError):
            status_line = b""
        if not status_line and reused:  # the server closed an idle keep-alive connection: reconnect once
            self.writer.close()
            self.writer = None
            return await self.request(method, path, body)
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            length = int(value) if name == "content-length" else length
            chunked = chunked or (name == "transfer-encoding" and "chunked" in value)
            close = close or (name == "connection" and value == "close")
        if chunked:
            while (size := int((await self.reader.readline()).strip() or b"0", 16)) > 0:
                await self.reader.readexactly(size + 2)
            await self.reader.readline()
        elif length:
            await self.reader.readexactly(length)
        elapsed = time.perf_counter() - started
        if close:
            self.writer.close()
            self.writer = None
        return status, elapsed


async def student(c, item_ids, s, timings, errors, think=0.0, rng=None, submit_when_done=False):
    status, t = await c.request("GET", f"/screening/answer/{s['assignment']}/")
    timings["open"].append(t)
    if status != 200:
        errors.append(("open", status))
    for n, item in enumerate(item_ids):
        if think:
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))  # reading the question
        body = json.dumps({"item": item, "value": n % 4}).encode()
        status, t = await c.request("POST", f"/screening/response/{s['response']}/answer/", body)
        timings["autosave"].append(t)
        if status != 200:
            errors.append(("autosave", status))
    if submit_when_done:  # the student presses "finish" after the last answer, whenever that is
        await submit(c, s, timings, errors)


async def submit(c, s, timings, errors):
    body = json.dumps({"key": f"bench-{s['response']}"}).encode()
    status, t = await c.request("POST", f"/screening/response/{s['response']}/submit/", body)
    timings["submit"].append(t)
    if status != 200:
        errors.append(("submit", status))


async def trivial(host, port, n, timings):
    c = Client(host, port)
    for _ in range(n):
        status, t = await c.request("GET", "/healthz")
        assert status == 200, status
        timings.append(t)


async def floor(c, s, n, timings):
    """A signed-in write refused at once (an autosave with an empty body: 400): what every signed-in request costs
    before it does any work — session, user, the student check, CSRF (bench/request_cost.py)."""
    for _ in range(n):
        status, t = await c.request("POST", f"/screening/response/{s['response']}/answer/", b"{}")
        assert status == 400, status
        timings.append(t)


async def run_load(host, port, plan, item_ids, ceiling_requests, think=0.0, submit_when_done=False):
    import random

    rng = random.Random(1)
    timings = {"open": [], "autosave": [], "submit": []}
    errors: list = []
    clients = [Client(host, port, f"sessionid={s['session']}; csrftoken={CSRF}") for s in plan]
    started = time.perf_counter()
    await asyncio.gather(
        *(
            student(c, item_ids, s, timings, errors, think, rng, submit_when_done)
            for c, s in zip(clients, plan, strict=True)
        )
    )
    answering_wall = time.perf_counter() - started
    submit_wall = 0.0
    if not submit_when_done:
        # Everyone submits at the same moment (the teacher says "submit now"): the submit throughput.
        started = time.perf_counter()
        await asyncio.gather(*(submit(c, s, timings, errors) for c, s in zip(clients, plan, strict=True)))
        submit_wall = time.perf_counter() - started
    healthz: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(trivial(host, port, ceiling_requests, healthz) for _ in plan))
    ceiling_wall = time.perf_counter() - started
    signed_in: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(floor(c, s, ceiling_requests, signed_in) for c, s in zip(clients, plan, strict=True))
    )
    floor_wall = time.perf_counter() - started
    return timings, errors, answering_wall, submit_wall, healthz, ceiling_wall, (signed_in, floor_wall)


def pct(values, p):
    return statistics.quantiles(values, n=100)[p - 1] * 1000 if len(values) > 1 else values[0] * 1000


def prepare(
    *, students: int, pg: str, db: str, env_dir: Path, redis: str, port: int
) -> tuple[Path, list, list]:
    """A fresh PostgreSQL database ``db`` with the campaign and ``students`` signed-in students, and the env file of a
    loopback production stack for it (deploy/local-env.sh). Returns (env file, per-student plan, item ids).
    Also used by bench/request_cost.py."""
    env_file = env_dir / "prod.env"
    env_dir.mkdir(parents=True, exist_ok=True)
    env_file.unlink(missing_ok=True)
    subprocess.run(["psql", f"{pg}/postgres", "-qc", f'drop database if exists "{db}"'], check=True)
    subprocess.run(
        [str(ROOT / "deploy/local-env.sh"), str(env_file), db, redis, str(port)],
        check=True, env={**os.environ, "XINYU_PG": pg},
    )  # fmt: skip
    print(f"setting up {students} students on PostgreSQL …", flush=True)
    # Under the stack's own settings: sessions are bound to its secret key, encrypted fields to its data key.
    setup_env = {
        **os.environ,
        "XINYU_ENV_FILE": str(env_file),
        "DJANGO_SETTINGS_MODULE": "xinyu.settings_prod",
    }
    done = subprocess.run(
        [str(ROOT / ".venv/bin/python"), __file__, "--setup-only", "--students", str(students)],
        capture_output=True, text=True, env=setup_env,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
    prepared = json.loads(done.stdout.strip().splitlines()[-1])
    return env_file, prepared["plan"], prepared["items"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--web-workers", type=int, default=5)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-class", default="gthread", help="gthread (WSGI) or uvicorn (ASGI)")
    parser.add_argument(
        "--think", type=float, default=0.0,
        help="mean seconds a student spends on an item before it is saved (0: no pause, the stress case)",
    )  # fmt: skip
    parser.add_argument(
        "--submit-when-done", action="store_true",
        help="each student submits right after their own last answer (no burst: submit latency under the "
        "answering load; the submit throughput is then not measured)",
    )  # fmt: skip
    parser.add_argument(
        "--beijing", action="store_true",
        help="print the scaled request mix of Beijing's peak screening lesson (bench/scale_model.py) and exit; "
        "no database, no server",
    )  # fmt: skip
    parser.add_argument("--country", action="store_true", help="the same for the whole country")
    parser.add_argument("--window-days", type=int, help="with --beijing/--country: school days in the window")
    parser.add_argument(
        "--peak-factor", type=float, help="with --beijing/--country: busiest lesson / average"
    )
    parser.add_argument("--seconds-per-item", type=float, help="with --beijing/--country: answering pace")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.beijing or opts.country:
        sys.path.insert(0, str(ROOT / "bench"))
        import scale_model

        for name in [n for n in ("beijing", "country") if getattr(opts, n)]:
            print(scale_model.report(scale_model.region(
                name, window_days=opts.window_days, peak_factor=opts.peak_factor,
                seconds_per_item=opts.seconds_per_item,
            )))  # fmt: skip
        return
    if opts.setup_only:
        setup(opts.students)
        return

    env_dir = ROOT / "var/bench-day"
    env_file, plan, item_ids = prepare(
        students=opts.students,
        pg=opts.pg,
        db=DB,
        env_dir=env_dir,
        redis="redis://127.0.0.1:6379/14",
        port=opts.port,
    )
    stack_env = {
        **os.environ,
        "XINYU_ENV_FILE": str(env_file),
        "XINYU_RUN_DIR": str(env_dir / "run"),
        "XINYU_WEB_WORKERS": str(opts.web_workers),
        "XINYU_WEB_THREADS": str(opts.web_threads),
        "LOG_LEVEL": "WARNING",
    }
    if opts.worker_class == "uvicorn":
        stack_env |= {
            "XINYU_WORKER_CLASS": "uvicorn.workers.UvicornWorker",
            "XINYU_APP": "xinyu.asgi:application",
        }
    stack = subprocess.Popen([str(ROOT / "deploy/run-stack.sh")], env=stack_env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{opts.port}/readyz", timeout=2) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the stack did not become ready")
            time.sleep(1)
        timings, errors, wall, submit_wall, healthz, ceiling_wall, (signed_in, floor_wall) = asyncio.run(
            run_load(
                "127.0.0.1",
                opts.port,
                plan,
                item_ids,
                ceiling_requests=len(item_ids) + 1,
                think=opts.think,
                submit_when_done=opts.submit_when_done,
            )  # fmt: skip
        )
    finally:
        stack.send_signal(signal.SIGTERM)
        stack.wait(timeout=60)
        subprocess.run(["psql", f"{opts.pg}/postgres", "-qc", f'drop database if exists "{DB}"'], check=False)
    n = len(plan)
    submit_tput = n / submit_wall if submit_wall else None  # None: --submit-when-done, no burst measured
    requests_total = n * (len(item_ids) + 1)
    app_tput = requests_total / wall
    ceiling = len(healthz) / ceiling_wall
    cores = os.cpu_count()
    print(
        f"\nScreening day: {n} students at once, {len(item_ids)} autosaves + 1 submit each, gunicorn "
        f"{opts.worker_class} ×{opts.web_workers}"
        + (f"×{opts.web_threads} threads" if opts.worker_class == "gthread" else "")
        + (f", {opts.think:g} s per item" if opts.think else ", no pause between answers")
        + f", PostgreSQL, {cores} cores (shared; the load generator runs on the same machine)"
    )
    for name in ("open", "autosave", "submit"):
        v = timings[name]
        print(
            f"  {name:9s} n={len(v):5d}  p50 {pct(v, 50):7.1f} ms  p95 {pct(v, 95):7.1f} ms  max {max(v) * 1000:7.1f} ms"
        )
    print(f"  errors: {len(errors)} {errors[:5] if errors else ''}")
    print(
        f"  open + autosave: {requests_total} requests in {wall:.1f} s = {app_tput:.0f} req/s"
        + (" (paced by the pauses, not a capacity figure)" if opts.think else "")
    )
    if submit_tput is None:
        print(
            "  submit throughput: not measured (--submit-when-done: each student submitted when they finished)"
        )
    else:
        print(f"  submit throughput: {n} at once, done in {submit_wall:.2f} s = {submit_tput:.0f} submits/s")
    print(f"  ceiling /healthz: {len(healthz)} in {ceiling_wall:.1f} s = {ceiling:.0f} req/s "
          f"(p50 {pct(healthz, 50):.1f} ms, p95 {pct(healthz, 95):.1f} ms)")  # fmt: skip
    floor_tput = len(signed_in) / floor_wall
    print(f"  signed-in floor (a write refused at once, 400): {len(signed_in)} in {floor_wall:.1f} s = "
          f"{floor_tput:.0f} req/s = {floor_tput / ceiling:.2f} of the ceiling (no signed-in request can do better)")  # fmt: skip
    if submit_tput is not None:
        print(
            f"  ratio submit/ceiling = {submit_tput / ceiling:.2f}   autosave/ceiling = {app_tput / ceiling:.2f}"
            f"   submit/floor = {submit_tput / floor_tput:.2f}"
        )
    print(
        "  targets: p95 autosave < 300 ms: "
        + ("met" if pct(timings["autosave"], 95) < 300 else "MISSED")
        + "; p95 submit < 300 ms: "
        + ("met" if pct(timings["submit"], 95) < 300 else "MISSED")
        + "; submit ≥ 0.25 × ceiling: "
        + ("not measured" if submit_tput is None else "met" if submit_tput / ceiling >= 0.25 else "MISSED")
    )


if __name__ == "__main__":
    main()
