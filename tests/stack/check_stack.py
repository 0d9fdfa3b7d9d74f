"""Checks against a running production stack (deploy/run-stack.sh): the CI production stage runs this script.

    XINYU_ENV_FILE=var/ci/prod.env python tests/stack/check_stack.py --base http://127.0.0.1:8124 \\
        --redis-port 6391 --redis-dir var/ci/redis

1. /readyz is 200 (database, migrations, Redis, a worker heartbeat on every queue).
2. Alert escalation through the processes: a red alert is raised (its deadline is 0 minutes in the CI env); the
   alerts worker e-mails the psychological teacher; beat's escalation timer moves it to the school leader, and
   the worker e-mails the leader.
3. Browser smoke (Debian's chromium, a 375-px phone): the school leader signs in through gunicorn, static files
   load, the escalated alert is in their alert list; every response carries an X-Request-ID.
4. /metrics shows the alerts queue's task timings and the alert delivery lag.
5. /readyz fails while the stack's Redis is stopped, and recovers when it is back.
Exit status 0 when all pass; each check prints one line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings_prod")


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 — loopback URL from the command line
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()
    except OSError as e:
        return 0, {}, str(e)


def wait_for(what: str, predicate, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(every)
    raise SystemExit(f"FAIL: {what} (not within {timeout:g} s; last: {last!r})")


def ok(message: str) -> None:
    print(f"ok   {message}", flush=True)


def check_ready(base: str, timeout: float = 90) -> None:
    def ready():
        status, _, body = get(f"{base}/readyz")
        return status == 200 or (status, body)

    wait_for("/readyz answers 200", lambda: ready() is True, timeout)
    ok("/readyz: database, migrations, Redis and a worker of every queue")


def check_alert_escalation() -> int:
    import django

    django.setup()
    from django.db import transaction

    from care.alerts.services import raise_alert
    from care.models import Alert, AlertStage, Notification
    from org.demo.logins import DEMO_SCHOOL_CODE
    from org.models import Student, User

    # Whoever the alert reaches first — the school in school time, the district centre's counselor on duty at
    # night (issue 15) — has a mailbox, and so has every later stage.
    User.objects.filter(username__in=["psych", "leader", "district_counselor", "district_officer"]).update(
        email="stack-check@example.invalid"
    )
    student = Student.objects.filter(enrollments__school__code=DEMO_SCHOOL_CODE).order_by("pk").first()
    assert student is not None, "the demo school has no student (seed_demo)"
    with transaction.atomic():
        alert = raise_alert(
            student=student, level="red", source_type="stack-check", source_id=uuid.uuid4().hex,
            reasons=[{"code": "stack-check", "text": {"zh-hans": "部署检查", "en": "stack check"}}],
        )  # fmt: skip
    first = AlertStage.PSYCH_TEACHERS if alert.route == "school" else AlertStage.CENTRE_ON_DUTY
    assert alert.stage == first, (alert.route, alert.stage)

    def sent(stage):
        rows = Notification.objects.filter(alert=alert, channel="email", stage=stage)
        return rows.exists() and not rows.filter(sent_at__isnull=True).exists()

    wait_for(f"the alerts worker e-mails the first stage ({alert.route} route)", lambda: sent(first), 30)
    ok(f"red alert raised on the {alert.route} route; the alerts worker sent the first stage's e-mail")
    wait_for(
        "beat escalates the unacknowledged alert",
        lambda: Alert.objects.get(pk=alert.pk).stage > first,
        45,
    )
    stage = Alert.objects.get(pk=alert.pk).stage
    wait_for("the alerts worker e-mails the next stage", lambda: sent(stage), 30)
    ok(f"past its deadline, beat escalated it to stage {stage} and the worker e-mailed that stage")
    return alert.pk


def check_browser(base: str, alert_pk: int) -> None:
    from playwright.sync_api import sync_playwright

    from access import mfa
    from org.demo.logins import DEMO_PASSWORD
    from org.models import User

    # The school leader logs in with two factors (seed_demo enrolled them): read the secret before Playwright's
    # event loop starts (no ORM call inside it).
    factor = mfa.factor_of(User.objects.get(username="leader"))
    secret = factor.secret if factor else ""
    chromium = os.environ.get("XINYU_CHROMIUM", "/usr/bin/chromium")
    args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page(viewport={"width": 375, "height": 740}, locale="zh-CN")
        page.set_default_timeout(15_000)
        request_ids, static_ok = [], []
        page.on(
            "response",
            lambda r: request_ids.append(r.headers.get("x-request-id")) if "/static/" not in r.url else None,
        )  # noqa: E501
        page.on("response", lambda r: static_ok.append(r.status) if "/static/" in r.url else None)
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "leader")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form:has(input[name=password]) button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/login/2fa/" in page.url and secret:
            page.fill("input[name=code]", mfa.current_code(secret))
            page.click("form:has(input[name=code]) button[type=submit]")
            page.wait_for_load_state("networkidle")
        assert "/login/" not in page.url, f"sign-in failed: still at {page.url}"
        page.goto(f"{base}/care/alerts/")
        link = page.locator(f"a[href$='/care/alerts/{alert_pk}/']")
        assert link.count() >= 1, "the escalated alert is not in the school leader's list"
        width = page.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert static_ok and all(s in (200, 304) for s in static_ok), f"static files: {static_ok}"
    assert request_ids and all(request_ids), "a response without X-Request-ID"
    assert width <= 375, f"the alert list is {width}px wide on a 375-px phone"
    ok("browser: the school leader signs in on a phone and sees the escalated alert; static files served")


def check_metrics(base: str) -> None:
    status, _, text = get(f"{base}/metrics")
    assert status == 200, status
    for needle in (
        'xinyu_task_duration_seconds_count{queue="alerts",task="care.send_notification_emails"}',
        'xinyu_task_duration_seconds_count{queue="alerts",task="care.escalate_alerts"}',
        "xinyu_alert_delivery_lag_seconds_count",
        'xinyu_http_request_duration_seconds_count{method="GET",route="care:alert_list",status="200"}',
        "xinyu_alerts_open_past_deadline",
        'xinyu_queue_depth{queue="alerts"}',
    ):
        assert needle in text, f"/metrics lacks {needle}"
    ok("/metrics: task timings by queue, alert delivery lag, request latency by route, queue depth")


def check_redis_outage(base: str, port: int, redis_dir: str) -> None:
    subprocess.run(["redis-cli", "-p", str(port), "shutdown", "nosave"], check=False, capture_output=True)

    def failing():
        status, _, body = get(f"{base}/readyz")
        return status == 503 and json.loads(body)["checks"]["redis"].startswith("fail")

    wait_for("/readyz fails with Redis stopped", failing, 15)
    ok("Redis stopped: /readyz answers 503 naming redis")
    start_redis(port, redis_dir)
    check_ready(base, timeout=60)
    ok("Redis back: /readyz recovers (workers reconnected, heartbeats fresh)")


def start_redis(port: int, redis_dir: str) -> None:
    Path(redis_dir).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--dir", redis_dir, "--logfile", f"{redis_dir}/redis.log",
         "--pidfile", f"{redis_dir}/redis.pid"],
        check=True,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--redis-port", type=int, required=True, help="the stack's own (throwaway) Redis")
    parser.add_argument("--redis-dir", required=True)
    parser.add_argument("--start-redis", action="store_true", help="only start that Redis and exit")
    opts = parser.parse_args()
    if opts.start_redis:
        start_redis(opts.redis_port, opts.redis_dir)
        return
    started = time.monotonic()
    check_ready(opts.base, timeout=180)  # the stack migrates and seeds first: slow on a busy machine
    alert_pk = check_alert_escalation()
    check_browser(opts.base, alert_pk)
    check_metrics(opts.base)
    check_redis_outage(opts.base, opts.redis_port, opts.redis_dir)
    print(f"stack checks passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
