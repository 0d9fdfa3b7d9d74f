"""Crisis-triage figures for docs/performance.md ("Crisis triage"), issue 16: on every labelled set, who wrote it,
recall and precision of the imminent class (紧急危险) and of crisis (= imminent or risk) with Wilson 95% intervals,
the lexicon alone beside the triage as it runs (lexicon OR the n-gram model), recall or false-alarm rate per
category, and the time to triage one message (normalising included).

    .venv/bin/python bench/triage_bench.py [--show] [--set triage_heldout7.tsv]
    .venv/bin/python bench/triage_bench.py --file /path/to/sealed.tsv   # any labelled TSV, its texts never printed

A TSV has one message a line: label (imminent / risk / none, or 1 / 0), a tab, a category, a tab, the text; lines
starting with "#" and a "label<TAB>category<TAB>text" header are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")

from counseling.centre.triage import (  # noqa: E402
    DATA_DIR,
    imminent_model,
    lexicon,
    measure,
    measure_imminent,
    ngram_model,
    read_labelled,
    score,
    wilson,
)

# (name, file, who wrote it, held out?) — a held-out set is never tuned on and never trained on
SETS = [
    ("development", "triage_labelled.tsv", "this team, to build the lexicon (issue 4)", False),
    ("held-out 1 (then tuned on)", "triage_heldout.tsv", "this team (issue 4)", False),
    ("held-out 2 (then tuned on)", "triage_heldout2.tsv", "this team (issue 4)", False),
    ("training 4 (model only)", "triage_train4.tsv", "this team (issue 5)", False),
    ("training 5 (3 classes)", "triage_train5.tsv", "a helper session, 2026-12-07 (issue 16)", False),
    ("training 6 (3 classes)", "triage_train6.tsv", "a helper session, 2026-12-07 (issue 16)", False),
    (
        "training 7 (3 classes)",
        "triage_train7.tsv",
        "helper session i16imm, 2026-12-07, before reading set 6",
        False,
    ),
    (
        "training 8 (3 classes)",
        "triage_train8.tsv",
        "helper session i16rec, 2026-12-08, without reading held-out 7 (batches B, C, D scored before tuning)",
        False,
    ),
    (
        "held-out 5 (measured at v7; lexicon v9 tuned on it)",
        "triage_heldout5.tsv",
        "a helper session, 2026-12-07",
        False,
    ),
    (
        "held-out 6 (measured at v8, v9-draft; lexicon v9 tuned on it)",
        "triage_heldout6.tsv",
        "a helper session, 2026-12-07, after v8",
        False,
    ),
    (
        "held-out 3 (lexicon v9 read its misses)",
        "triage_heldout3.tsv",
        "this team, after lexicon v5 (issue 5)",
        True,
    ),
    # dropped into counseling/data/ by the lead to measure the frozen triage once; its texts are never printed
    (
        "held-out 7 (measured once sealed, now seen)",
        "triage_heldout7.tsv",
        "helper session i16held, sealed from the tuning session",
        True,
    ),
    (
        "held-out 8 (measured once sealed at v10, now seen)",
        "triage_heldout8.tsv",
        "helper session sealed8, before reading any triage code or data",
        True,
    ),
]


def ci(k: int, n: int) -> str:
    lo, hi = wilson(k, n)
    return f"{k / n:.2f} [{lo:.2f}–{hi:.2f}]" if n else "–"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--show", action="store_true", help="print misses and false alarms (not of held-out sets)"
    )
    parser.add_argument(
        "--set", help="only this file, e.g. triage_heldout7.tsv (a set missing here is skipped)"
    )
    parser.add_argument(
        "--file", help="score this labelled TSV (anywhere) as a held-out set: figures only, no texts"
    )
    args = parser.parse_args()
    if args.file:
        path = Path(args.file).resolve()
        if not path.exists():
            sys.exit(f"no file {path}")
        sets = [(f"{path.name} (given)", path, "given on the command line", True)]
    else:
        sets = [s for s in SETS if (DATA_DIR / s[1]).exists() and (not args.set or s[1] == args.set)]
    if not sets:
        sys.exit(f"no labelled set {args.set or ''} in {DATA_DIR}")
    model = ngram_model()
    print(
        f"lexicon v{lexicon().version}, threshold {lexicon().threshold}; n-gram model threshold {model.threshold}; "
        f"imminent model threshold {imminent_model().threshold if imminent_model() else '– (none)'}"
    )
    print("Wilson 95% intervals in brackets. crisis = imminent or risk.\n")
    print(
        "| set | written by | messages | crisis recall | crisis precision | lexicon alone recall / precision |"
        " imminent recall | imminent precision |"
    )
    print("|---|---|---|---|---|---|---|---|")
    all_rows = []
    for label, name, who, held in sets:
        rows = read_labelled(DATA_DIR / name)
        all_rows += rows
        alone, m, imm = measure(rows, use_model=False), measure(rows), measure_imminent(rows)
        imm_cols = (
            f"{ci(imm.tp, imm.tp + imm.fn)} | {ci(imm.tp, imm.tp + imm.fp)}"
            if imm.n
            else "– (0/1 labels) | –"
        )
        print(
            f"| {label} | {who} | {m.n} | {ci(m.tp, m.tp + m.fn)} | {ci(m.tp, m.tp + m.fp)} | "
            f"{alone.recall:.2f} / {alone.precision:.2f} | {imm_cols} |"
        )
        if args.show and not held:  # held-out texts are not printed: nobody tunes on them
            for r in m.misses + imm.misses:
                print(f"    MISS  [{r.risk_class or 'crisis'}/{r.category}] {r.text}")
            for r in m.false_alarms + imm.false_alarms:
                print(f"    FALSE [{r.risk_class or 'none'}/{r.category}] {r.text}")
    print(
        "\nPer category (three-class sets): imminent → found as imminent; risk → found as crisis; none → not flagged"
    )
    print("| set | label | category | n | passed |")
    print("|---|---|---|---|---|")
    for label, name, _who, _held in sets:
        groups: dict[tuple[str, str], list[bool]] = defaultdict(list)
        for r in read_labelled(DATA_DIR / name):
            if not r.risk_class:
                continue
            t = score(r.text)
            ok = t.imminent if r.imminent else t.crisis if r.crisis else not t.crisis
            groups[(r.risk_class, r.category)].append(ok)
        for (cls, cat), oks in sorted(groups.items()):
            print(f"| {label} | {cls} | {cat} | {len(oks)} | {ci(sum(oks), len(oks))} |")
    texts = [r.text for r in all_rows] * 10
    score(texts[0])  # loading the data files is not a message's time
    start = time.perf_counter()
    for t in texts:
        score(t)
    elapsed = time.perf_counter() - start
    print(
        f"\nspeed: {len(texts)} messages in {elapsed:.2f} s = {elapsed / len(texts) * 1000:.2f} ms per message "
        f"({len(texts) / elapsed:,.0f} messages/s), normalising included"
    )


if __name__ == "__main__":
    main()
