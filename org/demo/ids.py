"""Resident identity numbers (居民身份证号码, GB 11643-1999) and national student numbers (学籍号).

A 学籍号 is "G" followed by the student's 18-character resident ID: a 6-digit division code, the birth date
(YYYYMMDD), a 3-digit sequence whose last digit is odd for males and even for females, and an ISO 7064
MOD 11-2 check character (0–9 or X).
"""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """The check character of an 18-character resident ID from its first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("the first 17 characters of a resident ID are digits")
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def resident_id(division_code: str, birth_date: dt.date, sequence: int) -> str:
    """An 18-character resident ID; ``sequence`` 0–999 (odd last digit: male, even: female)."""
    first17 = f"{division_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def is_valid_resident_id(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        dt.datetime.strptime(value[6:14], "%Y%m%d")
    except ValueError:
        return False
    return id_check_char(value[:17]) == value[17].upper()


def student_number(resident: str) -> str:
    """学籍号 = "G" + the resident ID."""
    return "G" + resident
