"""docs/access.md shows the tier table as implemented: its table is the output of `manage.py access_table`."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command


def test_the_access_doc_shows_the_tier_table_the_code_enforces():
    doc = (Path(settings.BASE_DIR) / "docs" / "access.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- access_table:begin -->\n(.*?)<!-- access_table:end -->", doc, re.S)
    assert m, "docs/access.md lost its access_table markers"
    out = StringIO()
    call_command("access_table", stdout=out)
    assert m.group(1) == out.getvalue(), (
        "run `manage.py access_table` and paste its output into docs/access.md"
    )
