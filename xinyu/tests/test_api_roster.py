"""The JSON API's roster reads follow the same policy as the pages: scope, 404 outside it, field cuts, audit."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import AuditEvent
from access.tokens import create_token
from org.models import Enrollment, ImportJob, Post, Role, Student


def bearer(user) -> dict[str, str]:
    _, token = create_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {s["name"] for s in response.json()["items"]}


def enroll(world, cls, n: int, start: int = 100) -> list[Student]:
    out = []
    for i in range(start, start + n):
        s = Student.objects.create(
            student_no=f"G11010820150301{i:04d}", name=f"学生{i}", gender="F", birth_date=dt.date(2015, 1, 1)
        )
        Enrollment.objects.create(
            student=s, school=cls.school, school_class=cls, school_year=world.year, grade=cls.grade
        )
        out.append(s)
    return out


# --- who sees whom --------------------------------------------------------------------------------------------------


def test_a_class_teacher_lists_only_their_own_class(world, login):
    assert names(login(world.class_teacher).get("/api/students")) == {"李小明", "王小红"}


def test_a_psychological_teacher_lists_their_school_and_only_it(world, login):
    assert names(login(world.psych).get("/api/students")) == {"李小明", "王小红", "张小华"}


def test_a_class_teacher_cannot_open_a_student_of_another_class_by_session(world, login):
    client = login(world.class_teacher)
    assert client.get(f"/api/students/{world.student_a1.pk}").status_code == 200
    assert client.get(f"/api/students/{world.student_a2.pk}").status_code == 404


def test_a_class_teacher_cannot_open_a_student_of_another_class_by_token(world, client):
    headers = bearer(world.class_teacher)
    assert client.get(f"/api/students/{world.student_a1.pk}", **headers).status_code == 200
    assert client.get(f"/api/students/{world.student_a2.pk}", **headers).status_code == 404


def test_a_student_that_does_not_exist_looks_the_same_as_one_out_of_scope(world, login):
    client = login(world.class_teacher)
    missing = client.get("/api/students/999999")
    hidden = client.get(f"/api/students/{world.student_c1.pk}")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()


def test_a_city_officer_sees_no_student_but_school_counts(world, login):
    enroll(world, world.c1, 5)  # 朝阳中学 now has 6 students; the others fewer than 5
    client = login(world.city_officer)
    students = client.get("/api/students").json()
    assert students == {"count": 0, "page": 1, "page_size": 50, "items": []}
    assert client.get(f"/api/students/{world.student_a1.pk}").status_code == 404
    schools = {s["name"]: s for s in client.get("/api/schools").json()["items"]}
    assert set(schools) == {"第一实验学校", "育英学校", "朝阳中学"}
    assert schools["朝阳中学"]["students"] == 6
    assert schools["第一实验学校"]["students"] is None  # 3 students: a small cell, suppressed
    assert [c["name"] for c in schools["第一实验学校"]["campuses"]] == ["本部", "东校区"]
    assert schools["朝阳中学"]["district"]["name"] == "朝阳区"
    # The look is recorded, and it named no student.
    assert [e.detail["ids"] for e in AuditEvent.objects.filter(action__startswith="student.")] == [[]]


def test_a_schools_own_staff_see_its_small_counts(world, login):
    schools = login(world.psych).get("/api/schools").json()["items"]
    assert [(s["name"], s["students"]) for s in schools] == [("第一实验学校", 3)]


def test_a_district_officer_sees_only_their_districts_schools(world, login):
    schools = login(world.district_officer).get("/api/schools").json()["items"]
    assert {s["name"] for s in schools} == {"第一实验学校", "育英学校"}


def test_classes_are_listed_within_scope(world, login):
    def class_names(user):
        return {c["name"] for c in login(user).get("/api/classes").json()["items"]}

    assert class_names(world.class_teacher) == {"五年级1班"}
    assert class_names(world.psych) == {"五年级1班", "五年级2班"}
    assert class_names(world.psych_east) == {"五年级2班"}
    assert class_names(world.city_officer) == set()
    sizes = {c["name"]: c["size"] for c in login(world.psych).get("/api/classes").json()["items"]}
    assert sizes == {"五年级1班": 2, "五年级2班": 1}


def test_filtering_by_a_class_outside_ones_scope_is_404(world, login):
    client = login(world.class_teacher)
    assert names(client.get(f"/api/students?class_id={world.a1.pk}")) == {"李小明", "王小红"}
    assert client.get(f"/api/students?class_id={world.a2.pk}").status_code == 404


def test_a_psychological_teacher_filters_by_class(world, login):
    assert names(login(world.psych).get(f"/api/students?class_id={world.a2.pk}")) == {"张小华"}


def test_a_guardian_sees_their_own_child_only(world, login):
    client = login(world.guardian)
    assert names(client.get("/api/students")) == {"李小明"}
    assert client.get(f"/api/students/{world.student_a1b.pk}").status_code == 404


# --- what each one sees of a student ----------------------------------------------------------------------------


def test_the_student_number_is_masked_without_clinical_access(world, login):
    row = login(world.class_teacher).get(f"/api/students/{world.student_a1.pk}").json()
    assert row["student_no"] == "*" * 15 + "0011"
    assert row["student_no_masked"] is True
    assert row["gender"] == "M" and row["birth_date"] == "2015-03-01"
    assert row["school_class"]["name"] == "五年级1班" and row["school_name"] == "第一实验学校"
    assert [(e["school_name"], e["status"]) for e in row["enrollments"]] == [("第一实验学校", "active")]


def test_a_psychological_teacher_sees_the_whole_student_number(world, login):
    row = login(world.psych).get(f"/api/students/{world.student_a1.pk}").json()
    assert row["student_no"] == "G110108201503010011"
    assert row["student_no_masked"] is False


def test_a_plain_teacher_gets_only_name_and_class(world, login):
    client = login(world.teacher)
    row = client.get(f"/api/students/{world.student_a1.pk}").json()
    assert row["name"] == "李小明" and row["school_class"]["name"] == "五年级1班"
    assert row["student_no"] is None and row["gender"] is None and row["birth_date"] is None
    assert row["enrollments"] == []
    listed = {s["name"]: s for s in client.get("/api/students").json()["items"]}
    assert listed["李小明"]["student_no"] is None and listed["李小明"]["gender"] is None


def test_a_teacher_who_is_also_a_class_teacher_gets_full_rows_for_their_class_only(world, login):
    Post.objects.create(user=world.class_teacher, role=Role.TEACHER, node=world.school_a)
    listed = {s["name"]: s for s in login(world.class_teacher).get("/api/students").json()["items"]}
    assert set(listed) == {"李小明", "王小红", "张小华"}
    assert listed["李小明"]["student_no"] == "*" * 15 + "0011"
    assert listed["张小华"]["student_no"] is None and listed["张小华"]["gender"] is None


def test_the_list_masks_the_student_number_row_by_row(world, login):
    rows = login(world.district_admin).get("/api/students").json()["items"]
    assert rows and all(r["student_no"].startswith("*") and r["student_no_masked"] for r in rows)
    rows = login(world.psych).get("/api/students").json()["items"]
    assert rows and all(r["student_no"].startswith("G") for r in rows)


# --- search and pages -------------------------------------------------------------------------------------------


def test_search_matches_only_what_the_viewer_is_shown(world, login):
    """Issue 19 finding 3: a whole 学籍号 matched for a viewer shown only its last four characters (or none), so
    237 calls recovered a masked number."""
    client = login(world.class_teacher)  # shown the last four characters
    assert names(client.get("/api/students", {"q": "小红"})) == {"王小红"}
    assert names(client.get("/api/students", {"q": "0012"})) == {"王小红"}  # the 4 characters shown
    assert names(client.get("/api/students", {"q": "G110108201503010011"})) == set()  # never shown whole
    assert names(client.get("/api/students", {"q": "G1101082015"})) == set()
    assert names(client.get("/api/students", {"q": "张小华"})) == set()  # another class
    psych = login(world.psych)  # shown the whole number (T3)
    assert names(psych.get("/api/students", {"q": "G110108201503010011"})) == {"李小明"}
    plain = login(world.teacher)  # name and class only: no part of the number
    assert names(plain.get("/api/students", {"q": "0012"})) == set()


def test_searching_students_is_throttled_per_account_and_audited(world, login, settings):
    settings.XINYU_SEARCH_THROTTLE = {"user": {"free": 5}}
    client = login(world.class_teacher)
    for i in range(5):
        assert client.get("/api/students", {"q": f"{i:04d}"}).status_code == 200
    assert client.get("/api/students", {"q": "0012"}).status_code == 429
    assert client.get("/org/students/", {"q": "0012"}).status_code == 429
    refused = AuditEvent.objects.filter(action="student.search_throttled", actor=world.class_teacher)
    assert refused.count() == 2
    other = login(world.psych)  # someone else is not slowed
    assert other.get("/api/students", {"q": "0012"}).status_code == 200
    assert client.get("/api/students").status_code == 200  # listing without a search is not a search


def test_students_come_in_pages(world, login):
    enroll(world, world.a1, 7)
    client = login(world.class_teacher)
    first = client.get("/api/students", {"page_size": 4}).json()
    third = client.get("/api/students", {"page_size": 4, "page": 3}).json()
    beyond = client.get("/api/students", {"page_size": 4, "page": 4}).json()
    assert first["count"] == 9 and len(first["items"]) == 4
    assert len(third["items"]) == 1 and beyond["items"] == []
    second = client.get("/api/students", {"page_size": 4, "page": 2}).json()
    assert {s["id"] for s in first["items"]}.isdisjoint({s["id"] for s in second["items"]})
    assert client.get("/api/students", {"page_size": 101}).status_code == 422
    assert client.get("/api/students", {"page": 0}).status_code == 422


def test_an_id_too_big_for_the_database_is_refused_not_a_server_error(world, login):
    # Found by the schemathesis run: an id past 2**63 overflowed the database driver (500).
    client = login(world.psych)
    huge = 2**64
    assert client.get(f"/api/students/{huge}").status_code == 422
    assert client.get("/api/classes", {"school_id": huge}).status_code == 422
    assert client.get("/api/students", {"class_id": huge}).status_code == 422
    assert client.get(f"/api/imports/{huge}").status_code == 422
    assert client.delete(f"/api/tokens/{huge}").status_code == 422


def test_the_students_list_costs_the_same_queries_for_a_large_page(
    world, login, django_assert_max_num_queries
):
    enroll(world, world.a1, 40)
    client = login(world.psych)
    client.get("/api/me")  # session and post caches warm

    def cost(size: int) -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = client.get("/api/students", {"page_size": size})
        assert len(r.json()["items"]) == size
        return len(ctx.captured_queries)

    assert cost(2) == cost(40)
    with django_assert_max_num_queries(12):
        client.get("/api/students", {"page_size": 40})


def test_schools_and_classes_cost_the_same_queries_for_a_large_page(
    world, login, django_assert_max_num_queries
):
    client = login(world.city_officer)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/schools", {"page_size": 1})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/schools", {"page_size": 3}).json()["items"]) == 3
    client = login(world.psych)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/classes", {"page_size": 1})
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/classes", {"page_size": 2}).json()["items"]) == 2


# --- audit --------------------------------------------------------------------------------------------------------


def test_listing_students_writes_an_audit_event_naming_who_was_shown(world, login):
    login(world.class_teacher).get("/api/students")
    event = AuditEvent.objects.get(action="student.list")
    assert event.actor == world.class_teacher
    assert sorted(event.detail["ids"]) == sorted([world.student_a1.pk, world.student_a1b.pk])
    assert event.detail["via"] == "api"


def test_opening_a_student_by_token_writes_an_audit_event(world, client):
    client.get(f"/api/students/{world.student_a1.pk}", **bearer(world.psych))
    event = AuditEvent.objects.get(action="student.view")
    assert event.actor == world.psych and event.student_id == world.student_a1.pk


def test_a_refused_student_writes_no_view_event(world, login):
    login(world.class_teacher).get(f"/api/students/{world.student_a2.pk}")
    assert not AuditEvent.objects.filter(action="student.view").exists()


# --- roster imports -----------------------------------------------------------------------------------------------


def _job(world, user, **kw) -> ImportJob:
    return ImportJob.objects.create(
        node=world.haidian,
        created_by=user,
        file="imports/x.csv",
        original_name="名册.csv",
        total_rows=200,
        processed_rows=50,
        errors=[{"line": 7, "column": "学籍号", "message": "格式不对"}],
        error_count=1,
        **kw,
    )


def test_the_importer_follows_their_roster_import(world, login):
    job = _job(world, world.district_admin)
    body = login(world.district_admin).get(f"/api/imports/{job.pk}").json()
    assert body["status"] == "pending" and body["percent"] == 25
    assert body["total_rows"] == 200 and body["error_count"] == 1
    assert body["errors"] == [{"line": 7, "column": "学籍号", "message": "格式不对"}]
    assert body["original_name"] == "名册.csv" and body["warnings"] == []


def test_another_users_roster_import_is_404(world, login):
    job = _job(world, world.district_admin)
    assert login(world.leader).get(f"/api/imports/{job.pk}").status_code == 404


def test_an_importer_who_lost_the_right_to_import_there_no_longer_sees_the_job(world, login):
    job = _job(world, world.district_admin)
    Post.objects.filter(user=world.district_admin).update(
        valid_to=dt.date(2000, 1, 1), valid_from=dt.date(1999, 1, 1)
    )
    assert login(world.district_admin).get(f"/api/imports/{job.pk}").status_code == 404
