"""Train the crisis triage's character n-gram model (counseling/data/triage_ngram.json) on the TRAINING sets only:
triage_labelled.tsv, triage_heldout.tsv, triage_heldout2.tsv (tuned on, so training data), triage_train4.tsv,
triage_train5.tsv, triage_train6.tsv and triage_train7.tsv (three classes; the model learns crisis = imminent or
risk). Held-out 3, 5 and 6 are never read here (lexicon v9 was tuned on them; the model is not trained on them). The text is normalised first (normalise.py, through ``grams``). Logistic regression on binary character 1–3-grams of the masked text
(the lexicon's benign idioms blanked first), L2-regularised — the training code is counseling/centre/training.py,
which ``manage.py triage_retrain`` also uses (with the counselors' labels). Prints 5-fold cross-validated recall and
precision of "lexicon OR model" at several thresholds on the training data. Then (v9, issue 16) the imminent-vs-rest
model counseling/data/triage_imminent.json, on the three-class rows of the same sets and training set 8
(``training.imminent_rows``). v10 (issue 16, i16rec): ``--imminent-only`` writes only the imminent model — the crisis
model in use is v9's (retrained on v10's reading it found fewer of held-out 7's crisis messages (0.964 → 0.959),
docs/performance.md, Issue 16 — v10).

    .venv/bin/python bench/triage_train.py [--threshold 0.5] [--l2 0.02] [--imminent-only]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

from counseling.centre.training import (  # noqa: E402
    IMMINENT_TRAINING,
    TRAINING,
    fit,
    imminent_rows,
    train_imminent,
    training_rows,
    write_model,
)
from counseling.centre.triage import IMMINENT_MODEL_PATH, MODEL_PATH, NgramModel, score  # noqa: E402


def prob(weights: dict[str, float], bias: float, text: str) -> float:
    return NgramModel(0.5, bias, weights).probability(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--l2", type=float, default=0.02)
    ap.add_argument("--imminent-threshold", type=float, default=0.7)
    ap.add_argument("--imminent-only", action="store_true", help="write only the imminent model")
    args = ap.parse_args()
    if not args.imminent_only:
        crisis_model(args)
    imminent_model(args)


def crisis_model(args) -> None:
    rows = training_rows()
    texts, labels = [r.text for r in rows], [int(r.crisis) for r in rows]
    lex_flag = [score(t, use_model=False).crisis for t in texts]
    order = list(range(len(rows)))
    random.Random(7).shuffle(order)
    folds = [order[i::5] for i in range(5)]
    probs = [0.0] * len(rows)
    for k in range(5):
        test = set(folds[k])
        train = [i for i in order if i not in test]
        w, b = fit([texts[i] for i in train], [labels[i] for i in train], args.l2)
        for i in test:
            probs[i] = prob(w, b, texts[i])
    print(
        f"5-fold CV on {len(rows)} training messages ({sum(labels)} crisis); lexicon alone / lexicon OR model:"
    )
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        for name, flags in (
            ("lexicon", lex_flag),
            (f"OR model≥{t}", [a or p >= t for a, p in zip(lex_flag, probs, strict=True)]),
        ):
            tp = sum(1 for f, y in zip(flags, labels, strict=True) if f and y)
            fp = sum(1 for f, y in zip(flags, labels, strict=True) if f and not y)
            fn = sum(1 for f, y in zip(flags, labels, strict=True) if not f and y)
            print(f"  {name:16} recall {tp / (tp + fn):.2f} precision {tp / max(1, tp + fp):.2f}")
    w, b = fit(texts, labels, args.l2)
    write_model(
        NgramModel(args.threshold, b, w),
        MODEL_PATH,
        about="crisis triage character 1-3-gram logistic regression; bench/triage_train.py; trained on "
        + ", ".join(TRAINING),
    )
    print(f"wrote {MODEL_PATH} ({len(w)} n-grams, threshold {args.threshold})")


def imminent_model(args) -> None:
    # v9 (issue 16): the imminent-vs-rest model, on the three-class rows and the older sets' non-crisis rows
    rows = imminent_rows()
    imminent = train_imminent(rows, l2=args.l2, threshold=args.imminent_threshold)
    write_model(
        imminent,
        IMMINENT_MODEL_PATH,
        about="imminent danger vs the rest, character 1-3-gram logistic regression; bench/triage_train.py; trained "
        f"on the three-class rows of {', '.join(IMMINENT_TRAINING)} and their other sets' non-crisis rows ({len(rows)} rows, "
        f"{sum(r.imminent for r in rows)} imminent)",
    )
    print(
        f"wrote {IMMINENT_MODEL_PATH} ({len(imminent.weights)} n-grams, threshold {args.imminent_threshold})"
    )


if __name__ == "__main__":
    main()
