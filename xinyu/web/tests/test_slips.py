"""Initial student passwords printed per class (PDF slips or Excel)."""

from __future__ import annotations

import io
import math
import re

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from conftest import PASSWORD
from org.demo.ids import resident_id, student_number
from org.models import Enrollment, Post, Role, Student, User
from xinyu.web.slips.render import SLIPS_PER_PAGE, render_xlsx
from xinyu.web.slips.services import ALPHABET, issue_class_passwords, readable_password


def url(cls) -> str:
    return reverse("slips:class", args=[cls.pk])


def add_students(cls, year, n: int, first_name: str = "学生") -> list[Student]:
    import datetime as dt

    out = []
    for i in range(n):
        no = student_number(resident_id("110108", dt.date(2015, 4, 1), 100 + i))
        s = Student.objects.create(
            student_no=no, name=f"{first_name}{i}", gender="F", birth_date=dt.date(2015, 4, 1)
        )
        Enrollment.objects.create(
            student=s, school=cls.school, school_class=cls, school_year=year, grade=cls.grade
        )
        out.append(s)
    return out


def pdf_pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", content))


def test_a_readable_password_has_no_look_alike_characters():
    for _ in range(200):
        pw = readable_password()
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}", pw)
        assert not set(pw) & set("0oO1lI")
        assert set(pw.replace("-", "")) <= set(ALPHABET)


def test_a_class_teacher_can_print_the_slips_of_their_own_class(world, login):
    client = login(world.class_teacher)
    page = client.get(url(world.a1))
    assert page.status_code == 200
    assert page.context["preview"].students == 2 and page.context["preview"].to_issue == 2
    response = client.post(url(world.a1), {"format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]


def test_a_class_teacher_gets_404_for_another_class_and_nothing_changes(world, login):
    client = login(world.class_teacher)
    assert client.get(url(world.a2)).status_code == 404
    assert client.post(url(world.a2), {"format": "pdf"}).status_code == 404
    assert client.get(url(world.b1)).status_code == 404
    world.student_a2.refresh_from_db()
    assert world.student_a2.user_id is None
    assert not AuditEvent.objects.filter(action="roster.print_passwords").exists()


def test_a_class_teacher_who_also_teaches_a_subject_still_prints_only_their_own_class(world, login):
    Post.objects.create(user=world.class_teacher, role=Role.TEACHER, node=world.school_a)
    client = login(world.class_teacher)
    assert client.get(url(world.a2)).status_code == 403
    assert client.get(url(world.a1)).status_code == 200


@pytest.mark.parametrize("persona", ["psych", "teacher"])
def test_staff_who_see_the_class_but_may_not_print_are_refused(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get(url(world.a1)).status_code == 403
    assert client.post(url(world.a1), {"format": "xlsx"}).status_code == 403


@pytest.mark.parametrize(
    "persona", ["other_district_officer", "city_officer", "city_admin", "auditor", "student", "guardian"]
)
def test_people_outside_the_class_scope_get_404(world, login, persona):
    assert login(getattr(world, persona)).get(url(world.a1)).status_code == 404


@pytest.mark.parametrize("persona", ["leader", "district_admin"])
def test_a_school_leader_and_a_district_admin_may_print_any_class_in_their_scope(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get(url(world.a2)).status_code == 200
    response = client.post(url(world.a2), {"format": "xlsx"})
    assert response.status_code == 200 and response.content.startswith(b"PK")


def test_an_anonymous_visitor_is_sent_to_log_in(world, client):
    response = client.get(url(world.a1))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_student_who_already_logged_in_keeps_their_password(world, client):
    world.student.last_login = timezone.now()
    world.student.save(update_fields=["last_login"])
    before = User.objects.get(pk=world.student.pk).password
    batch = issue_class_passwords(school_class=world.a1, actor=world.class_teacher)
    assert [s.student_no for s in batch.slips] == [world.student_a1b.student_no]
    assert batch.kept == 1
    assert User.objects.get(pk=world.student.pk).password == before
    assert client.login(username="student", password=PASSWORD)


def test_a_student_without_an_account_gets_one_named_by_student_number_that_logs_in(world, client):
    batch = issue_class_passwords(school_class=world.a1, actor=world.class_teacher)
    slip = next(s for s in batch.slips if s.student_no == world.student_a1b.student_no)
    world.student_a1b.refresh_from_db()
    user = world.student_a1b.user
    assert user.username == slip.username == world.student_a1b.student_no
    assert Post.objects.filter(user=user, role=Role.STUDENT, node=world.school_a).exists()
    assert client.login(username=slip.username, password=slip.password)
    # The cheap initial hash is upgraded to the site's Argon2 parameters at first login.
    user.refresh_from_db()
    assert user.password.startswith("argon2$") and "m=19456" not in user.password


def test_a_student_who_never_logged_in_gets_a_new_password_and_the_old_one_stops_working(world, client):
    batch = issue_class_passwords(school_class=world.a1, actor=world.class_teacher)
    slip = next(s for s in batch.slips if s.student_no == world.student_a1.student_no)
    assert slip.username == "student"
    assert not client.login(username="student", password=PASSWORD)
    assert client.login(username="student", password=slip.password)


def test_no_password_is_stored_in_plaintext_or_in_the_audit_trail(world, login):
    add_students(world.a1, world.year, 3)
    client = login(world.class_teacher)
    response = client.post(url(world.a1), {"format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    passwords = [row[6] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert len(passwords) == 5
    for s in Student.objects.filter(enrollments__school_class=world.a1).select_related("user"):
        assert s.user.password.startswith("argon2$")
        assert all(pw not in s.user.password for pw in passwords)
    event = AuditEvent.objects.get(action="roster.print_passwords")
    assert event.actor_id == world.class_teacher.pk and event.object_id == str(world.a1.pk)
    assert event.detail["issued"] == 5 and event.detail["format"] == "xlsx"
    assert all(pw not in str(event.detail) + event.reason for pw in passwords)


def test_the_pdf_has_one_page_per_ten_slips(world, login):
    add_students(world.a1, world.year, 12)
    response = login(world.class_teacher).post(url(world.a1), {"format": "pdf"})
    assert response.content.startswith(b"%PDF")
    assert pdf_pages(response.content) == math.ceil(14 / SLIPS_PER_PAGE) == 2


def test_the_excel_list_has_one_row_per_student_and_names_are_never_formulas(world, login):
    add_students(world.a1, world.year, 2, first_name="=HYPERLINK(")
    response = login(world.class_teacher).post(url(world.a1), {"format": "xlsx"})
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert ws.max_row == 1 + 4
    numbers = {row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert numbers == set(
        Student.objects.filter(enrollments__school_class=world.a1).values_list("student_no", flat=True)
    )
    assert all(ws.cell(row=r, column=4).data_type == "s" for r in range(2, 6))


def test_printing_a_class_costs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    add_students(world.a1, world.year, 20)
    with django_assert_max_num_queries(15):
        batch = issue_class_passwords(school_class=world.a1, actor=world.class_teacher)
    assert len(batch.slips) == 22


def test_a_class_where_everyone_has_logged_in_gives_no_file_but_a_message(world, login):
    issue_class_passwords(school_class=world.a1, actor=None)
    User.objects.filter(student__in=[world.student_a1, world.student_a1b]).update(last_login=timezone.now())
    response = login(world.class_teacher).post(url(world.a1), {"format": "pdf"})
    assert response.status_code == 302


def test_an_unknown_format_is_refused_without_changing_anything(world, login):
    response = login(world.class_teacher).post(url(world.a1), {"format": "docx"})
    assert response.status_code == 400
    world.student_a1b.refresh_from_db()
    assert world.student_a1b.user_id is None


def test_the_print_passwords_command_writes_the_file(world, tmp_path):
    out = tmp_path / "a1.xlsx"
    call_command(
        "print_passwords",
        "--class",
        str(world.a1.pk),
        "--format",
        "xlsx",
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    assert openpyxl.load_workbook(out).active.max_row == 3
    event = AuditEvent.objects.get(action="roster.print_passwords")
    assert event.actor_id is None and event.reason
    pdf = tmp_path / "a1.pdf"
    call_command(
        "print_passwords",
        "--class",
        str(world.a1.pk),
        "--format",
        "pdf",
        "-o",
        str(pdf),
        stdout=io.StringIO(),
    )
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_excel_renderer_keeps_every_cell_text():
    from xinyu.web.slips.services import Slip

    content = render_xlsx([Slip("校", "本部", "一班", "=1+1", "G1", "G1", "abcd-2345")], "http://x/login/")
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert ws.cell(row=2, column=4).value == "=1+1" and ws.cell(row=2, column=4).data_type == "s"
