"""Cleaning one cell of a roster file. Each function takes what the reader gave (text, or a date/number from an
Excel cell) and returns the normalised value or raises :class:`CellError` with a translatable reason."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from org.models import Gender, Relation, Role


class CellError(ValueError):
    pass


FORMULA_STARTS = "=+-@"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_RESIDENT_ID = re.compile(r"[1-9]\d{16}[\dX]")
_L_NUMBER = re.compile(r"[0-9A-Z]{18}")
_PHONE = re.compile(r"1[3-9]\d{9}")
_DATE_PATTERNS = (
    re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
)
_SPACES = re.compile(r"\s+")


def text(value: object) -> str:
    """A cell as text: full-width letters and digits folded to half-width (NFKC), outer spaces stripped.
    Cells that would run as a formula in a spreadsheet are refused (formula injection)."""
    if value.__class__ is not str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    s = value.strip()
    if not s:
        return ""
    if not s.isascii():
        s = unicodedata.normalize("NFKC", s).strip()
        if not s:
            return ""
    if s[0] in FORMULA_STARTS:
        raise CellError(
            _("The cell starts with “%(char)s”, which a spreadsheet would run as a formula.") % {"char": s[0]}
        )
    if _CONTROL.search(s):
        raise CellError(_("The cell contains a control character (tab, line break) or a backslash."))
    return s


# The check character → the weighted digit sum (mod 11) it stands for.
ID_CHECK_VALUE = {c: i for i, c in enumerate(_ID_CHECK)}


def resident_id_ok(number: str) -> bool:
    """GB 11643 check digit (ISO 7064 MOD 11-2) of an 18-character resident ID.

    The weights are 2**(17 - i) mod 11, and 13 ≡ 2 (mod 11), so the weighted sum of the 17 digits is
    ``2 * int(digits, 13) % 11``: one call in C instead of a loop (a test compares it with the weights)."""
    if not _RESIDENT_ID.fullmatch(number) or not number.isascii():
        return False
    return 2 * int(number[:17], 13) % 11 == ID_CHECK_VALUE[number[17]]


def resident_id_check_char(body: str) -> str:
    """The GB 11643 check character of the 17 digits ``body``, from the standard's weights (the reference that
    ``resident_id_ok``'s shortcut is tested against; test data builds valid IDs with it)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def resident_id(value: object) -> str:
    """身份证号 (R-import, issue 18 build 5): an 18-character resident ID with a right check character, or
    empty. A number that starts with a letter is another document (a passport, a Hong Kong/Macao/Taiwan
    permit): kept as given and not checked. Never stored: the import only compares it."""
    s = _SPACES.sub("", text(value)).upper()
    if not s or s[0].isalpha():
        return s
    if len(s) == 18 and _RESIDENT_ID.fullmatch(s):
        if not resident_id_ok(s):
            raise CellError(
                _("The resident ID's check character is wrong: it should be %(char)s.")
                % {"char": resident_id_check_char(s[:17])}
            )
        return s
    raise CellError(_("A resident ID has 18 characters: 17 digits and a digit or X."))


def resident_id_disagrees(number: str, born: dt.date | None, sex: str | None) -> list[tuple[str, str]]:
    """What an 18-character resident ID says against the stated birth date and gender (GB 11643: characters
    7–14 are the birth date, the 17th is odd for a male): (column key, reason) for each disagreement."""
    if len(number) != 18 or not number[:17].isdigit():
        return []
    out = []
    coded = number[6:14]
    if born is not None and coded != born.strftime("%Y%m%d"):
        out.append(
            ("birth_date", _("The resident ID gives the birth date %(id_date)s, not %(date)s.")
             % {"id_date": f"{coded[:4]}-{coded[4:6]}-{coded[6:]}", "date": born.isoformat()})
        )  # fmt: skip
    if sex and (Gender.MALE if int(number[16]) % 2 else Gender.FEMALE) != sex:
        out.append(
            ("gender", _("The resident ID is a male's (17th digit odd) but the gender is 女.")
             if int(number[16]) % 2 else
             _("The resident ID is a female's (17th digit even) but the gender is 男."))
        )  # fmt: skip
    return out


def plain(s: str) -> bool:
    """True when ``text(s)`` and ``name(s)`` would accept ``s`` and return it unchanged: not empty, printable
    (no control character, no whitespace but the ASCII space), no space at all, no backslash, no formula
    start, already NFKC. The fast path of the import tests this; anything else takes the full cleaners."""
    return (
        bool(s)
        and s.isprintable()
        and " " not in s
        and "\\" not in s
        and s[0] not in FORMULA_STARTS
        and (s.isascii() or unicodedata.is_normalized("NFKC", s))
    )


def memo(fn, limit: int = 20000):
    """Remember a cleaner's answer (or its refusal) for values that repeat down a column: gender, school,
    grade, class, dates. Bounded, so memory does not grow with the file."""
    store: dict = {}

    def cleaned(value):
        try:
            ok, result = store[value]
        except KeyError:
            try:
                ok, result = True, fn(value)
            except CellError as e:
                ok, result = False, e.args[0]
            if len(store) < limit:
                store[value] = (ok, result)
        except TypeError:  # an unhashable cell: no memo
            return fn(value)
        if ok:
            return result
        raise CellError(result)

    return cleaned


def student_no(value: object) -> str:
    """学籍号: "G" + the 18-character resident ID (checksum verified) or "L" + 18 characters (GLOSSARY)."""
    s = _SPACES.sub("", text(value)).upper()
    if not s:
        raise CellError(_("The student number is missing."))
    if s[0] == "G" and resident_id_ok(s[1:]):
        return s
    if s[0] == "L" and _L_NUMBER.fullmatch(s[1:]):
        return s
    if s[0] == "G" and len(s) == 19 and _RESIDENT_ID.fullmatch(s[1:]):
        raise CellError(_("The student number's resident ID has a wrong check digit."))
    raise CellError(
        _("A student number is “G” and an 18-character resident ID, or “L” and 18 letters or digits.")
    )


def student_ref(value: object) -> str:
    """A 学籍号 that names a student already imported: normalised, its shape checked, not its check digit."""
    s = _SPACES.sub("", text(value)).upper()
    if not s:
        raise CellError(_("The student number is missing."))
    if len(s) != 19 or s[0] not in "GL" or not _L_NUMBER.fullmatch(s[1:]):
        raise CellError(
            _("A student number is “G” and an 18-character resident ID, or “L” and 18 letters or digits.")
        )
    return s


def name(value: object, max_length: int = 50) -> str:
    s = _SPACES.sub(" ", text(value))
    if not s:
        raise CellError(_("The name is missing."))
    if len(s) > max_length:
        raise CellError(_("The name is longer than %(n)s characters.") % {"n": max_length})
    return s


_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE, "m": Gender.MALE, "f": Gender.FEMALE}
_GENDERS |= {"male": Gender.MALE, "female": Gender.FEMALE, "男性": Gender.MALE, "女性": Gender.FEMALE}


def gender(value: object) -> str:
    found = _GENDERS.get(text(value).lower())
    if found is None:
        raise CellError(_("Gender must be 男 or 女 (or M/F)."))
    return found.value


@lru_cache(maxsize=65536)
def _parse_date(s: str) -> dt.date:
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                break
    raise CellError(_("“%(value)s” is not a date; write it as 2015-03-01.") % {"value": s[:20]})


def birth_date(value: object, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        s = text(value)
        if not s:
            raise CellError(_("The birth date is missing."))
        day = _parse_date(s)
    if not (today.year - 30 <= day.year and day <= today):
        raise CellError(
            _("The birth date %(date)s is not plausible for a pupil.") % {"date": day.isoformat()}
        )
    return day


_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_GRADE_WORDS = {f"{k}年级": v for k, v in _CN_NUMBERS.items()}
_GRADE_WORDS |= {"初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12}
_GRADE_WORDS |= {"十年级": 10, "十一年级": 11, "十二年级": 12}


def grade(value: object) -> int:
    s = text(value)
    if not s:
        raise CellError(_("The grade is missing."))
    found = _GRADE_WORDS.get(s)
    if found is None:
        digits = s.removesuffix("年级")
        found = int(digits) if digits.isdigit() else None
    if found is None or not 1 <= found <= 12:
        raise CellError(_("The grade must be a number from 1 to 12 (or 五年级, 初一, 高一 …)."))
    return found


def school_year(value: object) -> int | None:
    """The start year of 学年 "2025", "2025-2026", "2025–2026学年"; None when empty."""
    s = text(value)
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})(?:\s*[-–—~至/]\s*(\d{4}))?(?:学年)?", s)
    if not m or (m[2] and int(m[2]) != int(m[1]) + 1):
        raise CellError(_("The school year must look like 2025 or 2025-2026."))
    return int(m[1])


def phone(value: object, *, required: bool = False) -> str:
    s = re.sub(r"[\s-]", "", text(value))
    if not s:
        if required:
            raise CellError(_("The mobile phone number is missing."))
        return ""
    if not _PHONE.fullmatch(s):
        raise CellError(_("A mobile phone number has 11 digits and starts with 1."))
    return s


_RELATIONS = {
    "父亲": Relation.FATHER, "父": Relation.FATHER, "爸爸": Relation.FATHER, "father": Relation.FATHER,
    "母亲": Relation.MOTHER, "母": Relation.MOTHER, "妈妈": Relation.MOTHER, "mother": Relation.MOTHER,
    "祖父母": Relation.GRANDPARENT, "祖父": Relation.GRANDPARENT, "祖母": Relation.GRANDPARENT,
    "外祖父": Relation.GRANDPARENT, "外祖母": Relation.GRANDPARENT, "爷爷": Relation.GRANDPARENT,
    "奶奶": Relation.GRANDPARENT, "外公": Relation.GRANDPARENT, "外婆": Relation.GRANDPARENT,
    "grandparent": Relation.GRANDPARENT, "其他": Relation.OTHER, "其他监护人": Relation.OTHER,
    "other": Relation.OTHER,
}  # fmt: skip


def relation(value: object, *, required: bool = False) -> str:
    s = text(value).lower()
    if not s:
        if required:
            raise CellError(_("The relation is missing."))
        return Relation.OTHER.value
    found = _RELATIONS.get(s)
    if found is None:
        raise CellError(_("The relation must be 父亲, 母亲, 祖父母 or 其他."))
    return found.value


_YES = {"是", "y", "yes", "true", "1", "专职"}
_NO = {"否", "n", "no", "false", "0", "", "兼职"}


def yes_no(value: object) -> bool:
    s = text(value).lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise CellError(_("Write 是 or 否."))


# The posts a roster file may give (school posts); district and city posts are made by an administrator.
_ROLES = {
    "校领导": Role.SCHOOL_LEADER, "校长": Role.SCHOOL_LEADER, "school_leader": Role.SCHOOL_LEADER,
    "心理教师": Role.PSYCH_TEACHER, "心理老师": Role.PSYCH_TEACHER, "psych_teacher": Role.PSYCH_TEACHER,
    "班主任": Role.CLASS_TEACHER, "class_teacher": Role.CLASS_TEACHER,
    "教师": Role.TEACHER, "老师": Role.TEACHER, "teacher": Role.TEACHER,
}  # fmt: skip


def role(value: object) -> str:
    found = _ROLES.get(text(value).lower())
    if found is None:
        raise CellError(_("The post must be 校领导, 心理教师, 班主任 or 教师."))
    return found.value


def username(value: object) -> str:
    s = _SPACES.sub("", text(value))
    if not s:
        raise CellError(_("The staff number (login) is missing."))
    if len(s) > 150 or not re.fullmatch(r"[\w.@+-]+", s):
        raise CellError(_("A staff number may hold letters, digits and . @ + - _ only."))
    return s
