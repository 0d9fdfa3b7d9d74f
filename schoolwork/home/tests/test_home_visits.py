"""Home visits (家访, R10): the class teacher records visits for their own class; coverage per class per year;
students with an open case need a visit each semester; sensitive notes are T3 and encrypted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from access.models import AuditEvent
from care.cases.services import open_or_update_case
from schoolwork.home import selectors, services
from schoolwork.home.models import HomeVisit
from schoolwork.home.services import HomeSchoolError
from schoolwork.home.tests.home_helpers import noon, school_day


def _visit(world, user, student, day=None, **kw):
    day = day or school_day(world)
    fields = {"visitors": "班主任", "mode": "in_person", "summary": "家庭氛围良好"} | kw
    return services.record_home_visit(user=user, student=student, visited_on=day, now=noon(day), **fields)


def _covered(world, user, cls) -> int:
    return sum(1 for r in selectors.class_visit_coverage(user, cls, semester=None) if r.visits)


def test_a_class_teacher_records_a_visit_and_the_class_coverage_rises(world, login):
    before = _covered(world, world.class_teacher, world.a1)
    client = login(world.class_teacher)
    url = reverse("schoolwork:home_visit_new", kwargs={"pk": world.student_a1.pk})
    form = {"visited_on": school_day(world).isoformat(), "visitors": "班主任 王老师", "mode": "in_person",
            "summary": "与母亲交流学习情况", "key": "k1"}  # fmt: skip
    got = client.post(url, form)
    assert got.status_code == 302
    assert _covered(world, world.class_teacher, world.a1) == before + 1
    page = client.get(reverse("schoolwork:home_visit_class", kwargs={"pk": world.a1.pk}))
    assert (page.context["visited"], page.context["total"]) == (1, 2)


def test_a_class_teacher_cannot_record_a_visit_for_another_classs_student(world, login):
    before = HomeVisit.objects.count()
    client = login(world.class_teacher)
    url = reverse("schoolwork:home_visit_new", kwargs={"pk": world.student_a2.pk})
    got = client.post(url, {"visited_on": school_day(world).isoformat(), "visitors": "x", "mode": "phone",
                            "summary": "x"})  # fmt: skip
    assert got.status_code == 404
    with pytest.raises(HomeSchoolError) as exc:
        _visit(world, world.class_teacher, world.student_a2)
    assert exc.value.status == 404
    assert HomeVisit.objects.count() == before


def test_a_visit_dated_outside_every_semester_is_refused_with_nothing_saved(world, login):
    holiday = world.year.semesters.get(term=1).ends_on + dt.timedelta(days=5)
    with pytest.raises(HomeSchoolError) as exc:
        services.record_home_visit(
            user=world.class_teacher, student=world.student_a1, visited_on=holiday, visitors="x",
            mode="phone", summary="x", now=noon(holiday + dt.timedelta(days=1)),
        )  # fmt: skip
    assert "semester" in exc.value.message or "学期" in exc.value.message
    client = login(world.class_teacher)
    got = client.post(
        reverse("schoolwork:home_visit_new", kwargs={"pk": world.student_a1.pk}),
        {"visited_on": "2999-01-01", "visitors": "x", "mode": "phone", "summary": "x"},
    )
    assert got.status_code == 400
    assert HomeVisit.objects.count() == 0


def test_submitting_the_same_form_twice_records_one_visit(world):
    a = _visit(world, world.class_teacher, world.student_a1, key="same")
    b = _visit(world, world.class_teacher, world.student_a1, key="same")
    assert a.pk == b.pk and HomeVisit.objects.count() == 1


def test_the_sensitive_note_is_encrypted_and_read_only_by_the_psych_teacher_and_its_author(world):
    _visit(world, world.class_teacher, world.student_a1, sensitive_note="父母离异，情绪低落")
    with connection.cursor() as c:
        c.execute("SELECT sensitive_note FROM schoolwork_homevisit")
        raw = c.fetchone()[0]
    assert "离异" not in raw
    for user, reads in ((world.psych, True), (world.class_teacher, True), (world.leader, False)):
        visits, _t3 = selectors.visits_of(user, world.student_a1)
        assert [v.may_read_note for v in visits] == [reads], user
    assert selectors.visits_of(world.other_class_teacher, world.student_a1) == ([], False)


def test_a_school_leader_never_reads_the_sensitive_note_even_of_a_red_or_orange_student(world, login):
    """Issue 19 build 4: the tier tour found the leader reading a visit's sensitive note on the student page of a
    student with an open orange case (the leader's T3 there is name, level and status)."""
    day = school_day(world)
    open_or_update_case(
        student=world.student_a1, level="orange", source_type="report", actor=None, now=noon(day)
    )
    _visit(world, world.class_teacher, world.student_a1, summary="交流顺利", sensitive_note="曾有自伤念头")
    assert [v.may_read_note for v in selectors.visits_of(world.leader, world.student_a1)[0]] == [False]
    page = login(world.leader).get(reverse("org:student_detail", kwargs={"pk": world.student_a1.pk}))
    body = page.content.decode()
    assert "交流顺利" in body and "曾有自伤念头" not in body
    assert "曾有自伤念头" in login(world.psych).get(page.request["PATH_INFO"]).content.decode()


def test_a_school_leaders_own_visit_is_marked_as_theirs(world):
    v = _visit(world, world.leader, world.student_a2, visitors="校长")
    assert v.by_leader and v.school_class == world.a2


def test_students_with_an_open_case_are_listed_until_visited_this_semester(world):
    day = school_day(world)
    case, _ = open_or_update_case(
        student=world.student_a1, level="orange", source_type="report", actor=None, now=noon(day)
    )
    semester = selectors.semester_of(day)
    assert [c.student for c in selectors.cases_missing_visit(world.psych, semester)] == [world.student_a1]
    # The class teacher is on the case's team (care adds them when the case opens): they are told a visit is
    # due. Another class's teacher, on no team and with no T3, does not learn of the case.
    assert [c.student for c in selectors.cases_missing_visit(world.class_teacher, semester)] == [
        world.student_a1
    ]
    assert selectors.cases_missing_visit(world.other_class_teacher, semester) == []
    assert selectors.cases_missing_visit(world.leader, semester) == [case]  # on the team too
    v = _visit(world, world.psych, world.student_a1, case_id=case.pk)
    assert v.case == case
    assert selectors.cases_missing_visit(world.psych, semester) == []


def test_the_student_page_shows_visits_and_audits_the_look(world, login):
    _visit(world, world.class_teacher, world.student_a1, summary="交流顺利")
    page = login(world.psych).get(reverse("org:student_detail", kwargs={"pk": world.student_a1.pk}))
    assert "交流顺利" in page.content.decode()
    assert AuditEvent.objects.filter(
        action="schoolwork.home_visit.view", actor=world.psych, student_id=world.student_a1.pk
    ).exists()
    page = login(world.teacher).get(reverse("org:student_detail", kwargs={"pk": world.student_a1.pk}))
    assert "交流顺利" not in page.content.decode()


def test_the_coverage_pages_take_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    from conftest import _student

    for i in range(12):
        s = _student(f"G1101082015030109{i:02d}", f"学生{i}", "M", world.a1, world.year)
        _visit(world, world.class_teacher, s)
    client = login(world.psych)
    with django_assert_max_num_queries(16):
        assert (
            client.get(reverse("schoolwork:home_visit_class", kwargs={"pk": world.a1.pk})).status_code == 200
        )
    with django_assert_max_num_queries(16):
        assert client.get(reverse("schoolwork:home_visits")).status_code == 200


def test_the_student_file_shows_visits_with_the_sensitive_note_only_at_t3(world, login):
    from access.tiers import Tier
    from care.file.timeline import Filters, gather

    _visit(world, world.class_teacher, world.student_a1, summary="学习压力大", sensitive_note="曾有自伤念头")
    t2 = [
        e for e in gather(world.class_teacher, world.student_a1, Tier.T2, Filters()) if e.kind == "home_visit"
    ]
    t3 = [e for e in gather(world.psych, world.student_a1, Tier.T3, Filters()) if e.kind == "home_visit"]
    assert len(t2) == 1 and "学习压力大" in t2[0].summary and "自伤" not in t2[0].summary
    assert len(t3) == 1 and "自伤" in t3[0].summary
    page = login(world.psych).get(reverse("care:file_detail", kwargs={"pk": world.student_a1.pk}))
    assert page.status_code == 200 and "学习压力大" in page.content.decode()


def test_school_coverage_counts_each_visited_student_once_per_school(world):
    _visit(world, world.class_teacher, world.student_a1)
    _visit(world, world.class_teacher, world.student_a1)
    _visit(world, world.other_class_teacher, world.student_a2)
    rows = {r.school: (r.students, r.visited) for r in selectors.visit_coverage_by_school(
        selectors.visible_schools(world.district_officer), world.year
    )}  # fmt: skip
    assert rows == {world.school_a: (3, 2), world.school_b: (1, 0)}
