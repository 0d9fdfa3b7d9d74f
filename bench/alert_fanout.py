"""Load test of the alert channels (issue 15, docs/performance.md "Alert fan-out"): N red alerts raised at once
(concurrent ``raise_alert`` transactions, each sending after commit in its own thread as a web process does)
while R relay processes sweep the outbox in a tight loop, racing the senders for the same rows, on PostgreSQL.
Every recipient has e-mail, SMS (Alibaba Cloud SDK) and 企业微信; the providers are the loopback stand-in
(tests/standins/providers.py), optionally failing a share of the sends. Counted at the provider's side (the
stand-in's record, the mail files): expected vs delivered, duplicates, lost, time to the last delivery.

    .venv/bin/python bench/alert_fanout.py [--alerts 200] [--relays 3] [--threads 20] [--fail 0.2]
        [--pg postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import email
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._fresh import ROOT, fresh_django  # noqa: E402


def relay_main(stop_file: str) -> None:
    """One relay process: sweep the outbox until told to stop and nothing is left to send."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
    django.setup()
    from care.alerts.services import flush_outbox

    sent = 0
    while True:
        stopping = os.path.exists(stop_file)
        n = flush_outbox(older_than=dt.timedelta(0))
        sent += n
        if stopping and n == 0:
            break
        if n == 0:
            time.sleep(0.05)
    print(f"relay {os.getpid()}: sent {sent}", file=sys.stderr)


def provider_env(standin, mail_dir: str) -> dict[str, str]:
    return {
        "XINYU_CHANNELS": "in_app,email,sms,wecom",
        "XINYU_SMS_PROVIDER": "aliyun",
        "XINYU_SMS_ACCESS_KEY_ID": "bench",
        "XINYU_SMS_ACCESS_KEY_SECRET": "bench",
        "XINYU_SMS_SIGN_NAME": "心育",
        "XINYU_SMS_TEMPLATE_ALERT": "SMS_ALERT",
        "XINYU_SMS_ENDPOINT": standin.host,
        "XINYU_SMS_PROTOCOL": "http",
        "XINYU_WECOM_CORP_ID": "wwbench",
        "XINYU_WECOM_SECRET": "bench",
        "XINYU_WECOM_AGENT_ID": "1000002",
        "XINYU_WECOM_API_BASE": standin.url,
        "XINYU_CHANNEL_TIMEOUT": "5",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": mail_dir,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CELERY_BROKER_URL": "memory://",
    }


def mails(mail_dir: str) -> list[tuple[str, str, float]]:
    """(to, body, file mtime) of every e-mail the file backend wrote."""
    out = []
    for path in Path(mail_dir).glob("*.log"):
        for chunk in path.read_text(encoding="utf-8").split("\n" + "-" * 79 + "\n"):
            if not chunk.strip():
                continue
            msg = email.message_from_string(chunk)
            body = msg.get_payload(decode=True).decode("utf-8")
            out.append((msg["To"], body, path.stat().st_mtime))
    return out


def people(world):
    """Everyone an alert of these students goes to gets an address on every channel."""
    from care.models import ChannelChoice

    for i, (name, user) in enumerate(sorted(world.users.items())):
        user.email, user.phone = f"{name}@bench.example", f"139{i:08d}"
        user.save(update_fields=["email", "phone"])
        ChannelChoice.objects.create(user=user, wecom_user_id=f"wx_{name}")
    return [world.student_a1, world.student_a1b, world.student_a2, world.student_b1, world.student_c1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=200)
    parser.add_argument("--relays", type=int, default=3)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument(
        "--fail", type=float, default=0.0, help="share of sends the providers answer with an error"
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--relay", help=argparse.SUPPRESS)  # internal: run as a relay process
    args = parser.parse_args()
    if args.relay:
        relay_main(args.relay)
        return 0

    from tests.standins.providers import ProviderStandIn

    standin = ProviderStandIn(seed=15).start()
    standin.fail_rate = args.fail
    mail_dir = tempfile.mkdtemp(prefix="fanout-mail-")
    os.environ.update(provider_env(standin, mail_dir))
    fresh_django("alert_fanout", args.pg)
    from django.db import connection, connections

    from care.alerts.services import raise_alert
    from care.models import Alert, Delivery, Notification
    from conftest import build_world

    assert connection.vendor == "postgresql", "the fan-out bench needs PostgreSQL (--pg)"
    world = build_world()
    students = people(world)
    connections.close_all()

    stop_file = os.path.join(mail_dir, "STOP")
    relays = [
        subprocess.Popen([sys.executable, __file__, "--relay", stop_file], cwd=ROOT, env=os.environ.copy())
        for _ in range(args.relays)
    ]
    time.sleep(2)  # the relays are up and sweeping
    reasons = [{"code": "bench", "text": {"zh-hans": "压测", "en": "load test"}}]
    barrier = threading.Barrier(args.threads)
    errors: list[BaseException] = []

    def raiser(k: int) -> None:
        try:
            barrier.wait()
            for i in range(k, args.alerts, args.threads):
                raise_alert(
                    student=students[i % len(students)], level="red", reasons=reasons, source_type="bench",
                    source_id=str(i),
                )  # fmt: skip
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=raiser, args=(k,)) for k in range(args.threads)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    raised_in = time.time() - t0
    deadline = time.time() + 300
    outside = Notification.objects.exclude(channel="in_app")
    while outside.filter(sent_at__isnull=True).exists() and time.time() < deadline:
        time.sleep(0.2)
    Path(stop_file).touch()
    for p in relays:
        p.wait(timeout=120)
    standin.stop()

    rows = {r.pk: r for r in outside.select_related("user")}
    expected = collections.Counter(r.channel for r in rows.values())
    # What the providers took (accepted answers only), keyed so that a message sent twice shows twice.
    sms = collections.Counter(g.ref for g in standin.sms())
    wecom = collections.Counter((g.to, g.text) for g in standin.wecom())
    mail_list = mails(mail_dir)
    mailed = collections.Counter((to, body) for to, body, _ in mail_list)
    got = {"sms": sms, "wecom": wecom, "email": mailed}
    last = max([g.at for g in standin.sms() + standin.wecom()] + [m for *_, m in mail_list], default=t0)
    failed_attempts = Delivery.objects.exclude(status="accepted").count()
    print(
        f"{args.alerts} red alerts, {args.threads} raising threads, {args.relays} relay processes, "
        f"provider failure rate {args.fail:.0%}; alerts stored: {Alert.objects.count()}; "
        f"in-app rows: {Notification.objects.filter(channel='in_app').count()}; raised in {raised_in:.1f} s"
    )
    print("| channel | expected | delivered (distinct at provider) | duplicates | lost |")
    print("|---|---|---|---|---|")
    total_dup = total_lost = 0
    for channel in ("sms", "wecom", "email"):
        counter = got[channel]
        distinct = len(counter)
        dup = sum(counter.values()) - distinct
        lost = expected[channel] - distinct
        total_dup, total_lost = total_dup + dup, total_lost + lost
        print(f"| {channel} | {expected[channel]} | {distinct} | {dup} | {lost} |")
    print(
        f"failed attempts retried: {failed_attempts}; unsent rows left: {outside.filter(sent_at__isnull=True).count()}; "
        f"time from the first raise to the last delivery: {last - t0:.1f} s"
    )
    ok = not errors and total_dup == 0 and total_lost == 0 and Alert.objects.count() == args.alerts
    if errors:
        print(f"raise errors: {errors[:3]}")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
