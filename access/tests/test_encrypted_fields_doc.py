"""docs/security.md lists every encrypted field, with its tier, and nothing else (issue 8 item 5: "what is
encrypted documented"); rotate_keys visits every model that has one."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command

from access.fields import encrypted_fields

ROW = re.compile(r"^\| `(?P<field>[\w.]+)` \| (?P<tier>T[0-4]|key) \| .+ \|$")


def _documented() -> dict[str, str]:
    doc = (Path(settings.BASE_DIR) / "docs" / "security.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- encrypted_fields:begin -->\n(.*?)<!-- encrypted_fields:end -->", doc, re.S)
    assert m, "docs/security.md lost its encrypted_fields markers"
    rows = {}
    for line in m.group(1).splitlines()[2:]:
        row = ROW.match(line)
        assert row, f"not a field row: {line!r}"
        rows[row["field"]] = row["tier"]
    return rows


def _in_code() -> set[str]:
    return {f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in encrypted_fields(m)}


def test_the_security_doc_lists_every_encrypted_field_and_nothing_else():
    documented = _documented()
    code = _in_code()
    assert sorted(code - documented.keys()) == [], "encrypted fields missing from docs/security.md"
    assert sorted(documented.keys() - code) == [], "docs/security.md lists fields that are not encrypted"
    # T3 and T4 text, and authentication secrets ("key": the TOTP secret of access.mfa)
    assert set(documented.values()) <= {"T3", "T4", "key"}, "only T3 and T4 text and secrets are encrypted"


def test_rotate_keys_visits_every_model_with_an_encrypted_field(db, capsys):
    call_command("rotate_keys", "--dry-run")
    out = capsys.readouterr().out
    for label in {field.rsplit(".", 1)[0] for field in _in_code()}:
        assert f"\n{label}: " in out, label
