"""URL converters. ``<id:pk>`` is the house's ``<int:pk>``: at most 18 digits, so every value it lets through fits a
64-bit database key. Django's ``int`` takes any length, and an id of 20 digits overflowed SQLite's integer and
answered 500 (issue 19 finding 9); with ``id`` such a path simply does not match (404). A test
(xinyu/tests/test_converters.py) fails when a route uses ``int``."""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


def id_or_zero(value: object) -> int:
    """An id a form or a query string sent, as ``<id:…>`` would read it: 0 (matches no row) for anything else —
    ``abc``, an empty value, 20 digits — rather than an error (issue 19 finding 9: ``slot=abc`` answered 500)."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else 0
