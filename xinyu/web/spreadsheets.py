"""Excel out: the one guard against formula injection (CSV/Excel injection) for every export."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

# A text cell starting with one of these can be run as a formula by Excel or WPS (OWASP "CSV injection").
FORMULA_STARTS = frozenset({"=", "+", "-", "@", "\t", "\r"})


def safe_cell(value: T) -> T | str:
    """Return ``value`` unchanged unless it is text that would start a formula: then prefix a quote."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
