"""What the benchmarks share: a fresh, migrated database (a temporary SQLite file, or a PostgreSQL database made
and named here) with a throwaway data key, Django set up on it; and the percentile the tables print."""

from __future__ import annotations

import base64
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def fresh_django(name: str, pg: str = "") -> None:
    """Point Django at a new database ``xinyu_<name>`` on the PostgreSQL server ``pg`` (dropped first), or at a
    temporary SQLite file, set it up and migrate it."""
    if pg:
        import psycopg

        with psycopg.connect(f"{pg}/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "xinyu_{name}"')
            c.execute(f'CREATE DATABASE "xinyu_{name}"')
        os.environ["DATABASE_URL"] = f"{pg}/xinyu_{name}"
    else:
        tmp = tempfile.mkdtemp(prefix=f"{name}-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["XINYU_DATA_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
