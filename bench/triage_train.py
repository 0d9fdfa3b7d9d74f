"""Train the crisis triage's character n-gram model (counseling/data/triage_ngram.json) on the TRAINING sets only:
triage_labelled.tsv, triage_heldout.tsv, triage_heldout2.tsv (tuned on, so training data), triage_train4.tsv and
triage_train5.tsv and triage_train6.tsv (three classes; the model learns crisis = imminent or risk).
triage_heldout3.tsv, triage_heldout5.tsv and triage_heldout6.tsv are never read here. The text is normalised first (normalise.py, through ``grams``). Logistic regression on binary character 1–3-grams of the masked text
(the lexicon's benign idioms blanked first), L2-regularised, full-batch gradient descent with numpy; n-grams
seen fewer than twice are dropped, weights near zero are not stored. Prints 5-fold cross-validated recall and
precision of "lexicon OR model" at several thresholds on the training data.

    .venv/bin/python bench/triage_train.py [--threshold 0.5] [--l2 0.02]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

from counseling.centre.triage import DATA_DIR, MODEL_PATH, grams, read_labelled, score  # noqa: E402

TRAINING = [
    "triage_labelled.tsv",
    "triage_heldout.tsv",
    "triage_heldout2.tsv",
    "triage_train4.tsv",
    "triage_train5.tsv",
    "triage_train6.tsv",
]


def fit(texts: list[str], labels: list[int], l2: float, steps: int = 600) -> tuple[dict[str, float], float]:
    counts: dict[str, int] = {}
    feats = [grams(t) for t in texts]
    for f in feats:
        for g in f:
            counts[g] = counts.get(g, 0) + 1
    vocab = {g: i for i, g in enumerate(sorted(g for g, c in counts.items() if c >= 2))}
    x = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for r, f in enumerate(feats):
        for g in f:
            if g in vocab:
                x[r, vocab[g]] = 1.0
    y = np.array(labels, dtype=np.float32)
    w = np.zeros(len(vocab), dtype=np.float32)
    b = 0.0
    lr = 0.5
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad = x.T @ (p - y) / len(y) + l2 * w
        w -= lr * grad
        b -= lr * float((p - y).mean())
    weights = {g: round(float(w[i]), 4) for g, i in vocab.items() if abs(w[i]) >= 0.002}
    return weights, round(b, 4)


def prob(weights: dict[str, float], bias: float, text: str) -> float:
    z = bias + sum(weights.get(g, 0.0) for g in grams(text))
    return 1 / (1 + np.exp(-z))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--l2", type=float, default=0.02)
    args = ap.parse_args()
    rows = [r for name in TRAINING for r in read_labelled(DATA_DIR / name)]
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
    MODEL_PATH.write_text(
        json.dumps(
            {
                "about": "crisis triage character 1-3-gram logistic regression; bench/triage_train.py; trained on "
                + ", ".join(TRAINING),
                "threshold": args.threshold,
                "bias": b,
                "weights": dict(sorted(w.items())),
            },
            ensure_ascii=False,
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {MODEL_PATH} ({len(w)} n-grams, threshold {args.threshold})")


if __name__ == "__main__":
    main()
