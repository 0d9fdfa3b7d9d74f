"""Mental-health funding (R16): schools record budget lines and spending per year by category, districts their
allocations by source; money is exact; bad input changes nothing; Excel in (all or nothing) and out; evidence."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from access.models import AuditEvent
from schoolwork.funding import selectors
from schoolwork.funding.models import BudgetLine, DistrictAllocation
from schoolwork.home.models import Attachment

URL = reverse("schoolwork:funding")


def _line(client, school, category="assessment", budgeted="1000", spent="0", **extra):
    return client.post(
        URL, {"action": "line", "school": school.pk, "category": category, "budgeted": budgeted, "spent": spent,
              **extra},
    )  # fmt: skip


def _row(user, year, school) -> selectors.SchoolFunding:
    return next(
        r for r in selectors.school_funding(selectors.funding_schools(user), year) if r.school == school
    )


def test_a_leader_records_budget_lines_and_the_school_row_adds_them_up_exactly(world, login):
    client = login(world.leader)
    assert _line(client, world.school_a, "assessment", "0.10", "0.10").status_code == 302
    assert _line(client, world.school_a, "training", "0.20", "0.20").status_code == 302
    assert _line(client, world.school_a, "counseling_room", "12,000.50", "3000").status_code == 302
    row = _row(world.leader, world.year, world.school_a)
    assert row.budgeted == Decimal("12000.80") and row.spent == Decimal(
        "3000.30"
    )  # 0.1 + 0.2 is 0.30 exactly
    assert row.students == 3 and row.spent_per_student == Decimal("1000.10")
    page = client.get(URL).content.decode()
    assert "12,000.80" in page and "心理辅导室建设" in page
    assert AuditEvent.objects.filter(action="schoolwork.funding.line_save").count() == 3


def test_saving_the_same_category_again_corrects_the_line(world, login):
    client = login(world.leader)
    _line(client, world.school_a, "activities", "500")
    _line(client, world.school_a, "activities", "800", "200")
    (line,) = BudgetLine.objects.filter(school=world.school_a)
    assert (line.budgeted, line.spent) == (Decimal("800.00"), Decimal("200.00"))


@pytest.mark.parametrize(
    "budgeted, message",
    [("-5", "不能为负数"), ("一千", "必须是以元为单位的金额"), ("10.005", "超过两位小数"), ("", "请填写")],
)
def test_a_bad_amount_is_refused_in_chinese_and_changes_nothing(world, login, budgeted, message):
    client = login(world.leader)
    _line(client, world.school_a, "activities", "500")
    got = _line(client, world.school_a, "activities", budgeted)
    assert got.status_code == 400
    assert message in got.content.decode()
    assert BudgetLine.objects.get(school=world.school_a).budgeted == Decimal("500.00")


def test_a_leader_cannot_write_another_schools_budget_and_a_teacher_never_sees_funding(world, login):
    assert _line(login(world.leader), world.school_b).status_code == 404
    assert login(world.users["teacher"]).get(URL).status_code == 403
    assert _line(login(world.psych), world.school_a).status_code == 403  # reads, does not write
    assert not BudgetLine.objects.exists()


def test_a_district_officer_records_allocations_by_source_and_sees_last_years_total(world, login):
    from org.models import SchoolYear

    before = SchoolYear.objects.create(
        start_year=world.year.start_year - 1, starts_on=world.year.starts_on.replace(year=world.year.start_year - 1),
        ends_on=world.year.starts_on.replace(day=31, month=8),
    )  # fmt: skip
    client = login(world.district_officer)
    for source, amount in (("budget", "800000"), ("special", "300000"), ("social", "50000")):
        got = client.post(URL, {"action": "allocation", "district": world.haidian.pk, "source": source,
                                "amount": amount})  # fmt: skip
        assert got.status_code == 302
    got = client.post(
        f"{URL}?year={before.start_year}",
        {"action": "allocation", "district": world.haidian.pk, "source": "budget", "amount": "1000000"},
    )
    assert got.status_code == 302
    (row,) = selectors.district_funding([world.haidian], world.year)
    assert row.total == Decimal("1150000.00") and row.previous_total == Decimal("1000000.00")
    assert row.sources == 3 and row.not_falling
    page = login(world.city_officer).get(URL).content.decode()
    assert "1,150,000.00" in page and "社会支持" in page
    other = login(world.other_district_officer).post(
        URL, {"action": "allocation", "district": world.haidian.pk, "source": "budget", "amount": "1"}
    )
    assert other.status_code == 404
    assert DistrictAllocation.objects.filter(district=world.haidian, school_year=world.year).count() == 3


def test_deleting_a_line_removes_it_and_is_audited(world, login):
    client = login(world.leader)
    _line(client, world.school_a, "activities", "500")
    line = BudgetLine.objects.get()
    assert client.post(URL, {"action": "delete_line", "line": line.pk}).status_code == 302
    assert not BudgetLine.objects.exists()
    assert AuditEvent.objects.filter(action="schoolwork.funding.line_delete").exists()
    # another district's officer cannot delete 海淀's lines: the line is not theirs to find
    _line(client, world.school_a, "activities", "500")
    line = BudgetLine.objects.get()
    assert (
        login(world.other_district_officer).post(URL, {"action": "delete_line", "line": line.pk}).status_code
        == 404
    )


def _sheet(rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["学校代码", "类别", "预算金额（元）", "已支出（元）", "说明"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("经费.xlsx", buf.getvalue())


def test_a_funding_sheet_with_a_bad_row_is_refused_whole_with_the_rows_and_reasons(world, login):
    client = login(world.district_officer)
    sheet = _sheet([
        ["S-A", "测评", 3000, 1200.5, ""],
        ["S-B", "培训", "两千", 0, ""],
        ["S-C", "活动", 100, 0, ""],  # 朝阳: not 海淀's officer's to record
        ["S-A", "测评", 10, 0, ""],
        ["S-A", "旅游", 10, 0, ""],
    ])  # fmt: skip
    got = client.post(reverse("schoolwork:funding_import"), {"sheet": sheet})
    assert got.status_code == 400
    page = got.content.decode()
    assert "没有导入任何数据" in page
    for text in ("必须是以元为单位的金额", "学校 S-C 不在", "已在第 2 行填写", "未知的类别：旅游"):
        assert text in page
    assert not BudgetLine.objects.exists()


def test_a_funding_sheet_round_trips_through_the_excel_download(world, login):
    client = login(world.district_officer)
    sheet = _sheet([["S-A", "测评", 3000, 1200.5, "量表授权"], ["S-B", "心理辅导室建设", "12,000", 0.1, ""]])
    assert client.post(reverse("schoolwork:funding_import"), {"sheet": sheet}).status_code == 302
    assert BudgetLine.objects.get(school=world.school_a).spent == Decimal("1200.50")
    assert BudgetLine.objects.get(school=world.school_b).spent == Decimal("0.10")
    download = client.get(reverse("schoolwork:funding_export"))
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content)).worksheets[0].values)
    assert rows[0][:4] == ("学校代码", "类别", "预算金额（元）", "已支出（元）")
    assert rows[1][:4] == ("S-A", "测评", 3000, 1200.5)
    # the downloaded sheet imported again changes nothing
    buf = io.BytesIO(download.content)
    again = client.post(
        reverse("schoolwork:funding_import"), {"sheet": SimpleUploadedFile("funding.xlsx", buf.getvalue())}
    )
    assert again.status_code == 302
    assert BudgetLine.objects.count() == 2
    assert BudgetLine.objects.get(school=world.school_a).budgeted == Decimal("3000.00")


def test_evidence_is_attached_by_the_writer_and_read_only_within_the_scope(world, login):
    client = login(world.leader)
    _line(client, world.school_a, "counseling_room", "5000")
    line = BudgetLine.objects.get()
    pdf = SimpleUploadedFile("发票.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
    got = client.post(
        reverse("schoolwork:attachment_add", args=["budget_line", line.pk]), {"file": pdf, "next": URL}
    )
    assert got.status_code == 302
    a = Attachment.objects.get(owner_type="budget_line")
    assert login(world.district_officer).get(reverse("schoolwork:attachment", args=[a.pk])).status_code == 200
    assert (
        login(world.other_district_officer).get(reverse("schoolwork:attachment", args=[a.pk])).status_code
        == 404
    )


def test_the_demo_step_fills_budget_lines_and_allocations_through_the_services(world):
    from schoolwork.funding.lived_in import funding

    funding()
    assert BudgetLine.objects.filter(school=world.school_a).count() == 4
    assert set(DistrictAllocation.objects.values_list("district_id", flat=True)) == {
        world.haidian.pk,
        world.chaoyang.pk,
    }
    assert all(r.not_falling for r in selectors.district_funding([world.haidian, world.chaoyang], world.year))
