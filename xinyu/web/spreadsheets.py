"""Excel out: the one guard against formula injection (CSV/Excel injection) for every export."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.http import HttpResponse

T = TypeVar("T")

# A text cell starting with one of these can be run as a formula by Excel or WPS (OWASP "CSV injection").
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def safe_cell(value: T) -> T | str:
    """Return ``value`` unchanged unless it is text that would start a formula: then prefix a quote."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(workbook, filename: str) -> HttpResponse:
    """A workbook as a download (the whole file: exports here are per campaign or per job, not streamed)."""
    buf = io.BytesIO()
    workbook.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@contextmanager
def uploaded_sheet(upload) -> Iterator[str]:
    """An uploaded CSV or .xlsx sheet as a temporary file's path (the importers read a path), removed afterwards."""
    suffix = ".xlsx" if upload.name.lower().endswith(".xlsx") else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as f:
        for chunk in upload.chunks():
            f.write(chunk)
        f.flush()
        yield f.name
