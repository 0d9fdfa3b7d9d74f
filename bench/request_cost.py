"""What one request costs the server (issue 3 "Speed"): CPU per request, not latency under load.

The screening-day benchmark (bench/screening_day.py) measures latency and throughput with 200 students at once, and
its figures move with whatever else the machine runs. This one measures the cost model behind them: the same
PostgreSQL database with a launched CES-DC campaign (20 items) is served by ONE gunicorn worker with ONE thread
(the production settings and gunicorn.conf.py), and one client sends the requests one after another. For each kind
of request it prints the CPU time the web worker, PostgreSQL and Redis spent per request (from /proc), so the figures
hardly depend on the machine's load. In the same run:

  healthz    the trivial endpoint — the ceiling of the screening-day ratio;
  floor      a signed-in write refused at once (an autosave with an empty body: 400) — session, user, the
             student check and CSRF, and nothing else: what every signed-in request costs before it does any work;
  open       the answer page;  autosave  one answer;  submit  score, result, audit, all in one transaction.

``ratio`` is healthz's total over the request's total: the submit/ceiling ratio of the screening-day benchmark if
the load generator cost nothing. Linux only (reads /proc).

    .venv/bin/python bench/request_cost.py [--students 100]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "xinyu_bench_cost"
CSRF = "benchcsrftokenbenchcsrftoken0123"  # the same as screening_day.py's


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_of(pattern: str) -> float:
    """CPU seconds of every process whose command line matches (PostgreSQL's backends, redis-server)."""
    total = 0.0
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout.split()
    for pid in found:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError, ValueError):  # a backend that ended
            total += _cpu_seconds(int(pid))
    return total


class Session:
    """One keep-alive connection, signed in as one student (or anonymous)."""

    def __init__(self, port: int, session_key: str | None = None):
        self.port, self.key = port, session_key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None, expect: int = 200) -> None:
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.key:
            headers |= {"Cookie": f"sessionid={self.key}; csrftoken={CSRF}", "X-CSRFToken": CSRF}
        if body is not None:
            headers |= {"Content-Type": "application/json", "Accept": "application/json"}
        payload = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            reply = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closed this idle keep-alive connection while the other students' requests ran (on a
            # loaded machine a round takes longer than its keep-alive): reconnect once, as a browser does.
            self.conn.close()
            self.conn.request(method, path, body=payload, headers=headers)
            reply = self.conn.getresponse()
        data = reply.read()
        if reply.status != expect:
            raise SystemExit(f"{method} {path}: {reply.status}, expected {expect}: {data[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--port", type=int, default=8132)
    opts = parser.parse_args()

    from screening_day import prepare

    env_file, plan, items = prepare(
        students=opts.students, pg=opts.pg, db=DB, env_dir=ROOT / "var/bench-cost",
        redis="redis://127.0.0.1:6379/12", port=opts.port,
    )  # fmt: skip
    env = {
        **os.environ,
        "XINYU_ENV_FILE": str(env_file),
        "DJANGO_SETTINGS_MODULE": "xinyu.settings_prod",
        "XINYU_BIND": f"127.0.0.1:{opts.port}",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(["redis-cli", "-n", "12", "flushdb"], check=False, capture_output=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "deploy/gunicorn.conf.py"), "--workers", "1",
         "--threads", "1", "--max-requests", "0", "xinyu.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Session(opts.port).call("GET", "/healthz")
                break
            except (OSError, SystemExit):
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not become ready") from None
                time.sleep(0.3)
        worker = int(
            subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()[0]
        )
        anonymous = Session(opts.port)
        students = [Session(opts.port, s["session"]) for s in plan]

        def measure(name: str, calls: list) -> dict:
            w0, p0, r0, t0 = (
                _cpu_seconds(worker),
                _cpu_of("postgres:"),
                _cpu_of("redis-server"),
                time.perf_counter(),
            )
            for call in calls:
                call()
            n = len(calls)
            row = {
                "name": name,
                "n": n,
                "wall": (time.perf_counter() - t0) / n * 1000,
                "web": (_cpu_seconds(worker) - w0) / n * 1000,
                "pg": (_cpu_of("postgres:") - p0) / n * 1000,
                "redis": (_cpu_of("redis-server") - r0) / n * 1000,
            }
            row["total"] = row["web"] + row["pg"] + row["redis"]
            return row

        def each(fn):
            return [lambda s=s, p=p: fn(s, p) for s, p in zip(students, plan, strict=True)]

        rows = [measure("healthz", [lambda: anonymous.call("GET", "/healthz")] * 2000)]
        # The first request of each session writes its clocks (access.middleware.SessionTimeoutMiddleware): not
        # part of the floor — one round first, then the measured rounds.
        for call in each(
            lambda s, p: s.call("POST", f"/screening/response/{p['response']}/answer/", {}, 400)
        ):
            call()
        floor = each(lambda s, p: s.call("POST", f"/screening/response/{p['response']}/answer/", {}, 400))
        rows.append(measure("floor", floor * 5))
        rows.append(
            measure("open", each(lambda s, p: s.call("GET", f"/screening/answer/{p['assignment']}/")))
        )
        autosaves = [
            lambda s=s, p=p, n=n, item=item: s.call(
                "POST", f"/screening/response/{p['response']}/answer/", {"item": item, "value": n % 4}
            )
            for n, item in enumerate(items)
            for s, p in zip(students, plan, strict=True)
        ]
        rows.append(measure("autosave", autosaves))
        rows.append(
            measure(
                "submit",
                each(
                    lambda s, p: s.call(
                        "POST",
                        f"/screening/response/{p['response']}/submit/",
                        {"key": f"cost-{p['response']}"},
                    )
                ),  # fmt: skip
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        subprocess.run(["psql", f"{opts.pg}/postgres", "-qc", f'drop database if exists "{DB}"'], check=False)

    base = rows[0]["total"]
    print(
        f"\nCPU per request, one gunicorn worker with one thread, requests one after another, PostgreSQL "
        f"({opts.students} students, {len(items)}-item sheet; ms)"
    )
    print(
        f"  {'request':9s} {'n':>6s} {'wall':>7s} {'web':>7s} {'pg':>7s} {'redis':>7s} {'total':>7s} {'ratio':>6s}"
    )
    for r in rows:
        print(
            f"  {r['name']:9s} {r['n']:6d} {r['wall']:7.2f} {r['web']:7.2f} {r['pg']:7.2f} {r['redis']:7.2f} "
            f"{r['total']:7.2f} {base / r['total']:6.2f}"
        )


if __name__ == "__main__":
    sys.exit(main())
