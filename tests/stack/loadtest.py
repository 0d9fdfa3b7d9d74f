"""Screening-day load test with faults (issue 8 part 9): nothing a student was told is saved may be lost.

Against the production stack on loopback (deploy/run-stack.sh with ``XINYU_RESTART=1``: gunicorn, the alerts and
bulk workers, beat, PostgreSQL, Redis), headless locust (tests/stack/locustfile.py) plays ``--students`` students
at once (default 100): each opens their ASQ, makes 20 autosaves and submits; every ``--acute-every``-th student ends
with yes to Q1 and Q5, which raises a red alert. Bounded: one pass per student, at most ``--run-time`` seconds,
loopback only.

Meanwhile a fault injector SIGKILLs a gunicorn worker every ``--kill-every`` seconds (the gunicorn master starts a
new one; the clients, like answer.js, send a request that got no answer again with the same key) and SIGKILLs the
Celery alerts worker once, with its pool (run-stack.sh starts it again after 2 s, as systemd would).

Then, from the database: every autosave that got a 2xx is stored exactly once with the value last acknowledged;
every submission that got a 2xx is submitted, with exactly one result; every acute submission raised exactly one
alert, and within ``--alert-wait`` seconds every e-mail notification of those alerts is sent — ``sent_at`` set
*and* the message really written by the e-mail backend (the stack runs with Django's file backend). Printed:
requests, 2xx, faults injected, submissions lost, duplicates, alerts raised, alerts lost. Exit status 1 if anything
was lost or duplicated, or if no fault was injected.

    # against a running stack (the CI stage .ci/prod_stack.sh; XINYU_ENV_FILE names the stack's env file)
    XINYU_ENV_FILE=… python tests/stack/loadtest.py --base http://127.0.0.1:8124 --run-dir RUN --mail-dir MAIL
    # alone (make loadtest): a throwaway database and its own stack, PostgreSQL and Redis on 127.0.0.1
    python tests/stack/loadtest.py --own-stack
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings_prod")
CSRF = "loadcsrftokenloadcsrftoken012345"  # 32 characters: Django compares an unmasked secret directly


def log(message: str) -> None:
    print(f"load: {message}", flush=True)


# --- setup: students, a launched campaign (ASQ), sessions — straight into the stack's database -----------------
def setup(students: int, acute_every: int) -> dict:
    import django

    django.setup()
    import datetime as dt

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from org.demo.logins import DEMO_SCHOOL_CODE
    from org.models import Enrollment, Node, Post, Role, SchoolClass, SchoolYear, Student, User
    from screening.models import Assent, Assignment, BatteryEntry, Campaign, Response

    school = Node.objects.get(code=DEMO_SCHOOL_CODE)
    year = SchoolYear.current() or SchoolYear.objects.order_by("-start_year").first()
    cls = (
        SchoolClass.objects.filter(school=school, school_year=year, grade__gte=5)
        .order_by("grade", "pk")
        .first()
    )
    assert cls is not None, "the demo school has no class of grade 5 or above (seed_demo)"
    # Every alert recipient of the school — and of its district, where alerts go off hours (issue 15) — gets a
    # mailbox of their own, so each e-mail can be traced.
    nodes = [*Node.objects.subtree(school), *([school.district] if school.district_id else [])]
    for user in User.objects.filter(posts__node__in=nodes).distinct():
        user.email = f"{user.username}@load.invalid"
        user.save(update_fields=["email"])
    tag = uuid.uuid4().hex[:6]
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            organiser=school.district or school.parent, school_year=year, name=f"load {tag}",
            starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=1), consent_rule="notice_all",
            status="launched",
        )  # fmt: skip
        BatteryEntry.objects.create(
            campaign=campaign, grade_from=4, grade_to=12, instrument_id="asq", instrument_version="1.0"
        )
        plan = []
        for i in range(students):
            user = User.objects.create(username=f"load-{tag}-{i:03d}", display_name=f"学生{i}")
            user.set_unusable_password()
            user.save(update_fields=["password"])
            Post.objects.create(user=user, role=Role.STUDENT, node=school)
            student = Student.objects.create(
                student_no=f"L{tag}{i:012d}", name=f"负载学生{i}", gender="F" if i % 2 else "M",
                birth_date=dt.date(year.start_year - cls.grade - 6, 3, 1), user=user,
            )  # fmt: skip
            Enrollment.objects.create(
                student=student, school=school, school_class=cls, school_year=year, grade=cls.grade
            )
            a = Assignment.objects.create(
                campaign=campaign, student=student, school=school, school_class=cls, grade=cls.grade,
                needs_consent=False,
            )  # fmt: skip
            Assent.objects.create(assignment=a, agreed=True)
            asq = Response.objects.create(assignment=a, instrument_id="asq", instrument_version="1.0")
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            plan.append(
                {"session": session.session_key, "assignment": a.pk, "asq": asq.pk, "acute": i % acute_every == 0}
            )  # fmt: skip
    return {"csrf": CSRF, "campaign": campaign.pk, "students": plan}


# --- faults ---------------------------------------------------------------------------------------------------
def children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(p) for p in out.split()]


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


class FaultInjector(threading.Thread):
    """SIGKILL a gunicorn worker every ``every`` seconds; the alerts worker once, as soon as the first acute
    submission is acknowledged (its alert's e-mail task is then queued or running), or after ``alerts_at`` s."""

    def __init__(self, run_dir: Path, acked: Path, every: float, alerts_at: float, max_kills: int):
        super().__init__(daemon=True)
        self.run_dir, self.acked, self.every, self.alerts_at, self.max_kills = (
            run_dir,
            acked,
            every,
            alerts_at,
            max_kills,
        )
        self.stop = threading.Event()
        self.web_killed = 0
        self.alerts_killed = 0
        self.alerts_back = False

    def kill_web_worker(self) -> None:
        master = read_pid(self.run_dir / "web.pid")
        workers = children(master) if master else []
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)  # noqa: S311 — which worker does not matter
            self.web_killed += 1

    def kill_alerts_worker(self) -> None:
        pid_file = self.run_dir / "worker-alerts.pid"
        main = read_pid(pid_file)
        if main is None:
            return
        for pid in [
            *children(main),
            main,
        ]:  # the pool and the worker itself, as an OOM killer or kill -9 would
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.alerts_killed += 1
        # Watch for the restart even if the load ends meanwhile (on a quiet machine it can be over in seconds).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            again = read_pid(pid_file)
            if again and again != main:
                self.alerts_back = True
                return
            time.sleep(0.5)

    def first_alert_acked(self) -> bool:
        lines = self.acked.read_text().splitlines()
        return any('"kind": "submit"' in line and '"acute": true' in line for line in lines)

    def run(self) -> None:
        started = time.monotonic()
        next_web = started + 2
        while not self.stop.is_set():
            now = time.monotonic()
            if not self.alerts_killed and (now - started >= self.alerts_at or self.first_alert_acked()):
                self.kill_alerts_worker()
            if now >= next_web and self.web_killed < self.max_kills:
                self.kill_web_worker()
                next_web = now + self.every
            self.stop.wait(0.2)


# --- the run --------------------------------------------------------------------------------------------------
def run_locust(
    base: str, plan_file: Path, log_file: Path, csv_prefix: Path, users: int, run_time: int
) -> None:
    env = {**os.environ, "XINYU_LOAD_PLAN": str(plan_file), "XINYU_LOAD_LOG": str(log_file)}
    subprocess.run(
        [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "tests/stack/locustfile.py"), "--headless",
         "--host", base, "-u", str(users), "-r", str(max(1, users // 2)), "--run-time", f"{run_time}s",
         "--stop-timeout", "10", "--csv", str(csv_prefix), "--only-summary", "--loglevel", "WARNING"],
        env=env, check=False, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def totals(csv_prefix: Path) -> tuple[int, int]:
    with open(f"{csv_prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"]), int(row["Failure Count"])
    return 0, 0


def mailed(mail_dir: Path) -> set[tuple[str, int]]:
    """(recipient, alert id) of every e-mail Django's file backend wrote."""
    found = set()
    for path in mail_dir.glob("*.log"):
        for message in path.read_text(errors="replace").split("-" * 79):
            to = re.search(r"^To: (.+)$", message, re.M)
            for alert_id in re.findall(r"/care/alerts/(\d+)/", message):
                if to:
                    found.add((to.group(1).strip(), int(alert_id)))
    return found


def verify(plan: dict, log_file: Path, mail_dir: Path, alert_wait: float) -> dict:
    import django

    django.setup()
    from care.models import Alert, Notification
    from screening.models import Answer, Response, Result

    events = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    acked = [e for e in events if e["kind"] != "sent"]
    saves = [a for a in acked if a["kind"] == "autosave"]
    submits = [a for a in acked if a["kind"] == "submit"]
    responses = [s["asq"] for s in plan["students"]]

    # The value stored must be the last one acknowledged, or one sent after it and never acknowledged.
    allowed: dict[tuple[int, str], set[int]] = {}
    for e in events:
        if e["kind"] == "autosave":
            allowed[(e["response"], e["item"])] = {e["value"]}
        elif e["kind"] == "sent" and e["of"] == "autosave" and (e["response"], e["item"]) in allowed:
            allowed[(e["response"], e["item"])].add(e["value"])
    rows = Counter(Answer.objects.filter(response_id__in=responses).values_list("response_id", "item_id"))
    stored = {
        (r, i): v
        for r, i, v in Answer.objects.filter(response_id__in=responses).values_list(
            "response_id", "item_id", "value"
        )
    }
    saves_lost = [k for k, values in allowed.items() if rows[k] != 1 or stored.get(k) not in values]

    state = {r.pk: r for r in Response.objects.filter(pk__in=responses)}
    results = Counter(Result.objects.filter(response_id__in=responses).values_list("response_id", flat=True))
    submits_lost = [
        a for a in submits
        if state[a["response"]].status != "submitted" or state[a["response"]].idempotency_key != a["key"]
        or results[a["response"]] != 1
    ]  # fmt: skip
    duplicates = sum(n - 1 for n in rows.values() if n > 1) + sum(n - 1 for n in results.values() if n > 1)

    acute_submitted = {a["response"] for a in submits if a.get("acute")}
    result_of = dict(Result.objects.filter(response_id__in=acute_submitted).values_list("pk", "response_id"))
    alerts = list(
        Alert.objects.filter(source_type="screening.result", source_id__in=[str(p) for p in result_of])
    )
    per_response = Counter(result_of[int(a.source_id)] for a in alerts)
    duplicates += sum(n - 1 for n in per_response.values() if n > 1)
    no_alert = acute_submitted - set(per_response)

    deadline = time.monotonic() + alert_wait
    while True:
        emails = list(Notification.objects.filter(alert__in=alerts, channel="email").select_related("user"))
        sent = mailed(mail_dir)
        undelivered = {
            n.alert_id for n in emails if n.sent_at is None or (n.user.email, n.alert_id) not in sent
        }
        if not undelivered or time.monotonic() > deadline:
            break
        time.sleep(1)
    waited = alert_wait - max(0.0, deadline - time.monotonic())
    return {
        "acknowledged": len(acked),
        "autosaves_acked": len(saves),
        "submits_acked": len(submits),
        "autosaves_lost": len(saves_lost),
        "submissions_lost": len(submits_lost),
        "duplicates": duplicates,
        "alerts_raised": len(alerts),
        "alert_emails": len(emails),
        "alerts_lost": len(no_alert) + len(undelivered),
        "alert_wait_s": round(waited, 1),
        "retried": sum(a["attempt"] > 1 for a in acked),
    }


def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=3) as r:  # noqa: S310 — loopback
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"load: the stack at {base} did not become ready")


def own_stack(opts) -> tuple[subprocess.Popen, str, Path, Path]:
    """A throwaway database and env file, and deploy/run-stack.sh with restarts on (make loadtest)."""
    work = ROOT / "var/loadtest"
    subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    env_file, db = work / "prod.env", "xinyu_loadtest"
    subprocess.run(["psql", f"{opts.pg}/postgres", "-qc", f'drop database if exists "{db}"'], check=True)
    subprocess.run(
        [str(ROOT / "deploy/local-env.sh"), str(env_file), db, opts.redis, str(opts.port)],
        check=True, env={**os.environ, "XINYU_PG": opts.pg, "XINYU_WEB_WORKERS": "2"},
    )  # fmt: skip
    with open(env_file, "a") as f:
        f.write(
            "DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend\n"
            f"EMAIL_FILE_PATH={work / 'mail'}\nXINYU_ESCALATION_SECONDS=5\n"
        )
    os.environ["XINYU_ENV_FILE"] = str(env_file)
    stack = subprocess.Popen(
        [str(ROOT / "deploy/run-stack.sh")],
        env={**os.environ, "XINYU_RUN_DIR": str(work / "run"), "XINYU_RESTART": "1", "XINYU_SEED_STUDENTS": "20"},
        stdout=subprocess.DEVNULL, stderr=open(work / "stack.log", "w"),  # noqa: SIM115
    )  # fmt: skip
    return stack, f"http://127.0.0.1:{opts.port}", work / "run", work / "mail"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a running stack (started with XINYU_RESTART=1)")
    parser.add_argument("--run-dir", type=Path, help="its XINYU_RUN_DIR (pid files)")
    parser.add_argument("--mail-dir", type=Path, help="its EMAIL_FILE_PATH (the file e-mail backend)")
    parser.add_argument("--own-stack", action="store_true", help="start a throwaway stack (make loadtest)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--port", type=int, default=8137)
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--acute-every", type=int, default=5)
    parser.add_argument("--run-time", type=int, default=120)
    parser.add_argument("--kill-every", type=float, default=8.0)
    parser.add_argument("--max-kills", type=int, default=5)
    parser.add_argument("--alert-wait", type=float, default=100.0)
    opts = parser.parse_args()
    started = time.monotonic()
    stack = None
    if opts.own_stack:
        stack, base, run_dir, mail_dir = own_stack(opts)
    else:
        if not (opts.base and opts.run_dir and opts.mail_dir):
            parser.error("--base, --run-dir and --mail-dir, or --own-stack")
        base, run_dir, mail_dir = opts.base, opts.run_dir, opts.mail_dir
    try:
        wait_ready(base)
        plan = setup(opts.students, opts.acute_every)
        work = run_dir.parent / f"load-{os.getpid()}"
        work.mkdir(parents=True, exist_ok=True)
        plan_file, log_file, csv_prefix = work / "plan.json", work / "acked.jsonl", work / "locust"
        plan_file.write_text(json.dumps(plan))
        log_file.write_text("")
        log(f"{opts.students} students ready; locust for at most {opts.run_time} s, faults on")
        faults = FaultInjector(run_dir, log_file, opts.kill_every, alerts_at=20.0, max_kills=opts.max_kills)
        faults.start()
        t0 = time.monotonic()
        run_locust(base, plan_file, log_file, csv_prefix, opts.students, opts.run_time)
        load_s = time.monotonic() - t0
        faults.stop.set()
        faults.join(timeout=35)
        requests, failures = totals(csv_prefix)
        figures = verify(plan, log_file, mail_dir, opts.alert_wait)
    finally:
        from django.db import connections

        connections.close_all()
        if stack is not None:
            stack.send_signal(signal.SIGTERM)
            stack.wait(timeout=60)
            subprocess.run(["psql", f"{opts.pg}/postgres", "-qc", 'drop database if exists "xinyu_loadtest"'],
                           check=False)  # fmt: skip
    expected_submits = opts.students
    print(
        f"Load test: {opts.students} students, {requests} requests in {load_s:.0f} s, {figures['acknowledged']} 2xx "
        f"({figures['autosaves_acked']} autosaves, {figures['submits_acked']}/{expected_submits} submissions), "
        f"{failures} failed attempts, {figures['retried']} acknowledged on a retry; faults injected: "
        f"{faults.web_killed} gunicorn workers + {faults.alerts_killed} alerts worker SIGKILLed "
        f"(alerts worker back: {'yes' if faults.alerts_back else 'NO'}); submissions lost "
        f"{figures['submissions_lost']}, autosaves lost {figures['autosaves_lost']}, duplicates "
        f"{figures['duplicates']}; alerts raised {figures['alerts_raised']} ({figures['alert_emails']} e-mails), "
        f"alerts lost {figures['alerts_lost']} (waited {figures['alert_wait_s']} s); "
        f"took {time.monotonic() - started:.0f} s",
        flush=True,
    )
    bad = (
        figures["submissions_lost"] or figures["autosaves_lost"] or figures["duplicates"]
        or figures["alerts_lost"] or not faults.web_killed or not faults.alerts_killed or not faults.alerts_back
        or not figures["alerts_raised"] or figures["submits_acked"] < expected_submits // 2
    )  # fmt: skip
    if bad:
        raise SystemExit("load: FAIL")


if __name__ == "__main__":
    main()
