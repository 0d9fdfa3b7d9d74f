"""The roster import's column-mapping step (issue 18, build 5): a file with its own headers is matched column by
column on a page, the match can be saved for the school's next file, and the page names the school codes."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from org.models import Guardian, ImportJob, ImportStatus, Post, RosterColumnMap, Student
from xinyu.web.roster.testing import XUEJI_HEADER, sno, write_csv, write_xueji, xueji_row


@pytest.fixture(autouse=True)
def run_inline(settings):
    settings.ROSTER_IMPORT_INLINE = True


def upload(client, node, path, kind="students"):
    data = {"file": SimpleUploadedFile(path.name, path.read_bytes()), "kind": kind, "node": node.pk}
    return client.post(reverse("roster:index"), data)


def confirm(client, job, changes: dict[str, str] | None = None, save=True):
    """Post the mapping page as shown (its guesses), with ``changes`` (header → field) applied."""
    form = client.get(reverse("roster:columns", args=[job.pk])).context["form"]
    data = {}
    for p in form.proposals:
        data[f"col_{p.index}"] = (changes or {}).get(p.header, p.key)
    if save:
        data["save"] = "on"
    return client.post(reverse("roster:columns", args=[job.pk]), data)


def test_an_export_with_its_own_headers_waits_on_the_mapping_page_with_the_guesses(world, login, tmp_path):
    client = login(world.district_admin)
    response = upload(
        client, world.haidian, write_xueji(tmp_path / "学籍导出.csv", [xueji_row(1), xueji_row(2)])
    )
    job = ImportJob.objects.get(created_by=world.district_admin)
    assert response.status_code == 302 and response["Location"] == reverse("roster:columns", args=[job.pk])
    assert job.status == ImportStatus.MAPPING and not Student.objects.filter(student_no=sno(1)).exists()
    # The job page sends the uploader back to the mapping step; nothing runs before it is confirmed.
    assert client.get(reverse("roster:job", args=[job.pk]))["Location"] == reverse(
        "roster:columns", args=[job.pk]
    )
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    selected = {f.label: f.value() for f in page.context["form"].column_fields()}
    assert selected["全国学籍号"] == "student_no" and selected["监护人电话"] == "guardian_phone"
    assert selected["联系电话"] == "" and selected["民族"] == ""
    assert len(selected) == len(XUEJI_HEADER)
    ignored = html.split('id="ignored-columns"')[1].split("</section>")[0]
    for header in ("序号", "学校名称", "个人标识码", "身份证件类型", "民族", "联系电话", "备注"):
        assert header in ignored
    assert "监护人手机" in ignored  # 联系电话 looks like the guardian's phone: said so, not dropped silently
    assert sno(1) in html  # the first values of each column, to decide by


def test_confirming_imports_names_the_ignored_columns_and_the_next_file_needs_no_question(
    world, login, tmp_path
):
    client = login(world.district_admin)
    upload(client, world.haidian, write_xueji(tmp_path / "a.xlsx", [xueji_row(1), xueji_row(2)]))
    job = ImportJob.objects.get(created_by=world.district_admin)
    response = confirm(client, job)
    assert response.status_code == 302 and response["Location"] == reverse("roster:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert Student.objects.filter(student_no__in=[sno(1), sno(2)]).count() == 2
    page = client.get(reverse("roster:job", args=[job.pk])).content.decode()
    warnings = page.split('id="job-warnings"')[1].split("</section>")[0]
    assert "联系电话" in warnings and "民族" in warnings
    saved = RosterColumnMap.objects.get(node=world.haidian, kind="students").columns
    assert saved["全国学籍号"] == "student_no" and saved["民族"] == ""
    # Next term's file from the same system: no question, straight to the import, the warnings again.
    response = upload(client, world.haidian, write_xueji(tmp_path / "b.csv", [xueji_row(3)]))
    second = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("roster:job", args=[second.pk])
    assert second.status == ImportStatus.DONE and len(second.warnings) == 7


def test_a_changed_guess_is_used_and_the_known_field_left_out_is_warned(world, login, tmp_path):
    client = login(world.district_admin)
    upload(client, world.haidian, write_xueji(tmp_path / "a.csv", [xueji_row(1, 联系电话="13800000001")]))
    job = ImportJob.objects.get()
    confirm(client, job, {"联系电话": "guardian_phone", "监护人电话": ""}, save=False)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert Guardian.objects.filter(phone="13800000001").exists()
    assert not Guardian.objects.filter(phone="13900000001").exists()
    assert "列“监护人电话”（看起来是监护人手机）未导入。" in job.warnings
    assert not RosterColumnMap.objects.exists()


def test_a_field_chosen_twice_or_a_required_field_left_out_is_refused_with_a_chinese_message(
    world, login, tmp_path
):
    client = login(world.district_admin)
    upload(client, world.haidian, write_xueji(tmp_path / "a.csv", [xueji_row(1)]))
    job = ImportJob.objects.get()
    response = confirm(client, job, {"学校名称": "name"})
    assert response.status_code == 400
    assert "“姓名”被选给了多个列（学校名称、姓名），只能选给一列。" in response.content.decode()
    response = confirm(client, job, {"全国学籍号": ""})
    assert response.status_code == 400 and "请为每个必填字段选一列：学籍号。" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING and not Student.objects.filter(student_no=sno(1)).exists()


def test_a_staff_file_with_its_own_headers_is_mapped_too(world, login, tmp_path):
    header = ["教工号", "教师姓名", "手机号码", "学校标识码", "职务", "是否专职", "出生年月"]
    row = {"教工号": "T9001", "教师姓名": "周老师", "手机号码": "13700009001", "学校标识码": "S-A",
           "职务": "心理教师", "是否专职": "是", "出生年月": "1990-01"}  # fmt: skip
    client = login(world.district_admin)
    response = upload(
        client, world.haidian, write_csv(tmp_path / "教职工.csv", [row], header=header), kind="staff"
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("roster:columns", args=[job.pk])
    confirm(client, job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert Post.objects.get(user__username="T9001").full_time
    assert job.warnings == ["列“出生年月”不是名册字段，未导入。"]


def test_the_import_page_shows_the_school_codes_of_the_uploaders_area(world, login):
    html = login(world.district_admin).get(reverse("roster:index")).content.decode()
    codes = html.split('id="school-codes"')[1].split("</table>")[0]
    assert "<code>S-A</code>" in codes and "<code>S-A-2</code>: 东校区" in codes
    assert world.school_a.name in codes
    assert "朝阳" not in codes  # another district's schools are not shown


def test_the_job_page_counts_a_row_with_two_problems_once(world, login, tmp_path):
    from xinyu.web.roster.testing import student_row

    client = login(world.district_admin)
    path = write_csv(tmp_path / "a.csv", [student_row(1), student_row(2, 性别="?", 年级="13")])
    upload(client, world.haidian, path)
    job = ImportJob.objects.get()
    page = client.get(reverse("roster:job", args=[job.pk]))
    summary = {str(k): v for k, v in page.context["summary"]}
    assert summary["有效行"] == 1 and summary["无效行"] == 1
    assert "问题数：2（涉及 1 行）" in page.content.decode()


def test_the_mapping_step_asks_for_the_password_again_after_ten_minutes(world, login, tmp_path):
    import time

    client = login(world.district_admin)
    upload(client, world.haidian, write_xueji(tmp_path / "a.csv", [xueji_row(1)]))
    job = ImportJob.objects.get()
    session = client.session
    session["xinyu_reauth_at"] = time.time() - 10 * 60 - 1
    session.save()
    response = client.get(reverse("roster:columns", args=[job.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/again/?next=")
