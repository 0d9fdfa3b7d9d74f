"""The columns of each roster kind (名册列): Chinese headers as written in the templates, English aliases
accepted too. A template's header cell documents its column: ``学籍号*（G+18位身份证号…）`` — the part
before the bracket is the name, ``*`` marks a required column."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

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
    Column("name", "姓名", ("name", "student name"), True, "学生姓名", "李小明"),
    Column("gender", "性别", ("gender", "sex"), True, "男/女", "男"),
    Column("birth_date", "出生日期", ("birth_date", "birth date", "date of birth"), True,
           "如2015-03-01、2015/3/1、20150301、2015年3月1日", "2015-03-01"),
    Column("school_code", "学校代码", ("school_code", "school code", "school"), True, "本系统中的学校代码", "S-A"),
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
    Column("school_code", "学校代码", ("school_code", "school code", "school"), True, "本系统中的学校代码", "S-A"),
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


def lookup(kind: str) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for col in COLUMNS[kind]:
        out[col.label.lower()] = col
        for alias in col.aliases:
            out[alias] = col
    return out
