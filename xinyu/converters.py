"""URL converters. ``<id:pk>`` is the house's ``<int:pk>``: at most 18 digits, so every value it lets through fits a
64-bit database key. Django's ``int`` takes any length, and an id of 20 digits overflowed SQLite's integer and
answered 500 (issue 19 finding 9); with ``id`` such a path simply does not match (404). A test
(xinyu/tests/test_converters.py) fails when a route uses ``int``."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_date, parse_datetime


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


def date_or_none(value: object) -> dt.date | None:
    """A date a form or a query string sent (``2026-09-01``), or None for anything else. Django's ``parse_date``
    raises on a well-formed impossible date (``2026-02-30``): that answered 500 (issue 19 build 6, the form fuzz)."""
    try:
        return parse_date(str(value or "").strip())
    except ValueError:
        return None


def datetime_or_none(value: object) -> dt.datetime | None:
    """A date and time a form sent (naive or aware, as written), or None for anything else, impossible ones too."""
    try:
        return parse_datetime(str(value or "").strip())
    except ValueError:
        return None
