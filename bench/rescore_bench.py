"""Re-scoring benchmark (issue 3, "Speed": re-score 1,000,000 stored responses at ≥ 50,000/s, and the ratio
against scoring them one by one in a Python loop) — not run by pytest.

Generates N random PHQ-A answer sheets as a numpy matrix (rows = responses, columns = the 13 items; about 1 % of
answers blank, items 1–9 skewed towards low values as in a school population), then in the same run:
  1. `screening.instruments.batch.score_many` over the whole matrix (best of --repeat runs; every run scores all N rows);
  2. `screening.instruments.scoring.score` one sheet at a time in a Python loop over a sample of --sample sheets (already
     converted to dicts outside the timed loop), extrapolated to N;
and checks that the two agree on the sample (totals, validity, levels). Prints both rates and the ratio.

    .venv/bin/python bench/rescore_bench.py [--rows 1000000] [--sample 50000] [--instrument phq-a] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")


def generate(inst, rows: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = np.empty((rows, len(inst.items)))
    for j, item in enumerate(inst.items):
        values = np.asarray(item.values, dtype=np.float64)
        weights = np.linspace(len(values), 1, len(values)) ** 4  # most students answer low
        m[:, j] = rng.choice(values, size=rows, p=weights / weights.sum())
    m[rng.random(m.shape) < 0.01] = np.nan
    return m


def row_to_answers(inst, row) -> dict:
    return {item.id: (None if np.isnan(v) else int(v)) for item, v in zip(inst.items, row, strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--instrument", default="phq-a")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from screening.instruments import load
    from screening.instruments.batch import score_many
    from screening.instruments.scoring import score

    inst = load(args.instrument)
    t = time.perf_counter()
    matrix = generate(inst, args.rows, args.seed)
    print(f"{inst.abbr} {inst.version}: {args.rows:,} random sheets × {len(inst.items)} items "
          f"generated in {time.perf_counter() - t:.2f} s")  # fmt: skip
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip

    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        result = score_many(inst, matrix)
        best = min(best, time.perf_counter() - t)
    batch_rate = args.rows / best
    levels, counts = np.unique(result.levels, return_counts=True)
    print(
        f"score_many: {args.rows:,} sheets in {best:.3f} s (best of {args.repeat}) = {batch_rate:,.0f} sheets/s"
    )
    print("  levels: " + ", ".join(f"{lv} {c:,}" for lv, c in zip(levels, counts, strict=True)))

    sample = min(args.sample, args.rows)
    sheets = [row_to_answers(inst, matrix[i]) for i in range(sample)]  # conversion not timed
    t = time.perf_counter()
    singles = [score(inst, a) for a in sheets]
    loop = time.perf_counter() - t
    loop_rate = sample / loop
    print(f"score() loop: {sample:,} sheets in {loop:.3f} s = {loop_rate:,.0f} sheets/s "
          f"(extrapolated to {args.rows:,}: {args.rows / loop_rate:.1f} s)")  # fmt: skip

    mismatches = sum(
        1
        for i, r in enumerate(singles)
        if r.level != result.levels[i]
        or r.valid != result.valid[i]
        or not (
            (r.scores["total"] is None and np.isnan(result.scores["total"][i]))
            or r.scores["total"] == result.scores["total"][i]
        )
    )
    print(f"agreement on the sample: {sample - mismatches:,}/{sample:,}")
    print(f"ratio batch/loop: {batch_rate / loop_rate:,.0f}×   target ≥ 50,000 sheets/s: "
          f"{'met' if batch_rate >= 50_000 else 'NOT met'}")  # fmt: skip
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
