"""Backup, restore and the database fingerprint (issue 8 item 9; 等保 level 3: data backup and recovery).

- SQLite (the embedded default): the online backup API (``sqlite3.Connection.backup``) — a consistent copy
  while the site keeps running, WAL included. Restore copies the pages back the same way, with Django's
  connections closed.
- PostgreSQL: ``pg_dump -Fc`` with the connection of ``DATABASES["default"]``; restore with ``pg_restore --clean
  --if-exists --single-transaction`` (all or nothing).

Encrypted fields (access.crypto) are dumped as stored — ciphertext. The data keys are not in the database and so
not in a backup: a backup is restorable only together with the key ring kept apart from it (docs/deploy.md).

``fingerprint`` gives, per table, the row count and an order-independent hash of the rows (the sum of the rows'
SHA-256 modulo 2²⁵⁶), so a restore drill compares before and after regardless of the rows' physical order.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connections

MOD = 2**256
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why (and nothing was changed)."""


@dataclass(frozen=True)
class TablePrint:
    rows: int
    digest: str


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"unsupported database backend: {vendor}")
    return vendor


def _canonical(value) -> str:
    if isinstance(value, memoryview):
        value = bytes(value)
    return repr(value)


def fingerprint(alias: str = "default", batch: int = 2000) -> dict[str, TablePrint]:
    """Per table: the number of rows and an order-independent hash of their contents."""
    conn = connections[alias]
    out: dict[str, TablePrint] = {}
    with conn.cursor() as cursor:
        tables = sorted(conn.introspection.table_names(cursor, include_views=False))
        for table in tables:
            cursor.execute(f"SELECT * FROM {conn.ops.quote_name(table)}")  # noqa: S608 (introspected name)
            total, count = 0, 0
            while rows := cursor.fetchmany(batch):
                for row in rows:
                    h = hashlib.sha256("\x1f".join(_canonical(v) for v in row).encode()).digest()
                    total = (total + int.from_bytes(h, "big")) % MOD
                    count += 1
            out[table] = TablePrint(count, f"{total:064x}")
    return out


def table_names(alias: str = "default") -> list[str]:
    conn = connections[alias]
    with conn.cursor() as cursor:
        return conn.introspection.table_names(cursor, include_views=False)


# --- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_raw(alias: str) -> sqlite3.Connection:
    conn = connections[alias]
    conn.ensure_connection()
    return conn.connection


def _check_sqlite_file(path: Path) -> None:
    with open(path, "rb") as fh:
        if fh.read(16) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not an SQLite backup")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = src.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        src.close()
    if ok != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {ok}")


def _sqlite_backup(alias: str, out: Path) -> None:
    tmp = out.with_name(out.name + ".part")
    dst = sqlite3.connect(tmp)
    try:
        _sqlite_raw(alias).backup(dst)  # online: readers and writers go on; a consistent snapshot
    finally:
        dst.close()
    os.replace(tmp, out)


def _sqlite_restore(alias: str, path: Path) -> None:
    _check_sqlite_file(path)
    conn = connections[alias]
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.is_in_memory_db():
            # An in-memory database (tests) lives only in its connection: copy into that one.
            src.backup(_sqlite_raw(alias))
        else:
            connections.close_all()
            dst = sqlite3.connect(conn.settings_dict["NAME"], timeout=30)
            try:
                src.backup(dst)  # page by page, under SQLite's own locks (WAL and -shm stay consistent)
            finally:
                dst.close()
    finally:
        src.close()


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _pg_args_env(alias: str) -> tuple[list[str], dict[str, str], str]:
    s = connections[alias].settings_dict
    args: list[str] = []
    if s.get("HOST"):
        args += ["-h", str(s["HOST"])]
    if s.get("PORT"):
        args += ["-p", str(s["PORT"])]
    if s.get("USER"):
        args += ["-U", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])  # in the child's environment, never on its command line
    options = (s.get("OPTIONS") or {}).get("options")
    if options:
        env["PGOPTIONS"] = options
    sslmode = (s.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return args, env, str(s["NAME"])


def _run(cmd: list[str], env: dict[str, str]) -> None:
    if not shutil.which(cmd[0]):
        raise BackupError(f"{cmd[0]} not found (install the PostgreSQL client tools)")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)  # noqa: S603 (fixed argv)
    if proc.returncode != 0:
        raise BackupError(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")


def _pg_backup(alias: str, out: Path) -> None:
    args, env, name = _pg_args_env(alias)
    tmp = out.with_name(out.name + ".part")
    _run(["pg_dump", "-Fc", *args, "-f", str(tmp), name], env)
    os.replace(tmp, out)


def _pg_restore(alias: str, path: Path) -> None:
    args, env, name = _pg_args_env(alias)
    _run(["pg_restore", "--list", str(path)], env)  # a readable custom-format archive, or refuse
    connections.close_all()
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            *args,
            "-d",
            name,
            str(path),
        ],
        env,
    )


# --- the operations -------------------------------------------------------------------------------------------


def backup(out: str | os.PathLike, alias: str = "default") -> Path:
    """Write a backup of the database to ``out`` (written to ``out.part`` and renamed when complete)."""
    path = Path(out)
    if path.is_dir():
        raise BackupError(f"{path} is a directory; give a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor(alias) == "sqlite":
        _sqlite_backup(alias, path)
    else:
        _pg_backup(alias, path)
    return path


def restore(path: str | os.PathLike, alias: str = "default", force: bool = False) -> None:
    """Replace the database's contents with the backup at ``path``. Refuses a target that already holds tables
    unless ``force`` (a restore over live data is a decision, not a default)."""
    src = Path(path)
    if not src.is_file():
        raise BackupError(f"{src}: no such backup file")
    vendor = _vendor(alias)
    existing = table_names(alias)
    if existing and not force:
        raise BackupError(
            f"the target database is not empty ({len(existing)} tables); restore replaces it — add --force"
        )
    if vendor == "sqlite":
        _sqlite_restore(alias, src)
    else:
        _pg_restore(alias, src)
