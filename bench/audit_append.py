"""How many audit events a second the one hash chain takes (issue 22, docs/scale.md "What fails first").

``access.audit.record`` locks the single chain head (``AuditHead`` pk=1) and holds it until its transaction
commits, so every audited request of a deployment appends one after another. This measures that serial point on
a fresh PostgreSQL database (``xinyu_audit_append``, dropped at the end): N appends one after another (each its own
transaction: the lock is held for the event's insert, the head's update and the commit), then the same N from T
threads at once, and checks the chain afterwards (``audit.verify``). The lock's hold time, not the CPU, sets the
rate; over a network each statement adds a round trip, so the figure here (loopback) is an upper bound.

    .venv/bin/python bench/audit_append.py [--appends 400] [--threads 8]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._fresh import fresh_django, percentile  # noqa: E402


def _dsn(connection) -> str:
    d = connection.settings_dict
    return f"host={d['HOST']} port={d['PORT'] or 5432} user={d['USER']} dbname={d['NAME']}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    fresh_django("audit_append", args.pg)
    import psycopg
    from django.db import connection, connections

    from access import audit

    try:
        times = []
        for i in range(args.appends):
            t0 = time.perf_counter()
            audit.record(actor=None, action="bench.append", detail={"n": i})
            times.append((time.perf_counter() - t0) * 1000)
        serial_s = sum(times) / 1000

        def worker(k: int) -> None:
            for i in range(args.appends // args.threads):
                audit.record(actor=None, action="bench.append", detail={"t": k, "n": i})
            connections.close_all()

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        parallel_s = time.perf_counter() - t0
        done = args.appends // args.threads * args.threads
        # The baseline in the same run: a bare one-row insert and its commit (the WAL flush), no lock, no Django.
        with psycopg.connect(_dsn(connection), autocommit=True) as raw:
            raw.execute(
                "CREATE TABLE bench_commit (n int)"
            )  # logged, as the chain is: its commit flushes WAL
            t0 = time.perf_counter()
            for i in range(args.appends):
                raw.execute("INSERT INTO bench_commit VALUES (%s)", (i,))
            commit_s = time.perf_counter() - t0

        def committer(k: int) -> None:
            with psycopg.connect(_dsn(connection), autocommit=True) as c:
                for i in range(args.appends // args.threads):
                    c.execute("INSERT INTO bench_commit VALUES (%s)", (i,))

        threads = [threading.Thread(target=committer, args=(k,)) for k in range(args.threads)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        commit_parallel_s = time.perf_counter() - t0
        breaks = list(audit.verify())
        print(f"one after another: {args.appends} appends, {args.appends / serial_s:,.0f}/s, "
              f"p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms")  # fmt: skip
        print(f"{args.threads} threads at once: {done} appends, {done / parallel_s:,.0f}/s "
              f"({done / parallel_s / (args.appends / serial_s):.2f} × one after another)")  # fmt: skip
        print(f"baseline, a bare one-row insert and commit one after another: {args.appends / commit_s:,.0f}/s; "
              f"chain appends one after another / baseline = {commit_s / serial_s:.2f}")  # fmt: skip
        print(f"baseline from {args.threads} threads at once: {done / commit_parallel_s:,.0f}/s "
              f"({done / commit_parallel_s / (args.appends / commit_s):.2f} × one after another: commits share a "
              f"WAL flush; chain appends cannot)")  # fmt: skip
        print(f"chain checked: {len(breaks)} breaks, head #{audit.head()[0]}")
    finally:
        connection.close()

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as c:
            c.execute('DROP DATABASE IF EXISTS "xinyu_audit_append"')


if __name__ == "__main__":
    main()
