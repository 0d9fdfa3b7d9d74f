"""Helpers for the roster import tests: valid 学籍号, files in every format, a snapshot of the tables."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from org.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    ImportJob,
    Node,
    Post,
    SchoolClass,
    Student,
    User,
)
from org.roster.columns import STUDENT_COLUMNS
from org.roster.fields import resident_id_check_char
from xinyu.web.roster.services import create_job, run_job

HEADER = [c.label for c in STUDENT_COLUMNS]


def sno(serial: int, region: str = "110108", born: str = "20150301") -> str:
    """A valid 学籍号: "G" and a resident ID with its check digit."""
    body = f"{region}{born}{serial % 1000:03d}"
    return "G" + body + resident_id_check_char(body)


def student_row(serial: int, **over) -> dict:
    row = {
        "学籍号": sno(serial), "身份证号": "", "姓名": f"学生{serial}", "性别": "男" if serial % 2 else "女",
        "出生日期": "2015-03-01", "学校代码": "S-A", "校区": "", "年级": "5", "班级": "五年级3班",
        "学年": "", "监护人姓名": "", "监护人关系": "", "监护人手机": "",
    }  # fmt: skip
    row.update(over)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None, encoding: str = "utf-8") -> Path:
    header = header or HEADER
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict], header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    header = header or HEADER
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r.get(h) for h in header])
    wb.save(path)
    return path


def import_file(
    path: Path,
    *,
    node: Node,
    user: User | None = None,
    kind: str = "students",
    columns: list[str] | None = None,
    **kw,
) -> ImportJob:
    """Import ``path`` as the command does; ``columns``: each file column's field, as if confirmed on the
    mapping page."""
    job = create_job(user=user, kind=kind, node=node, original_name=path.name, path=path, **kw)
    if columns is not None:
        job.columns = columns
        job.save(update_fields=["columns"])
    return run_job(job.pk, language="en")


TABLES = [Student, Enrollment, SchoolClass, Guardian, GuardianLink, User, Post]


def snapshot() -> dict:
    """Row count and a checksum of every row of the tables an import may touch."""
    out = {}
    for model in TABLES:
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = list(model.objects.order_by("pk").values_list(*fields))
        out[model.__name__] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return out


# A file as a Beijing school exports it from the national student-status system (全国中小学生学籍信息管理系统):
# its own headers, a serial column, the ID type, ethnicity, a contact phone besides the guardian's, notes.
XUEJI_HEADER = [
    "序号", "学校标识码", "学校名称", "年级", "班级", "全国学籍号", "个人标识码", "姓名", "性别", "出生日期",
    "身份证件类型", "身份证件号", "民族", "监护人姓名", "与学生关系", "监护人电话", "联系电话", "备注",
]  # fmt: skip


def xueji_row(serial: int, **over) -> dict:
    """A row of that export that agrees with itself: the ID's birth date and gender are the row's."""
    no = sno(serial)
    row = {
        "序号": str(serial), "学校标识码": "S-A", "学校名称": "第一实验学校", "年级": "五年级",
        "班级": "五年级(1)班", "全国学籍号": no, "个人标识码": f"2110108{serial:09d}", "姓名": f"学生{serial}",
        "性别": "男" if serial % 2 else "女", "出生日期": "2015/03/01", "身份证件类型": "居民身份证",
        "身份证件号": no[1:], "民族": "汉族", "监护人姓名": f"家长{serial}", "与学生关系": "母亲",
        "监护人电话": f"139{serial:08d}", "联系电话": f"010-6{serial:07d}", "备注": "",
    }  # fmt: skip
    row.update(over)
    return row


def write_xueji(path: Path, rows: list[dict]) -> Path:
    """The export as schools hand it on: a GBK CSV (what Chinese Excel saves) for a .csv path, else .xlsx."""
    if path.suffix == ".xlsx":
        return write_xlsx(path, rows, header=XUEJI_HEADER)
    return write_csv(path, rows, header=XUEJI_HEADER, encoding="gbk")
