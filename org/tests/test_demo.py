"""Demo data (seed_demo) and demo logins (demo_logins)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from access import policy
from org.demo.calendar import school_year_terms
from org.demo.ids import id_check_char, is_valid_resident_id, resident_id
from org.demo.logins import DEMO_LOGINS, DEMO_PASSWORD, DEMO_SCHOOL_CODE
from org.demo.seed import DISTRICTS, birth_window, seed_demo_city
from org.models import (
    STAGE_GRADES,
    Enrollment,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    SchoolStage,
    SchoolYear,
    Semester,
    Student,
    User,
)

YEAR = 2026


def seed(students: int = 700, seed: int = 1) -> None:
    seed_demo_city(students=students, seed=seed, start_year=YEAR)


def wipe() -> None:
    from django.apps import apps

    # Higher apps' demo rows (registered demo steps) hold protected references to nodes and users.
    for label, model in (
        ("screening", "Campaign"),
        ("screening", "InstrumentLicence"),
        ("screening", "LevelRuleSet"),
    ):
        apps.get_model(label, model).objects.all().delete()
    # The counseling demo rows (duty rosters, rooms, the district line).
    for model in ("RoomDutyShift", "Slot", "CounselingRoom", "DutyShift", "DistrictLinks"):
        apps.get_model("counseling", model).objects.all().delete()
    GuardianLink.objects.all().delete()
    Guardian.objects.all().delete()
    Enrollment.objects.all().delete()
    Student.objects.all().delete()
    Post.objects.all().delete()
    SchoolClass.objects.all().delete()
    User.objects.all().delete()
    Semester.objects.all().delete()
    SchoolYear.objects.all().delete()
    Node.objects.update(district=None, school=None)
    for depth in range(5, -1, -1):
        Node.objects.filter(depth=depth).delete()


def snapshot() -> list[tuple]:
    return list(
        Student.objects.order_by("student_no").values_list(
            "student_no",
            "name",
            "gender",
            "birth_date",
            "enrollments__school__code",
            "enrollments__school_class__name",
        )
    )


def test_the_standard_example_resident_id_has_check_character_x():
    # GB 11643-1999's worked example.
    assert id_check_char("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002X")
    assert not is_valid_resident_id("110105194912310021")
    assert resident_id("110108", dt.date(2015, 3, 1), 1)[-1] == id_check_char("11010820150301001")


@pytest.mark.django_db
def test_the_same_seed_builds_the_same_city_and_another_seed_another(monkeypatch):
    # org's own city only: the higher apps' demo work (care's red case, audited) would outlive wipe()
    monkeypatch.setattr("org.demo.seed.DEMO_STEPS", [])
    seed(seed=7)
    first = snapshot()
    nodes = list(Node.objects.values_list("path", "code", "name", "stage"))
    wipe()
    seed(seed=7)
    assert snapshot() == first
    assert list(Node.objects.values_list("path", "code", "name", "stage")) == nodes
    wipe()
    seed(seed=8)
    assert snapshot() != first


@pytest.mark.django_db
def test_every_student_number_is_g_plus_a_valid_resident_id_matching_birth_date_gender_and_district():
    seed()
    for s in Student.objects.select_related():
        rid = s.student_no[1:]
        assert s.student_no[0] == "G" and is_valid_resident_id(rid)
        assert rid[6:14] == s.birth_date.strftime("%Y%m%d")
        assert int(rid[16]) % 2 == (1 if s.gender == "M" else 0)
    e = Enrollment.objects.select_related("student", "school__district").first()
    assert e.student.student_no[1:7] == e.school.district.code


@pytest.mark.django_db
def test_birth_dates_match_the_grade():
    seed()
    for e in Enrollment.objects.select_related("student"):
        lo, hi = birth_window(e.grade, YEAR)
        assert lo <= e.student.birth_date <= hi
    # A first-grader in 2026–27 turned six by 31 August 2026.
    assert birth_window(1, 2026) == (dt.date(2019, 9, 1), dt.date(2020, 8, 31))


@pytest.mark.django_db
def test_the_city_has_its_16_districts_every_stage_a_group_and_multi_site_schools():
    seed()
    city = Node.objects.get(kind=NodeKind.CITY)
    assert city.code == "110000"
    districts = Node.objects.filter(kind=NodeKind.DISTRICT)
    assert sorted(districts.values_list("code", flat=True)) == sorted(code for code, *_ in DISTRICTS)
    assert all(d.parent_id == city.pk and d.district_id == d.pk for d in districts)
    assert set(Node.objects.schools().values_list("stage", flat=True)) == set(SchoolStage.values)
    group = Node.objects.filter(kind=NodeKind.GROUP).first()
    assert group is not None and group.parent.kind == NodeKind.DISTRICT
    members = Node.objects.filter(parent=group, kind=NodeKind.SCHOOL)
    assert members.count() >= 2
    assert all(m.district_id == group.parent_id and m.path.startswith(group.path) for m in members)
    multi = Node.objects.schools().filter(is_multi_site=True).annotate(n=Count("children"))
    assert multi.count() >= 2 and all(s.n >= 2 for s in multi)
    # Materialized paths and denormalised ancestors as Node.save would set them.
    for n in Node.objects.exclude(kind=NodeKind.CITY).select_related("parent"):
        assert n.path.startswith(n.parent.path) and n.depth == n.parent.depth + 1
        if n.kind == NodeKind.CAMPUS:
            assert n.school_id == n.parent_id and n.district_id == n.parent.district_id
    assert list(Node.objects.subtree(group).schools()) == list(members)


@pytest.mark.django_db
def test_every_campus_has_a_psych_teacher_and_every_school_a_leader_and_every_class_a_class_teacher():
    seed()
    for school in Node.objects.schools():
        roles = set(Post.objects.filter(node=school).values_list("role", flat=True))
        assert {Role.SCHOOL_LEADER, Role.PSYCH_TEACHER, Role.TEACHER} <= roles
        assert Post.objects.filter(node=school, role=Role.PSYCH_TEACHER, full_time=True).exists()
        for campus in school.children.order_by("path")[1:]:  # the main campus is served by the school's post
            assert Post.objects.filter(node=campus, role=Role.PSYCH_TEACHER).exists()
        for grade in STAGE_GRADES[school.stage]:
            assert SchoolClass.objects.filter(school=school, grade=grade).exists()
    for cls in SchoolClass.objects.all():
        assert cls.class_teacher_id
        assert Post.objects.filter(user=cls.class_teacher, role=Role.CLASS_TEACHER, school_class=cls).exists()
        assert cls.campus.parent_id == cls.school_id
    for district in Node.objects.filter(kind=NodeKind.DISTRICT):
        roles = set(Post.objects.filter(node=district).values_list("role", flat=True))
        assert {Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN, Role.DISTRICT_COUNSELOR} <= roles


@pytest.mark.django_db
def test_classes_hold_40_to_45_students_when_the_city_is_big_enough():
    seed(students=3000)
    sizes = list(
        SchoolClass.objects.annotate(n=Count("enrollments"))
        .exclude(school__code=DEMO_SCHOOL_CODE)
        .values_list("n", flat=True)
    )
    assert sum(sizes) + Enrollment.objects.filter(school__code=DEMO_SCHOOL_CODE).count() == 3000
    assert min(sizes) >= 40 and max(sizes) <= 45


@pytest.mark.django_db
def test_every_student_has_exactly_one_primary_guardian():
    seed()
    assert Student.objects.count() == 700
    per_student = GuardianLink.objects.filter(is_primary=True).values("student").annotate(n=Count("id"))
    assert per_student.count() == 700 and {r["n"] for r in per_student} == {1}


@pytest.mark.django_db
def test_the_school_year_has_an_autumn_and_a_spring_semester_with_national_holidays():
    seed()
    year = SchoolYear.objects.get()
    autumn, spring = year.semesters.order_by("term")
    assert (
        autumn.starts_on == dt.date(2026, 9, 1)
        and autumn.ends_on.month == 1
        and 10 <= autumn.ends_on.day <= 20
    )
    assert spring.starts_on.month in (2, 3) and spring.ends_on.month == 7 and spring.ends_on.day <= 10
    assert any(e["name"] == "国庆节" and e["date"] == "2026-10-01" for e in autumn.calendar)
    assert any(e["name"] == "劳动节" for e in spring.calendar)
    assert school_year_terms(2026)[2][0].teaching_weeks >= 18


@pytest.mark.django_db
def test_seed_demo_if_empty_leaves_an_existing_city_alone():
    out = StringIO()
    call_command("seed_demo", students=200, seed=1, if_empty=True, not_production=True, stdout=out)
    count = Student.objects.count()
    assert count == 200
    call_command("seed_demo", students=500, seed=2, if_empty=True, not_production=True, stdout=out)
    assert Student.objects.count() == count
    with pytest.raises(CommandError):
        call_command("seed_demo", students=500, seed=2, not_production=True, stdout=out)


@pytest.mark.django_db
def test_every_printed_demo_login_logs_in_and_holds_its_role(client):
    call_command("seed_demo", students=300, seed=1, not_production=True, stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", stdout=out)
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed
    for d in DEMO_LOGINS:
        assert d.username in printed
        assert client.login(username=d.username, password=DEMO_PASSWORD), d.username
        client.logout()
        user = User.objects.get(username=d.username)
        if d.role == "superuser":
            assert user.is_superuser
        else:
            assert Post.objects.filter(user=user, role=d.role).exists(), d.username
    assert "(password changed" not in printed and "(missing)" not in printed
    # The demo staff who need two factors are enrolled, and their secret is printed (access.mfa).
    from access.models import SecondFactor

    secrets = {f.user.username: f.secret for f in SecondFactor.objects.select_related("user")}
    assert {"psych", "leader", "district_admin", "city_admin", "clinician", "admin"} <= secrets.keys()
    assert "teacher" not in secrets and "student" not in secrets
    assert all(secret in printed for secret in secrets.values()) and "totp_code" in printed


@pytest.mark.django_db
def test_the_demo_personas_show_the_rules():
    seed()
    users = {u.username: u for u in User.objects.all()}
    student = Student.objects.get(user__username="student")
    x1 = SchoolClass.objects.get(class_teacher__username="class_teacher")
    x2 = SchoolClass.objects.get(class_teacher__username="other_class_teacher")
    assert x1.school_id == x2.school_id and x1.grade == x2.grade and x1.campus_id != x2.campus_id
    assert list(policy.visible_classes(users["class_teacher"])) == [x1]
    assert policy.can_view_student(users["class_teacher"], student)
    assert not policy.can_view_student(users["other_class_teacher"], student)
    assert policy.can_view_student(users["psych"], student)
    assert not policy.can_view_student(users["psych_east"], student)  # 五年级1班 is on the main campus
    assert not policy.can_view_student(users["other_school_teacher"], student)
    assert not policy.can_view_student(users["district_officer"], student)  # escalated students only
    assert policy.can_view_student(users["district_admin"], student)
    assert not policy.visible_students(users["city_officer"]).exists()
    assert policy.can_view_student(users["guardian"], student)
    assert policy.can_view_student(users["student"], student)


def test_seed_demo_refuses_a_production_deployment_without_confirmation(db, settings):
    from django.core.management import CommandError

    from org.models import Node

    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", "--students", "50")
    assert not Node.objects.exists()


@pytest.mark.django_db
def test_demo_logins_prints_the_address_actually_served(monkeypatch):
    """``make run PORT=8123`` passes its address; the production stack's gunicorn binds XINYU_BIND (issue 18)."""
    call_command("seed_demo", students=100, seed=1, not_production=True, stdout=StringIO())
    out = StringIO()
    call_command("demo_logins", url="http://127.0.0.1:8123/login/", stdout=out)
    assert "http://127.0.0.1:8123/login/" in out.getvalue()
    monkeypatch.setenv("XINYU_BIND", "0.0.0.0:8456")
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "http://127.0.0.1:8456/login/" in out.getvalue() and ":8000" not in out.getvalue()
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "demo_logins --url http://$(HOST):$(PORT)/login/" in makefile
