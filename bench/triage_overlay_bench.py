"""Time to triage one message with a district's own terms laid over the shipped files (issue 16 build 2), beside
the shipped files alone — the same messages and the same timing as ``bench/triage_bench.py`` (every labelled row,
ten times; normalising included). The overlay here is ``--terms`` made-up terms, half slang and half phrases, a
larger list than a district is expected to keep; the composed tables come from ``overlay.compose`` as
``overlay.tables`` builds them (the per-district cache is a dict lookup and one cache read per message).

    .venv/bin/python bench/triage_overlay_bench.py [--terms 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinyu.settings")


def main() -> None:
    import django

    django.setup()
    from counseling.centre import overlay, triage

    parser = argparse.ArgumentParser()
    parser.add_argument("--terms", type=int, default=40)
    args = parser.parse_args()
    terms = [
        overlay.Draft(
            kind="slang" if i % 2 else "phrase", form=f"暗语{i:03d}号", meaning="自杀", imminent=i % 4 == 0
        )
        for i in range(args.terms)
    ]
    lex, data = overlay.compose(terms)
    texts = [r.text for r in overlay.labelled_rows()] * 10
    for label, kwargs in (("shipped files", {}), (f"with {args.terms} district terms", {"slang": data})):
        use = lex if kwargs else None
        triage.score(texts[0], use, **kwargs)  # loading the data files is not a message's time
        start = time.perf_counter()
        for t in texts:
            triage.score(t, use, **kwargs)
        elapsed = time.perf_counter() - start
        print(
            f"{label}: {len(texts)} messages in {elapsed:.2f} s = {elapsed / len(texts) * 1000:.3f} ms per message"
        )
    start = time.perf_counter()
    overlay.compose(terms)
    print(f"compiling the district's tables (once per change): {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
