"""Reading a roster file as a stream of rows: CSV in UTF-8 (with or without BOM), GBK/GB18030 (what Chinese
Excel writes) or UTF-16, and XLSX through openpyxl's read-only mode. Nothing holds the whole file."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

SNIFF_BYTES = 256 * 1024


class FileProblem(Exception):
    """The whole file is refused (encoding, format, header): nothing is imported."""

    def __init__(self, message: str, line: int = 0, column: str = ""):
        super().__init__(str(message))
        self.message, self.line, self.column = str(message), line, column


@dataclass
class Table:
    header: list[object]
    rows: Iterator[tuple[int, list[object]]]  # (line number in the file, cells)
    fraction_read: Callable[[], float]  # 0.0–1.0, for the progress bar
    close: Callable[[], None]
    text_only: bool = False  # every cell is a str (CSV); Excel cells may be numbers, dates or None


def open_table(path: str | Path, original_name: str = "") -> Table:
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head.strip():
        raise FileProblem(_("The file is empty."))
    name = (original_name or path.name).lower()
    if head.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        return _open_xlsx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("This is an old Excel .xls workbook; save it as .xlsx or CSV and upload again."))
    return _open_csv(path, head)


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise FileProblem(_("This is not a text (CSV) file. Upload a CSV or .xlsx file."))
    # Cut at the last line break so that a character split by the sniff window does not mislead us.
    cut = head.rfind(b"\n")
    sample = head[: cut + 1] if 0 < cut < len(head) - 1 else head
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileProblem(
        _(
            "The file's text encoding is neither UTF-8 nor GBK. Save it from Excel as “CSV UTF-8” and upload again."
        )
    )


def _open_csv(path: Path, head: bytes) -> Table:
    encoding = _detect_encoding(head)
    raw = open(path, "rb")  # noqa: SIM115 — closed by Table.close
    size = max(path.stat().st_size, 1)
    stream = io.TextIOWrapper(raw, encoding=encoding, newline="")
    first = head.decode(encoding, errors="ignore").split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(stream, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[object]]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as e:
                raise FileProblem(
                    _(
                        "Near line %(line)s the text is not %(encoding)s: the file mixes encodings or is damaged."
                    )
                    % {"line": reader.line_num + 1, "encoding": encoding.upper()},
                    line=reader.line_num + 1,
                ) from e
            except csv.Error as e:
                raise FileProblem(
                    _("Line %(line)s is not valid CSV (%(error)s).") % {"line": reader.line_num, "error": e},
                    line=reader.line_num,
                ) from e
            yield reader.line_num, cells

    it = rows()
    header = None
    try:
        for _line, cells in it:
            if any(c.strip() for c in cells):
                header = cells
                break
    except FileProblem:
        raw.close()
        raise
    if header is None:
        raw.close()
        raise FileProblem(_("The file is empty."))
    return Table(header, it, lambda: min(raw.tell() / size, 1.0), raw.close, text_only=True)


def _open_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    not_xlsx = _("This file is not a real Excel .xlsx workbook (it may be renamed or damaged). Save it again from Excel as .xlsx or CSV.")  # fmt: skip
    if not zipfile.is_zipfile(path):
        raise FileProblem(not_xlsx)
    try:
        # Formulas are read as their text (data_only=False) so that formula cells are refused, not run.
        wb = load_workbook(path, read_only=True, data_only=False)
        ws = wb.worksheets[0]
        rows_iter = ws.iter_rows(values_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError) as e:
        raise FileProblem(not_xlsx) from e
    total = ws.max_row or 0
    state = {"line": 0}

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            for line, cells in enumerate(rows_iter, start=1):
                state["line"] = line
                yield line, list(cells)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
            raise FileProblem(not_xlsx, line=state["line"]) from e

    it = rows()
    header = None
    for _line, cells in it:
        if any(c not in (None, "") for c in cells):
            header = cells
            break
    if header is None:
        wb.close()
        raise FileProblem(_("The file is empty."))
    return Table(header, it, lambda: min(state["line"] / total, 1.0) if total else 0.0, wb.close)
