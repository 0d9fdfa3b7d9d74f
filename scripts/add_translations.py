"""Add Simplified Chinese translations for msgids and recompile the catalogues.

    .venv/bin/python scripts/add_translations.py path/to/pairs.json   # {"English msgid": "中文", …}
                                                                     # with a context: "context\u0004msgid"
    .venv/bin/python scripts/add_translations.py                     # just re-extract and compile

Runs makemessages (zh_Hans and en), writes the given msgstr values (clearing "fuzzy"), reports any zh_Hans
msgid still untranslated, and compiles .mo files. Holds /tmp/xinyu-po.lock so that two engineers working in
one checkout do not overwrite each other's catalogue.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
IGNORE = ["-i", ".venv/*", "-i", "var/*", "-i", "bench/*", "-i", "scripts/*", "-i", "node_modules/*"]


def main() -> int:
    pairs: dict[str, str] = {}
    for arg in sys.argv[1:]:
        pairs.update(json.loads(Path(arg).read_text(encoding="utf-8")))
    with open("/tmp/xinyu-po.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for domain in ("django", "djangojs"):
            args = [
                PY,
                "manage.py",
                "makemessages",
                "-l",
                "zh_Hans",
                "-l",
                "en",
                "--no-obsolete",
                "--no-location",
                "-d",
                domain,
                *IGNORE,
            ]
            if domain == "djangojs":
                args += ["-i", "static/vendor/*"]
            subprocess.run(args, cwd=ROOT, check=True, capture_output=True)
        po_path = ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"
        po = polib.pofile(str(po_path))
        for entry in po:
            # A msgid with a context ({% translate "Name" context "of a thing" %}) is keyed "context\u0004msgid",
            # as gettext does; without such a key it takes the plain msgid's translation.
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            key = key if key in pairs else entry.msgid
            if key in pairs:
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: pairs[key]}
                else:
                    entry.msgstr = pairs[key]
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
        po.save()
        missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
        subprocess.run(
            [PY, "manage.py", "compilemessages", "-i", ".venv/*"], cwd=ROOT, check=True, capture_output=True
        )
    if missing:
        print(f"{len(missing)} msgid(s) without a zh_Hans translation:")
        for m in missing:
            print("  ", json.dumps(m, ensure_ascii=False))
    else:
        print("every msgid has a zh_Hans translation")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
