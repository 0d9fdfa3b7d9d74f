"""Disclosure-control audit benchmark (issue 19, build 1): how long ``access.disclosure`` takes to protect and
audit the tables a city publishes, on counts drawn like a city's (16 districts, 78 schools each; a school's
sensitive count is 0–4 about half the time). No database: the audit is pure computation.

    .venv/bin/python bench/disclosure_bench.py [--seed 1] [--repeat 3]

Prints one line per table shape: cells, hidden ("<5" and "×"), linear programs solved, seconds (best of
``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402

from access.disclosure import hierarchy, protect, two_way  # noqa: E402
from supervision.dashboards.privacy import protect_pairs, suppress_table  # noqa: E402

DISTRICTS, SCHOOLS, SENSITIVE_INDICATORS = 16, 78, 6


def school_pair(rnd: random.Random) -> tuple[int, int]:
    d = rnd.choice([0, 1, 2, 3, 4, 6, 9, 14, 25, 40])
    return rnd.randint(0, d), d


def city(rnd: random.Random) -> list[list[tuple[int, int]]]:
    return [[school_pair(rnd) for _s in range(SCHOOLS)] for _d in range(DISTRICTS)]


def total(cells) -> tuple[int, int]:
    return sum(n for n, _d in cells), sum(d for _n, d in cells)


def city_page(data) -> int:
    """The city's table of one indicator: 16 districts and the city (numerators and denominators)."""
    districts = [total(schools) for schools in data]
    suppress_table(districts, total(districts), True)
    return 2 * (DISTRICTS + 1)


def district_page(data) -> int:
    """One district's table audited with the city's table as published (what every district page does)."""
    districts = [total(schools) for schools in data]
    shown, city_total = suppress_table(districts, total(districts), True)
    cells = [*districts, *data[0]]
    groups = [(total(districts), list(range(DISTRICTS))), (0, list(range(DISTRICTS, DISTRICTS + SCHOOLS)))]
    given = [*shown, *[None] * SCHOOLS]
    protect_pairs(cells, groups, forced=given, fixed=given, forced_groups=[city_total, None],
                  fixed_groups=[city_total, None])  # fmt: skip
    return 2 * len(cells) + 2


def whole_tree(data) -> tuple:
    """The whole city at once: city → 16 districts → 1,248 schools, numerators only (one hierarchical table)."""
    tree = {"city": [f"d{i}" for i in range(DISTRICTS)]}
    values = {}
    for i, schools in enumerate(data):
        tree[f"d{i}"] = [f"d{i}s{j}" for j in range(SCHOOLS)]
        values.update({f"d{i}s{j}": n for j, (n, _d) in enumerate(schools)})
        values[f"d{i}"] = sum(n for n, _d in schools)
    values["city"] = sum(values[f"d{i}"] for i in range(DISTRICTS))
    table, _ = hierarchy(tree, values)
    return table


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    cities = [city(rnd) for _i in range(SENSITIVE_INDICATORS)]

    def best(fn) -> float:
        times = []
        for _r in range(args.repeat):
            cache.clear()  # the audit is cached by table contents: measure it uncached
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    t = best(lambda: [city_page(c) for c in cities])
    print(
        f"city page, {SENSITIVE_INDICATORS} sensitive indicators × {DISTRICTS} districts (n and d): {t * 1000:.0f} ms"
    )
    t = best(lambda: [district_page(c) for c in cities])
    print(f"district page, {SENSITIVE_INDICATORS} indicators × (16 districts + {SCHOOLS} schools, with the city's table): "
          f"{t * 1000:.0f} ms")  # fmt: skip
    t0 = time.perf_counter()
    for c in cities:
        district_page(c)
    print(
        f"district page again (audits cached by table contents): {(time.perf_counter() - t0) * 1000:.1f} ms"
    )
    levels = [[rnd.choice([0, 1, 3, 8, 20, 60]) for _c in range(4)] for _d in range(DISTRICTS)]
    table, _ = two_way(levels)
    p = protect(table, use_cache=False)
    t = best(lambda: protect(table, use_cache=False))
    print(f"two-way, {DISTRICTS} districts × 4 levels with row, column and grand totals: {len(table.values)} cells, "
          f"{len(p.primary)} <5 + {len(p.secondary)} ×, {p.programs} programs, {t * 1000:.0f} ms")  # fmt: skip
    table = whole_tree(cities[0])
    t0 = time.perf_counter()
    p = protect(table, use_cache=False)
    t = time.perf_counter() - t0
    print(f"whole city tree, one indicator: {len(table.values)} cells, {len(p.primary)} <5 + {len(p.secondary)} ×, "
          f"{p.programs} programs, {t:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
