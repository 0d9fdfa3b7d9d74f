"""Parent sessions (家长课, R11): at least one per semester per school; attendance per household, ticked a class
at a time; another school's household refused with nothing changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schoolwork.home import selectors, services
from schoolwork.home.models import ParentAttendance, ParentSession
from schoolwork.home.services import HomeSchoolError
from schoolwork.home.tests.home_helpers import noon, school_day


@pytest.fixture
def session(world):
    day = school_day(world)
    return services.create_parent_session(
        user=world.psych,
        school_id=world.school_a.pk,
        held_on=day,
        title="如何与青春期孩子沟通",
        now=noon(day),
    )


def _sessions_at(user, school, semester) -> int:
    return next(r.sessions for r in selectors.session_coverage(user, semester) if r.school == school)


def test_a_psych_teacher_records_a_session_and_the_schools_coverage_rises(world, login):
    semester = selectors.semester_of(school_day(world))
    assert _sessions_at(world.district_officer, world.school_a, semester) == 0
    got = login(world.psych).post(
        reverse("schoolwork:parent_sessions"),
        {
            "school": world.school_a.pk,
            "held_on": school_day(world).isoformat(),
            "title": "家长课",
            "key": "k",
        },
    )
    assert got.status_code == 302
    assert _sessions_at(world.district_officer, world.school_a, semester) == 1
    assert _sessions_at(world.district_officer, world.school_b, semester) == 0


def test_a_class_teacher_may_not_record_a_session_for_the_school(world):
    with pytest.raises(HomeSchoolError) as exc:
        services.create_parent_session(
            user=world.class_teacher, school_id=world.school_a.pk, held_on=school_day(world), title="x"
        )
    assert exc.value.status == 404 and ParentSession.objects.count() == 0


def test_a_class_teacher_ticks_their_classs_households_and_ticking_again_changes_nothing(
    world, login, session
):
    client = login(world.class_teacher)
    url = reverse("schoolwork:parent_attendance", kwargs={"pk": session.pk, "class_pk": world.a1.pk})
    ids = [world.student_a1.pk, world.student_a1b.pk]
    assert client.post(url, {"student": ids}).status_code == 302
    assert client.post(url, {"student": ids}).status_code == 302
    assert ParentAttendance.objects.filter(session=session).count() == 2
    client.post(url, {"student": [world.student_a1.pk]})  # unticked one
    assert list(ParentAttendance.objects.values_list("student_id", flat=True)) == [world.student_a1.pk]


def test_attendance_for_another_schools_household_is_refused_and_nothing_changes(world, login, session):
    services.set_class_attendance(
        user=world.class_teacher, session=session, school_class=world.a1, student_ids=[world.student_a1.pk]
    )
    before = list(ParentAttendance.objects.values_list("pk", "student_id"))
    url = reverse("schoolwork:parent_attendance", kwargs={"pk": session.pk, "class_pk": world.a1.pk})
    got = login(world.class_teacher).post(url, {"student": [world.student_a1b.pk, world.student_b1.pk]})
    assert got.status_code == 400
    assert "nothing was saved" in got.content.decode() or "未保存" in got.content.decode()
    assert list(ParentAttendance.objects.values_list("pk", "student_id")) == before


def test_a_class_teacher_cannot_tick_another_classs_households(world, login, session):
    url = reverse("schoolwork:parent_attendance", kwargs={"pk": session.pk, "class_pk": world.a2.pk})
    assert login(world.class_teacher).post(url, {"student": [world.student_a2.pk]}).status_code == 404
    assert ParentAttendance.objects.count() == 0


def test_a_session_dated_outside_the_semesters_is_refused(world):
    holiday = world.year.semesters.get(term=1).ends_on.replace(day=25)
    with pytest.raises(HomeSchoolError):
        services.create_parent_session(
            user=world.psych,
            school_id=world.school_a.pk,
            held_on=holiday,
            title="x",
            now=noon(holiday.replace(day=28)),
        )
    assert ParentSession.objects.count() == 0


def test_the_session_pages_take_a_fixed_number_of_queries(
    world, login, session, django_assert_max_num_queries
):
    for i in range(10):
        services.create_parent_session(
            user=world.psych, school_id=world.school_a.pk, held_on=session.held_on, title=f"s{i}",
            now=noon(session.held_on),
        )  # fmt: skip
    client = login(world.psych)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("schoolwork:parent_sessions")).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("schoolwork:parent_session", kwargs={"pk": session.pk})).status_code == 200
