"""Roster import a school can use as it is (issue 18, build 5): a file exported from the student-status system
with its own headers is mapped column by column; the resident ID agrees with the birth date and gender; the
summary's counts agree with the listed problems."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from org.models import Guardian, ImportStatus, Student
from org.roster.columns import propose
from org.roster.fields import resident_id_check_char
from xinyu.web.roster.testing import (
    HEADER,
    XUEJI_HEADER,
    import_file,
    snapshot,
    sno,
    student_row,
    write_csv,
    write_xueji,
    xueji_row,
)


def guessed(header: list[str], kind: str = "students") -> dict[str, str]:
    return {p.header: p.key for p in propose(kind, header)}


def test_the_student_status_exports_headers_are_recognised_and_the_rest_named():
    proposals = {p.header: p for p in propose("students", XUEJI_HEADER)}
    assert guessed(XUEJI_HEADER) == {
        "序号": "", "学校标识码": "school_code", "学校名称": "", "年级": "grade", "班级": "class_name",
        "全国学籍号": "student_no", "个人标识码": "", "姓名": "name", "性别": "gender", "出生日期": "birth_date",
        "身份证件类型": "", "身份证件号": "resident_id", "民族": "", "监护人姓名": "guardian_name",
        "与学生关系": "guardian_relation", "监护人电话": "guardian_phone", "联系电话": "", "备注": "",
    }  # fmt: skip
    # 联系电话 is a guardian phone too: not dropped silently, but shown as taken by the other column.
    assert (proposals["联系电话"].also, proposals["联系电话"].taken_by) == ("监护人手机", "监护人电话")


@pytest.mark.parametrize(
    "header, expected",
    [
        (
            ["学生姓名", "家长手机", "身份证号", "学籍号"],
            ["name", "guardian_phone", "resident_id", "student_no"],
        ),
        (["*姓名（学生姓名）", "家长电话", "联系电话"], ["name", "guardian_phone", ""]),
        (["联系电话", "ＳＥＸ"], ["guardian_phone", "gender"]),
    ],
)
def test_common_headers_from_the_alias_file_are_guessed(header, expected):
    assert [p.key for p in propose("students", header)] == expected


def test_staff_files_are_guessed_too():
    assert guessed(["教工号", "教师姓名", "手机号码", "学校标识码", "职务", "所带班级", "是否专职", "民族"], "staff") == {
        "教工号": "username", "教师姓名": "name", "手机号码": "phone", "学校标识码": "school_code", "职务": "role",
        "所带班级": "class_name", "是否专职": "full_time", "民族": "",
    }  # fmt: skip


def test_a_saved_mapping_comes_before_the_guesses():
    saved = {"联系电话": "guardian_phone", "监护人电话": ""}
    keys = {p.header: (p.key, p.source) for p in propose("students", XUEJI_HEADER, saved)}
    assert keys["联系电话"] == ("guardian_phone", "saved") and keys["监护人电话"] == ("", "saved")
    # A saved field that no longer exists is not proposed; the column is guessed afresh.
    assert [(p.key, p.source) for p in propose("students", ["民族", "学号"], {"民族": "nation"})] == [
        ("", ""),
        ("", ""),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"], ids=["gbk-csv", "xlsx"])
def test_the_export_imports_once_its_columns_are_confirmed_and_the_ignored_ones_are_named(
    world, tmp_path, suffix
):
    path = write_xueji(tmp_path / f"学籍导出{suffix}", [xueji_row(i) for i in range(1, 4)])
    if suffix == ".csv":
        assert "全国学籍号".encode("gbk") in path.read_bytes()
    columns = [p.key for p in propose("students", XUEJI_HEADER)]
    job = import_file(path, node=world.haidian, columns=columns)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.summary["created"] == 3 and job.summary["invalid"] == 0
    s = Student.objects.get(student_no=sno(2))
    assert (s.name, s.gender, s.birth_date.isoformat()) == ("学生2", "F", "2015-03-01")
    assert Guardian.objects.get(phone="13900000002").name == "家长2"
    assert "Column “联系电话” (it looks like 监护人手机) was not imported." in job.warnings
    assert "Column “民族” is not a roster field and was not imported." in job.warnings
    assert len(job.warnings) == 7  # 序号 学校名称 个人标识码 身份证件类型 民族 联系电话 备注


def test_without_confirmed_columns_the_export_is_refused_and_nothing_is_written(world, tmp_path):
    before = snapshot()
    job = import_file(write_xueji(tmp_path / "a.csv", [xueji_row(1)]), node=world.haidian)
    assert job.status == ImportStatus.REJECTED and job.errors[0]["line"] == 1  # the header
    assert snapshot() == before


def test_a_mapping_without_a_required_field_or_with_a_field_twice_is_refused(world, tmp_path):
    path = write_xueji(tmp_path / "a.csv", [xueji_row(1)])
    columns = [p.key for p in propose("students", XUEJI_HEADER)]
    no_name = ["" if k == "name" else k for k in columns]
    assert (
        import_file(path, node=world.haidian, columns=no_name).errors[0]["message"]
        == "Columns missing: 姓名."
    )
    twice = [("name" if h == "学校名称" else k) for h, k in zip(XUEJI_HEADER, columns, strict=True)]
    assert "appears twice" in import_file(path, node=world.haidian, columns=twice).errors[0]["message"]
    assert not Student.objects.filter(student_no=sno(1)).exists()


# --- the resident ID agrees with the birth date and gender -------------------------------------------------------


def _id(born: str, serial: str) -> str:
    body = f"110108{born}{serial}"
    return body + resident_id_check_char(body)


ID_CASES = {
    "birth date differs": (
        dict(出生日期="2015-03-02"),
        "出生日期",
        "The resident ID gives the birth date 2015-03-01, not 2015-03-02.",
    ),
    "a male's ID, gender 女": (
        dict(性别="女"),
        "性别",
        "The resident ID is a male's (17th digit odd) but the gender is 女.",
    ),
    "ID column differs from the number": (
        dict(身份证件号=_id("20150301", "011")),
        "身份证号",
        "The resident ID differs from the one in the student number.",
    ),
    "ID column's check character": (
        dict(身份证件号=sno(1)[1:-1] + ("0" if sno(1)[-1] != "0" else "1")),
        "身份证号",
        "The resident ID's check character is wrong: it should be " + sno(1)[-1] + ".",
    ),
    "ID column too short": (
        dict(身份证件号="11010820150301"),
        "身份证号",
        "A resident ID has 18 characters: 17 digits and a digit or X.",
    ),
    "an L number, the ID column a female's": (
        dict(全国学籍号="L" + "A1" * 9, 身份证件号=_id("20150301", "002")),
        "性别",
        "The resident ID is a female's (17th digit even) but the gender is 男.",
    ),
}


@pytest.mark.parametrize("over, column, message", ID_CASES.values(), ids=ID_CASES.keys())
def test_a_resident_id_that_disagrees_with_the_row_is_a_row_error_and_nothing_is_written(
    world, tmp_path, over, column, message
):
    before = snapshot()
    data = [xueji_row(1, **over), xueji_row(3)]
    columns = [p.key for p in propose("students", XUEJI_HEADER)]
    job = import_file(write_xueji(tmp_path / "a.csv", data), node=world.haidian, columns=columns)
    assert job.status == ImportStatus.REJECTED
    assert [(e["line"], e["column"], e["message"]) for e in job.errors] == [(2, column, message)]
    assert job.summary["invalid"] == 1 and job.summary["valid"] == 1
    assert snapshot() == before


def test_a_passport_number_is_not_checked_against_the_row(world, tmp_path):
    columns = [p.key for p in propose("students", XUEJI_HEADER)]
    data = [xueji_row(1, 全国学籍号="L" + "B2" * 9, 身份证件类型="护照", 身份证件号="E12345678")]
    job = import_file(write_xueji(tmp_path / "a.csv", data), node=world.haidian, columns=columns)
    assert job.status == ImportStatus.DONE, job.errors


def test_the_template_file_checks_the_g_number_against_birth_date_and_gender(world, tmp_path):
    data = [student_row(1, 出生日期="2014-03-01"), student_row(2, 性别="男"), student_row(3)]
    job = import_file(write_csv(tmp_path / "a.csv", data), node=world.haidian)
    assert [(e["line"], e["column"]) for e in job.errors] == [(2, "出生日期"), (3, "性别")]


# --- the summary's counts agree with the listed problems ------------------------------------------------------------

BREAKS = {
    "ok": {},
    "gender": {"性别": "?"},
    "two problems": {"性别": "?", "年级": "13"},
    "ID birth date": {"出生日期": "2015-03-09"},
    "no school": {"学校代码": "NOPE"},
    "duplicate": "duplicate",
    "extra cell": "extra",
    "blank": "blank",
}


def _counts_file(tmp_path, plan: list[str]):
    lines = [",".join(HEADER)]
    for n, what in enumerate(plan, start=1):
        change = BREAKS[what]
        if change == "duplicate":
            row = student_row(1)  # the first row's student again
        elif change == "blank":
            lines.append(",,,")
            continue
        else:
            row = student_row(n, **(change if isinstance(change, dict) else {}))
        cells = [row[h] for h in HEADER] + (["surplus"] if change == "extra" else [])
        lines.append(",".join(cells))
    path = tmp_path / "counts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _assert_counts_agree(job, plan):
    rows = sum(1 for w in plan if w != "blank")
    summary, lines = job.summary, {e["line"] for e in job.errors if e["line"]}
    assert summary["rows"] == rows
    assert summary["valid"] + summary["invalid"] == rows
    assert summary["invalid"] == len(lines) == job.problem_lines
    assert job.error_count >= summary["invalid"]
    if job.status == ImportStatus.CHECKED:
        assert summary["created"] + summary["updated"] + summary["unchanged"] == summary["valid"]


def test_a_row_with_two_problems_is_one_invalid_row_and_a_rejected_file_counts_its_invalid_rows(
    world, tmp_path
):
    plan = ["ok", "two problems", "duplicate", "ok"]
    job = import_file(_counts_file(tmp_path, plan), node=world.haidian)
    assert job.status == ImportStatus.REJECTED and job.error_count == 3
    assert job.summary == {"rows": 4, "valid": 2, "invalid": 2}
    _assert_counts_agree(job, plan)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan=st.lists(st.sampled_from(list(BREAKS)), min_size=1, max_size=12).filter(
        lambda p: set(p) != {"blank"}
    ),
    skip=st.booleans(),
)
def test_the_summary_counts_always_agree_with_the_listed_problems(world, tmp_path, plan, skip):
    job = import_file(_counts_file(tmp_path, plan), node=world.haidian, dry_run=True, skip_invalid=skip)
    assert job.status in (ImportStatus.CHECKED, ImportStatus.REJECTED), job.errors
    _assert_counts_agree(job, plan)
