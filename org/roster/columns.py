"""The columns of each roster kind (名册列): Chinese headers as written in the templates, English aliases
accepted too. A template's header cell documents its column: ``学籍号*（G+18位身份证号…）`` — the part
before the bracket is the name, ``*`` marks a required column."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from org.models import ImportKind


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese header
    aliases: tuple[str, ...]
    required: bool
    hint: str  # what the template header says about the values (Chinese, part of the file format)
    example: str = ""

    @property
    def header(self) -> str:
        return f"{self.label}{'*' if self.required else ''}（{self.hint}）"


STUDENT_COLUMNS = [
    Column("student_no", "学籍号", ("student_no", "student number", "student id"), True,
           "G+18位身份证号，或L+18位", "G11010820150301001X"),
    Column("resident_id", "身份证号", ("resident_id", "resident id", "id number"), False,
           "可空；填写则核对出生日期、性别和校验位（不保存）", ""),
    Column("name", "姓名", ("name", "student name"), True, "学生姓名", "李小明"),
    Column("gender", "性别", ("gender", "sex"), True, "男/女", "男"),
    Column("birth_date", "出生日期", ("birth_date", "birth date", "date of birth"), True,
           "如2015-03-01、2015/3/1、20150301、2015年3月1日", "2015-03-01"),
    Column("school_code", "学校代码", ("school_code", "school code", "school"), True,
           "学校标识码，导入页列出可导入学校的代码", "S-A"),
    Column("campus", "校区", ("campus",), False, "校区代码或名称；空则为学校第一个校区", ""),
    Column("grade", "年级", ("grade",), True, "1–12，或五年级、初一、高一", "5"),
    Column("class_name", "班级", ("class", "class_name", "class name"), True, "班级名称，不存在则新建", "五年级1班"),
    Column("school_year", "学年", ("school_year", "school year"), False, "如2025或2025-2026；空则为本学年", ""),
    Column("guardian_name", "监护人姓名", ("guardian_name", "guardian name"), False, "可空", "李大明"),
    Column("guardian_relation", "监护人关系", ("guardian_relation", "guardian relation", "relation"), False,
           "父亲/母亲/祖父母/其他", "父亲"),
    Column("guardian_phone", "监护人手机", ("guardian_phone", "guardian phone"), False, "11位手机号", "13800000000"),
]  # fmt: skip

STAFF_COLUMNS = [
    Column("username", "工号", ("username", "staff_no", "staff number", "login"), True, "登录名，全市唯一", "T0001"),
    Column("name", "姓名", ("name",), True, "教职工姓名", "王老师"),
    Column("phone", "手机", ("phone", "mobile"), False, "11位手机号", "13900000000"),
    Column("school_code", "学校代码", ("school_code", "school code", "school"), True,
           "学校标识码，导入页列出可导入学校的代码", "S-A"),
    Column("role", "岗位", ("role", "post"), True, "校领导/心理教师/班主任/教师", "班主任"),
    Column("grade", "年级", ("grade",), False, "班主任所带班级的年级（班级重名时必填）", "5"),
    Column("class_name", "班级", ("class", "class_name", "class name"), False, "班主任必填，本学年已有的班级", "五年级1班"),
    Column("full_time", "专职", ("full_time", "full time", "full-time"), False, "是/否（心理教师）", "否"),
]  # fmt: skip

GUARDIAN_COLUMNS = [
    Column("student_no", "学籍号", ("student_no", "student number", "student id"), True, "已导入学生的学籍号",
           "G11010820150301001X"),
    Column("name", "姓名", ("name", "guardian name"), True, "监护人姓名", "李大明"),
    Column("relation", "关系", ("relation",), True, "父亲/母亲/祖父母/其他", "父亲"),
    Column("phone", "手机", ("phone", "mobile"), True, "11位手机号，作为登录名", "13800000000"),
    Column("is_primary", "主要联系人", ("primary", "is_primary", "primary contact"), False, "是/否", "是"),
]  # fmt: skip

COLUMNS: dict[str, list[Column]] = {
    ImportKind.STUDENTS: STUDENT_COLUMNS,
    ImportKind.STAFF: STAFF_COLUMNS,
    ImportKind.GUARDIANS: GUARDIAN_COLUMNS,
}


def header_name(cell: object) -> str:
    """The column name a header cell stands for: full-width folded, ``*`` and the bracketed hint removed."""
    text = unicodedata.normalize("NFKC", str(cell or "")).strip()
    text = text.split("(", 1)[0].strip().strip("*").strip()
    return text.lower()


def template_lookup(kind: str) -> dict[str, Column]:
    """The headers of the template: each column's Chinese label and its English aliases."""
    out: dict[str, Column] = {}
    for col in COLUMNS[kind]:
        out[col.label.lower()] = col
        for alias in col.aliases:
            out[alias] = col
    return out


ALIASES_FILE = Path(__file__).with_name("data") / "aliases.json"


@cache
def _aliases() -> dict[str, dict[str, list[str]]]:
    data = json.loads(ALIASES_FILE.read_text(encoding="utf-8"))
    return {kind: cols for kind, cols in data.items() if not kind.startswith("_")}


def alias_rank(kind: str) -> dict[str, tuple[Column, int]]:
    """The headers schools' files use (org/roster/data/aliases.json, a data file, not code; issue 18 build 5):
    header name → (column, rank). A lower rank is the more specific header for the column."""
    by_key = {c.key: c for c in COLUMNS[kind]}
    out: dict[str, tuple[Column, int]] = {}
    for key, headers in _aliases().get(str(kind), {}).items():
        for rank, h in enumerate(headers):
            out.setdefault(header_name(h), (by_key[key], rank))
    return out


def lookup(kind: str) -> dict[str, Column]:
    """Every header recognised without asking: the template's, then the common ones of schools' files."""
    out = {name: col for name, (col, _rank) in alias_rank(kind).items()}
    out.update(template_lookup(kind))
    return out


@dataclass
class Proposal:
    """One column of an uploaded file and the field we guess it holds (R-import mapping step)."""

    index: int
    header: str  # as written in the file
    key: str  # the guessed column key, "" for none
    source: str  # "template", "saved", "alias" or "" (not recognised)
    also: str = ""  # the field (label) this column also looks like, when another column took it
    taken_by: str = ""  # … and the header of that other column


def propose(kind: str, header: list[object], saved: dict[str, str] | None = None) -> list[Proposal]:
    """Guess each file column's field (R14: a school's roster taken as the school keeps it): a mapping saved
    for the school first, then the template's headers, then the alias file. Two columns never get the same
    field: the template's header, else the more specific alias wins, and the other column is proposed as
    ignored with a note naming the field and the column that took it (never silently)."""
    saved = saved or {}
    template, aliases = template_lookup(kind), alias_rank(kind)
    keys = {c.key for c in COLUMNS[kind]}
    out: list[Proposal] = []
    claims: dict[str, list[tuple[tuple[int, int], int]]] = {}
    for i, cell in enumerate(header):
        name = header_name(cell)
        shown = str(cell if cell is not None else "").strip()
        key, source, rank = "", "", (9, 0)
        if name and name in saved and (not saved[name] or saved[name] in keys):
            key, source, rank = saved[name], "saved", (0, 0)
        elif name in template:
            key, source, rank = template[name].key, "template", (1, 0)
        elif name in aliases:
            col, r = aliases[name]
            key, source, rank = col.key, "alias", (2, r)
        out.append(Proposal(i, shown, key, source))
        if key:
            claims.setdefault(key, []).append((rank, i))
    labels = {c.key: c.label for c in COLUMNS[kind]}
    for key, found in claims.items():
        if len(found) > 1:
            found.sort()
            winner = out[found[0][1]].header
            for _rank, i in found[1:]:
                p = out[i]
                p.key, p.also, p.taken_by = "", labels[key], winner
    return out


def is_template(proposals: list[Proposal]) -> bool:
    """True when every non-empty header is the template's (or a mapping saved for the school): no question
    to ask before importing."""
    return all(p.source in ("template", "saved") and not p.also for p in proposals if header_name(p.header))
