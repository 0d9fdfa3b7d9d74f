"""Roster import benchmark (issue 2, deliverable 15) — run by `make bench`, not by pytest.

Generates N students (guardian columns empty; --guardians fills them) to a CSV in a temp dir, imports it into a fresh PostgreSQL
database (xinyu_bench, created and dropped here) with the real importer, and in the same run loads the same
file with a raw ``COPY`` into a scratch table; prints rows/s and our/raw. Then the same on a fresh SQLite file
against raw ``executemany``. Each import runs in its own child process, and its peak memory is that child's
RSS high-water mark (``os.wait4`` → ``ru_maxrss``), so the parent's generation work does not count.

    .venv/bin/python bench/import_bench.py [--rows 100000 200000] [--pg postgres://postgres@127.0.0.1:5432]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCHOOLS = 60
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
HEADER = ["学籍号", "姓名", "性别", "出生日期", "学校代码", "校区", "年级", "班级", "学年",
          "监护人姓名", "监护人关系", "监护人手机"]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "子涵欣怡梓轩浩宇一诺雨桐宇轩可馨思远嘉怡俊杰诗涵"


def student_no(i: int) -> str:
    born = dt.date(2008, 9, 1) + dt.timedelta(days=i // 900)
    body = f"110108{born:%Y%m%d}{i % 900 + 100:03d}"
    return "G" + body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11], born


def generate(path: Path, n: int, guardians: bool) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            no, born = student_no(i)
            grade = 1 + (i // 7) % 12
            name = SURNAMES[i % 20] + GIVEN[(i * 7) % 24] + GIVEN[(i * 13) % 24]
            w.writerow([no, name, "男" if i % 2 else "女", born.isoformat(), f"BENCH-{i % SCHOOLS:03d}", "",
                        grade, f"{grade}年级{(i // 84) % 8 + 1}班", "",
                        *((name[0] + "家长", "母亲" if i % 3 else "父亲", f"13{i:09d}") if guardians else ("", "", ""))])  # fmt: skip


# --- child processes (a fresh interpreter per measured import) -----------------------------------------------------


def child(mode: str, database_url: str, csv_path: str = "") -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from org.models import Node, NodeKind, SchoolStage, SchoolYear

    if mode == "setup":
        call_command("migrate", verbosity=0)
        city = Node.objects.create(kind=NodeKind.CITY, name="北京市", code="110000")
        district = Node.objects.create(kind=NodeKind.DISTRICT, parent=city, name="海淀区", code="110108")
        for i in range(SCHOOLS):
            school = Node.objects.create(
                kind=NodeKind.SCHOOL, parent=district, name=f"学校{i}", code=f"BENCH-{i:03d}",
                stage=SchoolStage.TWELVE_YEAR,
            )  # fmt: skip
            Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"BENCH-{i:03d}-1")
        today = dt.date.today()
        start = today.year if today.month >= 8 else today.year - 1
        SchoolYear.objects.create(
            start_year=start, starts_on=dt.date(start, 9, 1), ends_on=dt.date(start + 1, 8, 31)
        )
        return
    from xinyu.web.roster.services import create_job, run_job

    node = Node.objects.get(code="110108")
    job = create_job(user=None, kind="students", node=node, original_name="bench.csv", path=csv_path)
    t0 = time.perf_counter()
    job = run_job(job.pk)
    seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {"status": job.status, "seconds": seconds, "summary": job.summary, "errors": job.errors[:3]}
        )
    )


def run_child(*args: str) -> tuple[dict | None, int]:
    """Run this script as a child; return its JSON line and its peak RSS in MB (ru_maxrss is in KB on Linux)."""
    p = subprocess.Popen([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, cwd=ROOT)
    out = p.stdout.read().decode()
    _pid, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode:
        raise SystemExit(f"child {args[0]} failed ({p.returncode}): {out}")
    line = out.strip().splitlines()[-1] if out.strip() else ""
    return (json.loads(line) if line.startswith("{") else None), usage.ru_maxrss // 1024


# --- raw loads ------------------------------------------------------------------------------------------------------


def raw_copy(pg_url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(pg_url) as conn:
        conn.execute("DROP TABLE IF EXISTS raw_scratch")
        conn.execute("CREATE TABLE raw_scratch (" + ", ".join(f"c{i} text" for i in range(len(HEADER))) + ")")
        conn.commit()
        t0 = time.perf_counter()
        with (
            open(path, "rb") as f,
            conn.cursor() as cur,
            cur.copy("COPY raw_scratch FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - t0
        conn.execute("DROP TABLE raw_scratch")
        conn.commit()
    return seconds


def floor_copy(pg_url: str, path: Path) -> float:
    """A second, different baseline — the database's own floor for what the import writes: COPY of rows already
    validated and resolved (untimed, done before the clock starts) into scratch copies of org_student and
    org_enrollment with the same indexes and constraints (``LIKE … INCLUDING ALL``) and the same deferred
    foreign keys, committed. Runs after our import, whose classes it reuses."""
    import psycopg

    with psycopg.connect(pg_url) as conn:
        schools = dict(conn.execute("SELECT code, id FROM org_node WHERE kind = 'school'").fetchall())
        classes = {(sid, grade, name): cid for cid, sid, grade, name in conn.execute(
            "SELECT id, school_id, grade, name FROM org_schoolclass").fetchall()}  # fmt: skip
        (year,) = conn.execute("SELECT id FROM org_schoolyear ORDER BY start_year DESC LIMIT 1").fetchone()
        now = dt.datetime.now(dt.UTC).isoformat()
        students, enrollments = [], []
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader)
            for i, r in enumerate(reader, start=1):
                sid, grade = schools[r[4]], int(r[6])
                students.append(
                    f"{i}\t{r[0]}\t{r[1]}\t{'M' if r[2] == '男' else 'F'}\t{r[3]}\t{now}\t{now}\n"
                )
                enrollments.append(f"{i}\t{sid}\t{classes[sid, grade, r[7]]}\t{year}\t{grade}\tactive\n")
        for t in ("student", "enrollment"):
            conn.execute(f"DROP TABLE IF EXISTS floor_{t}")
        conn.execute("CREATE TABLE floor_student (LIKE org_student INCLUDING ALL)")
        conn.execute("CREATE TABLE floor_enrollment (LIKE org_enrollment INCLUDING ALL)")
        fks = [("student_id", "floor_student"), ("school_id", "org_node"), ("school_class_id", "org_schoolclass"),
               ("school_year_id", "org_schoolyear")]  # fmt: skip
        for col, target in fks:
            conn.execute(f"ALTER TABLE floor_enrollment ADD FOREIGN KEY ({col}) REFERENCES {target} (id) "
                         "DEFERRABLE INITIALLY DEFERRED")  # fmt: skip
        conn.execute("ALTER TABLE floor_student ADD FOREIGN KEY (user_id) REFERENCES org_user (id) "
                     "DEFERRABLE INITIALLY DEFERRED")  # fmt: skip
        conn.commit()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            with cur.copy("COPY floor_student (id, student_no, name, gender, birth_date, created_at, updated_at) "
                          "FROM STDIN") as copy:  # fmt: skip
                for k in range(0, len(students), 5000):
                    copy.write("".join(students[k : k + 5000]))
            with cur.copy("COPY floor_enrollment (student_id, school_id, school_class_id, school_year_id, grade, "
                          "status) FROM STDIN") as copy:  # fmt: skip
                for k in range(0, len(enrollments), 5000):
                    copy.write("".join(enrollments[k : k + 5000]))
        conn.commit()
        seconds = time.perf_counter() - t0
        conn.execute("DROP TABLE floor_enrollment, floor_student")
        conn.commit()
    return seconds


def raw_executemany(db_path: Path, path: Path) -> float:
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TABLE IF EXISTS raw_scratch")
    conn.execute("CREATE TABLE raw_scratch (" + ", ".join(f"c{i} text" for i in range(len(HEADER))) + ")")
    conn.commit()
    t0 = time.perf_counter()
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        conn.executemany(f"INSERT INTO raw_scratch VALUES ({', '.join('?' * len(HEADER))})", reader)
    conn.commit()
    seconds = time.perf_counter() - t0
    conn.execute("DROP TABLE raw_scratch")
    conn.commit()
    conn.close()
    return seconds


# --- the run --------------------------------------------------------------------------------------------------------


def bench_backend(label: str, url: str, csv_path: Path, n: int, raw, floor=None) -> dict:
    run_child("setup", url)
    first, rss = run_child("import", url, str(csv_path))
    if first["status"] != "done":
        raise SystemExit(f"{label}: import {first['status']}: {first['errors']}")
    again, rss_again = run_child("import", url, str(csv_path))
    raw_s = raw()
    floor_s = floor(url, csv_path) if floor else None
    ours = n / first["seconds"]
    raw_rate = n / raw_s
    result = {
        "backend": label, "rows": n, "import_s": round(first["seconds"], 2), "rows_per_s": round(ours),
        "raw_s": round(raw_s, 2), "raw_rows_per_s": round(raw_rate), "ratio": round(ours / raw_rate, 3),
        "peak_rss_mb": rss, "reimport_s": round(again["seconds"], 2), "reimport_unchanged": again["summary"]["unchanged"],
        "reimport_peak_rss_mb": rss_again,
    }  # fmt: skip
    if floor_s is not None:
        result |= {"floor_s": round(floor_s, 2), "ratio_to_floor": round(floor_s / first["seconds"], 3)}
    print(
        f"{label:10s} {n:>7,} rows: import {first['seconds']:6.2f}s = {ours:>8,.0f} rows/s | raw "
        f"{raw_s:5.2f}s = {raw_rate:>9,.0f} rows/s | ours/raw {ours / raw_rate:5.3f} | peak RSS {rss} MB | "
        f"re-import (all unchanged) {again['seconds']:.2f}s, peak RSS {rss_again} MB",
        flush=True,
    )
    if floor_s is not None:
        print(
            f"{'':10s} second baseline (not the issue's): COPY of pre-validated rows into scratch copies of "
            f"org_student and org_enrollment (same indexes, constraints, deferred FKs) {floor_s:.2f}s; "
            f"ours/that {floor_s / first['seconds']:.3f}",
            flush=True,
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 200_000])
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"))
    parser.add_argument("--db", default="xinyu_bench")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--guardians", action="store_true", help="also fill the three guardian columns")
    args = parser.parse_args()
    import psycopg

    print("peak memory = the import process's RSS high-water mark (getrusage ru_maxrss via os.wait4)")
    results = []
    with tempfile.TemporaryDirectory(prefix="xinyu-bench-") as tmp:
        for n in args.rows:
            csv_path = Path(tmp) / f"students-{n}.csv"
            generate(csv_path, n, args.guardians)
            with_g = "with a guardian each" if args.guardians else "guardian columns empty"
            print(f"generated {n:,} students ({with_g}): {csv_path.stat().st_size / 1e6:.1f} MB", flush=True)
            admin = f"{args.pg}/postgres"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
                conn.execute(f'CREATE DATABASE "{args.db}"')
            url = f"{args.pg}/{args.db}"
            try:
                results.append(
                    bench_backend(
                        "postgresql", url, csv_path, n, lambda u=url, p=csv_path: raw_copy(u, p), floor_copy
                    )
                )
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
            if not args.no_sqlite:
                db_path = Path(tmp) / f"bench-{n}.sqlite3"
                results.append(
                    bench_backend("sqlite", f"sqlite:///{db_path}", csv_path, n,
                                  lambda d=db_path, p=csv_path: raw_executemany(d, p))
                )  # fmt: skip
            csv_path.unlink()
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
    else:
        main()
