"""Crisis-triage figures for docs/performance.md ("Crisis triage"): precision and recall of the lexicon
(counseling/data/triage_lexicon.yaml) on each labelled set, the misses and false alarms, and scoring speed.

    .venv/bin/python bench/triage_bench.py [--show]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

from counseling.centre.triage import DATA_DIR, lexicon, measure, read_labelled, score  # noqa: E402

SETS = [
    ("development (tuned on)", "triage_labelled.tsv"),
    ("held-out 1 (then tuned on)", "triage_heldout.tsv"),
    ("held-out 2 (then tuned on)", "triage_heldout2.tsv"),
    ("held-out 3 (untouched)", "triage_heldout3.tsv"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="print the misses and false alarms")
    args = parser.parse_args()
    print(f"lexicon v{lexicon().version}, threshold {lexicon().threshold}")
    print("| set | messages | crisis | TP | FN | FP | TN | recall | precision |")
    print("|---|---|---|---|---|---|---|---|---|")
    all_rows = []
    for label, name in SETS:
        rows = read_labelled(DATA_DIR / name)
        all_rows += rows
        m = measure(rows)
        print(
            f"| {label} | {m.n} | {m.tp + m.fn} | {m.tp} | {m.fn} | {m.fp} | {m.tn} | "
            f"{m.recall:.2f} | {m.precision:.2f} |"
        )
        if args.show:
            for r in m.misses:
                print(f"    MISS  [{r.category}] {r.text}")
            for r in m.false_alarms:
                print(f"    FALSE [{r.category}] {r.text}")
    texts = [r.text for r in all_rows] * 20
    start = time.perf_counter()
    for t in texts:
        score(t)
    elapsed = time.perf_counter() - start
    print(f"speed: {len(texts)} messages in {elapsed:.2f} s = {len(texts) / elapsed:,.0f} messages/s")


if __name__ == "__main__":
    main()
