"""The pages of schools, classes and students, per persona (STYLE.md: names that state the rule)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from access.models import AuditEvent
from org.models import Enrollment, Guardian, GuardianLink, Student
from xinyu.web.people.sections import StudentSection, register_student_section, unregister_student_section

STUDENTS = reverse("org:student_list")
CLASSES = reverse("org:class_list")
SCHOOLS = reverse("org:school_list")


def detail(student) -> str:
    return reverse("org:student_detail", args=[student.pk])


def text(response) -> str:
    return response.content.decode()


def add_students(cls, year, n: int, prefix: str = "G1101082015040") -> list[Student]:
    out = []
    for i in range(n):
        s = Student.objects.create(
            student_no=f"{prefix}{i:04d}", name=f"学生{i:03d}", gender="F", birth_date=dt.date(2015, 4, 1)
        )
        Enrollment.objects.create(
            student=s, school=cls.school, school_class=cls, school_year=year, grade=cls.grade
        )
        out.append(s)
    return out


# --- Anonymous ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [SCHOOLS, CLASSES, STUDENTS])
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_anonymous_visitor_cannot_open_a_student_page(client, world):
    response = client.get(detail(world.student_a1))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Student list ------------------------------------------------------------------------------------------


def test_a_class_teacher_sees_their_class_list_and_no_other_class(world, login):
    body = text(login(world.class_teacher).get(STUDENTS))
    assert "李小明" in body and "王小红" in body
    assert "张小华" not in body and "赵小丽" not in body


def test_a_class_teacher_gets_404_on_another_class_s_student(world, login):
    assert login(world.class_teacher).get(detail(world.student_a2)).status_code == 404


def test_a_class_teacher_gets_404_when_filtering_by_another_class(world, login):
    assert login(world.class_teacher).get(STUDENTS, {"class": world.a2.pk}).status_code == 404


def test_a_psychological_teacher_sees_their_school_s_students_and_no_other_school(world, login):
    body = text(login(world.psych).get(STUDENTS))
    assert {"李小明", "王小红", "张小华"} <= {n for n in ("李小明", "王小红", "张小华") if n in body}
    assert "赵小丽" not in body and "陈小强" not in body


def test_a_city_officer_s_student_list_is_empty(world, login):
    response = login(world.city_officer).get(STUDENTS)
    assert response.status_code == 200
    assert response.context["rows"] == []
    for name in ("李小明", "王小红", "张小华", "赵小丽", "陈小强"):
        assert name not in text(response)


def test_the_student_number_is_masked_except_the_last_four_for_a_class_teacher(world, login):
    body = text(login(world.class_teacher).get(STUDENTS))
    assert world.student_a1.student_no not in body
    assert "***************0011" in body


def test_a_psychological_teacher_sees_the_whole_student_number(world, login):
    assert world.student_a1.student_no in text(login(world.psych).get(STUDENTS))


def test_a_plain_teacher_sees_names_and_classes_but_no_student_number(world, login):
    body = text(login(world.teacher).get(STUDENTS))
    assert "李小明" in body and "五年级1班" in body
    assert "0011" not in body


def test_students_can_be_found_by_name(world, login):
    response = login(world.psych).get(STUDENTS, {"q": "小明"})
    assert [s.name for s in response.context["rows"]] == ["李小明"]


def test_students_can_be_found_by_the_last_four_characters_of_the_student_number(world, login):
    response = login(world.class_teacher).get(STUDENTS, {"q": "0012"})
    assert [s.name for s in response.context["rows"]] == ["王小红"]


def test_full_width_digits_in_a_search_are_understood(world, login):
    response = login(world.class_teacher).get(STUDENTS, {"q": "００１２"})
    assert [s.name for s in response.context["rows"]] == ["王小红"]


def test_a_masked_viewer_cannot_probe_hidden_digits_of_the_student_number(world, login):
    # "20150301" is in every number (the birth date part): only a T3 viewer may search inside the number.
    assert login(world.class_teacher).get(STUDENTS, {"q": "20150301"}).context["rows"] == []
    assert len(login(world.psych).get(STUDENTS, {"q": "20150301"}).context["rows"]) == 3


def test_a_search_never_reaches_outside_the_scope(world, login):
    assert login(world.class_teacher).get(STUDENTS, {"q": "赵小丽"}).context["rows"] == []


def test_a_class_filter_shows_only_that_class(world, login):
    response = login(world.psych).get(STUDENTS, {"class": world.a2.pk})
    assert [s.name for s in response.context["rows"]] == ["张小华"]


def test_the_student_list_writes_one_audit_event_naming_the_students_shown(world, login):
    client = login(world.class_teacher)
    before = AuditEvent.objects.count()
    client.get(STUDENTS, {"q": "小"})
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 1
    assert events[0].action == "student.list"
    assert events[0].actor == world.class_teacher
    assert sorted(events[0].detail["ids"]) == sorted([world.student_a1.pk, world.student_a1b.pk])
    assert events[0].detail["q"] == "小"


def test_the_student_list_costs_the_same_queries_for_many_rows(world, login, django_assert_max_num_queries):
    add_students(world.a1, world.year, 30)
    client = login(world.psych)
    client.get(STUDENTS)  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(STUDENTS)
    assert len(response.context["rows"]) == 25


def test_the_student_list_is_paginated(world, login):
    add_students(world.a1, world.year, 30)
    response = login(world.psych).get(STUDENTS, {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["rows"]) == 33 - 25


# --- Student page -------------------------------------------------------------------------------------------


def test_a_psychological_teacher_sees_the_student_page_with_history_and_guardians(world, login):
    body = text(login(world.psych).get(detail(world.student_a1)))
    assert "李小明" in body and "五年级1班" in body and "第一实验学校" in body
    assert world.student_a1.student_no in body
    assert "李小明家长" in body
    assert "13800000001" not in body  # the phone is masked
    assert "138****0001" in body


def test_a_teacher_sees_only_name_and_class_on_the_student_page(world, login):
    response = login(world.teacher).get(detail(world.student_a1))
    assert response.status_code == 200
    body = text(response)
    assert "李小明" in body and "五年级1班" in body
    assert "0011" not in body  # no student number
    assert "李小明家长" not in body and "138" not in body  # no guardians
    assert response.context["info"].history == []
    assert response.context["info"].age is None


def test_a_teacher_of_another_school_gets_404_on_a_student_page(world, login):
    assert login(world.other_school_teacher).get(detail(world.student_a1)).status_code == 404


def test_a_city_officer_gets_404_on_any_student_page(world, login):
    assert login(world.city_officer).get(detail(world.student_a1)).status_code == 404


def test_the_guardian_sees_only_their_child(world, login):
    client = login(world.guardian)
    assert client.get(detail(world.student_a1)).status_code == 200
    assert client.get(detail(world.student_a1b)).status_code == 404
    assert client.get(detail(world.student_b1)).status_code == 404
    rows = client.get(STUDENTS).context["rows"]
    assert [s.name for s in rows] == ["李小明"]


def test_a_guardian_does_not_see_other_guardians_phone_numbers(world, login):
    father = Guardian.objects.create(name="李爸爸", phone="13900000009")
    GuardianLink.objects.create(guardian=father, student=world.student_a1, relation="father")
    body = text(login(world.guardian).get(detail(world.student_a1)))
    assert "李爸爸" not in body and "0009" not in body


def test_the_student_sees_their_own_page_and_no_classmate(world, login):
    client = login(world.student)
    assert client.get(detail(world.student_a1)).status_code == 200
    assert client.get(detail(world.student_a1b)).status_code == 404


def test_the_district_admin_sees_students_of_their_district_only_and_the_officer_none(world, login):
    client = login(world.district_admin)
    assert client.get(detail(world.student_b1)).status_code == 200
    assert client.get(detail(world.student_c1)).status_code == 404
    # Issue 19 finding 11: the district officer sees aggregates and escalated students only.
    assert login(world.district_officer).get(detail(world.student_b1)).status_code == 404


def test_the_enrollment_history_follows_a_student_across_schools(world, login):
    from org.models import SchoolYear

    last = SchoolYear.objects.create(
        start_year=world.year.start_year - 1,
        starts_on=dt.date(world.year.start_year - 1, 9, 1),
        ends_on=dt.date(world.year.start_year, 8, 31),
    )
    Enrollment.objects.create(
        student=world.student_a1, school=world.school_c, school_year=last, grade=4, status="transferred"
    )
    body = text(login(world.psych).get(detail(world.student_a1)))
    assert "朝阳中学" in body  # last year's school, even though it is outside the viewer's scope
    assert "转出" in body or "Transferred" in body


def test_the_student_page_writes_one_audit_event(world, login):
    client = login(world.psych)
    before = AuditEvent.objects.count()
    client.get(detail(world.student_a1))
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.action, e.student_id, e.actor_id) for e in events] == [
        ("student.view", world.student_a1.pk, world.psych.pk)
    ]


def test_a_refused_student_page_writes_no_view_event(world, login):
    before = AuditEvent.objects.filter(action="student.view").count()
    login(world.class_teacher).get(detail(world.student_a2))
    assert AuditEvent.objects.filter(action="student.view").count() == before


def test_later_apps_can_add_sections_to_the_student_page(world, login, tmp_path, settings):
    template_dir = tmp_path / "t"
    (template_dir / "care").mkdir(parents=True)
    (template_dir / "care" / "_probe.html").write_text("<p>probe {{ ctx.n }} {{ student.name }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], template_dir]}]

    def probe(request, student):
        if request.user != world.psych:
            return None
        return StudentSection(title="Probe section", template="care/_probe.html", context={"n": 42})

    register_student_section(probe)
    try:
        assert "probe 42 李小明" in text(login(world.psych).get(detail(world.student_a1)))
        assert "Probe section" not in text(login(world.class_teacher).get(detail(world.student_a1)))
    finally:
        unregister_student_section(probe)


def test_the_student_page_costs_a_fixed_number_of_queries(world, login):
    """The same number of queries with one guardian as with four (no query per row), and a sane ceiling for
    the page and every section the apps add to it (level, cases, file link, visits, counseling)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.psych)
    client.get(detail(world.student_a1))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail(world.student_a1)).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(3):
        g = Guardian.objects.create(name=f"监护人{i}", phone=f"1390000010{i}")
        GuardianLink.objects.create(guardian=g, student=world.student_a1, relation="other")
    assert count() == one
    assert one <= 25


# --- Classes ------------------------------------------------------------------------------------------------


def test_a_class_teacher_sees_only_their_own_class_in_the_class_list(world, login):
    response = login(world.class_teacher).get(CLASSES)
    assert [c.name for c in response.context["page"].object_list] == ["五年级1班"]
    assert response.context["page"].object_list[0].size == 2


def test_a_psychological_teacher_sees_every_class_of_their_school(world, login):
    response = login(world.psych).get(CLASSES)
    assert {c.name for c in response.context["page"].object_list} == {"五年级1班", "五年级2班"}


def test_the_class_list_shows_the_class_teacher(world, login):
    assert "一班班主任" in text(login(world.psych).get(CLASSES))


def test_a_city_officer_sees_no_class_roster(world, login):
    assert list(login(world.city_officer).get(CLASSES).context["page"].object_list) == []


def test_a_class_list_of_a_school_outside_the_scope_is_404(world, login):
    assert login(world.psych).get(CLASSES, {"school": world.school_c.pk}).status_code == 404


def test_the_class_list_costs_the_same_queries_for_many_classes(world, login, django_assert_max_num_queries):
    from org.models import SchoolClass

    for i in range(20):
        SchoolClass.objects.create(
            school=world.school_a,
            campus=world.campus_a_main,
            school_year=world.year,
            grade=6,
            name=f"六年级{i}班",
        )
    client = login(world.psych)
    client.get(CLASSES)
    with django_assert_max_num_queries(10):
        response = client.get(CLASSES)
    assert len(response.context["page"].object_list) == 22


# --- Schools ------------------------------------------------------------------------------------------------


def test_a_city_officer_s_school_list_shows_counts_with_small_cells_suppressed(world, login):
    add_students(world.b1, world.year, 6)  # 育英学校 now has 7 students, the others fewer than 5
    response = login(world.city_officer).get(SCHOOLS)
    rows = {s.name: s.student_count_shown for s in response.context["page"].object_list}
    assert rows == {"第一实验学校": "<5", "育英学校": "7", "朝阳中学": "<5"}
    body = text(response)
    for name in ("李小明", "赵小丽", "陈小强"):
        assert name not in body


def test_a_school_s_own_staff_see_its_exact_count(world, login):
    rows = login(world.psych).get(SCHOOLS).context["page"].object_list
    assert [(s.name, s.student_count_shown) for s in rows] == [("第一实验学校", "3")]


def test_a_district_officer_sees_the_schools_of_their_district_only(world, login):
    rows = login(world.district_officer).get(SCHOOLS).context["page"].object_list
    assert {s.name for s in rows} == {"第一实验学校", "育英学校"}


def test_the_school_list_shows_campuses(world, login):
    body = text(login(world.district_officer).get(SCHOOLS))
    assert "东校区" in body


def test_the_school_list_costs_the_same_queries_for_many_schools(world, login, django_assert_max_num_queries):
    from org.models import Node, NodeKind

    for i in range(15):
        school = Node.objects.create(
            kind=NodeKind.SCHOOL, parent=world.chaoyang, name=f"学校{i}", code=f"X{i}", stage="primary"
        )
        Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"X{i}-1")
    client = login(world.city_officer)
    client.get(SCHOOLS)
    with django_assert_max_num_queries(10):
        response = client.get(SCHOOLS)
    assert len(response.context["page"].object_list) == 18


def test_a_guardian_sees_no_school_figures(world, login):
    assert list(login(world.guardian).get(SCHOOLS).context["page"].object_list) == []


def test_a_class_teacher_finds_the_password_slips_of_their_class_and_a_psych_teacher_does_not(world, login):
    slips = reverse("slips:class", args=[world.a1.pk])
    assert slips in text(login(world.class_teacher).get(CLASSES))
    assert "/slips/" not in text(login(world.psych).get(CLASSES))
