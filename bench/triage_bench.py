"""Crisis-triage figures for docs/performance.md ("Crisis triage"): precision and recall on each labelled set of
the lexicon alone (counseling/data/triage_lexicon.yaml) and of the triage as it runs (lexicon OR the character
n-gram model, counseling/data/triage_ngram.json, trained by bench/triage_train.py on the training sets only),
the misses and false alarms, and scoring speed.

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

from counseling.centre.triage import DATA_DIR, lexicon, measure, ngram_model, read_labelled, score  # noqa: E402

SETS = [
    ("development (tuned on)", "triage_labelled.tsv"),
    ("held-out 1 (then tuned on)", "triage_heldout.tsv"),
    ("held-out 2 (then tuned on)", "triage_heldout2.tsv"),
    ("training 4 (model only)", "triage_train4.tsv"),
    ("held-out 3 (untouched)", "triage_heldout3.tsv"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", action="store_true", help="print the misses and false alarms")
    args = parser.parse_args()
    model = ngram_model()
    print(
        f"lexicon v{lexicon().version}, threshold {lexicon().threshold}; n-gram model threshold {model.threshold}"
    )
    print(
        "| set | messages | crisis | lexicon alone: recall / precision | lexicon OR model: TP | FN | FP | TN | recall | precision |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    all_rows = []
    for label, name in SETS:
        rows = read_labelled(DATA_DIR / name)
        all_rows += rows
        alone = measure(rows, use_model=False)
        m = measure(rows)
        print(
            f"| {label} | {m.n} | {m.tp + m.fn} | {alone.recall:.2f} / {alone.precision:.2f} | {m.tp} | {m.fn} | "
            f"{m.fp} | {m.tn} | {m.recall:.2f} | {m.precision:.2f} |"
        )
        if (
            args.show and "untouched" not in label
        ):  # the untouched set's texts are not printed: nobody tunes on them
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
