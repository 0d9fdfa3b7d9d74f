"""Psychological lessons (R3.1, R3.2, R3.4): the log, bulk entry, bad input, and compliance per class and school."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from org.models import SchoolClass
from schoolwork.programs import selectors
from schoolwork.programs.models import Lesson, LessonFocus
from schoolwork.programs.services import ProgramError, record_lessons, save_lesson_plan
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db


def _post(client, semester, **data):
    body = {"given_on": "", "topic": "认识情绪", "class_hours": "1", "combined_with": "", "focus": ""}
    body.update(data)
    return client.post(f"{reverse('schoolwork:lessons')}?semester={semester.pk}", body)


def test_one_lesson_is_recorded_for_several_classes_at_once(world, login):
    sem = autumn(world)
    day = sem.starts_on + dt.timedelta(days=3)
    r = _post(login(world.psych), sem, classes=[world.a1.pk, world.a2.pk], given_on=day.isoformat())
    assert r.status_code == 302
    assert set(Lesson.objects.values_list("school_class_id", flat=True)) == {world.a1.pk, world.a2.pk}
    assert Lesson.objects.filter(teacher=world.psych, school=world.school_a, semester=sem).count() == 2


def test_a_date_outside_the_semester_is_refused_and_nothing_changes(world, login):
    sem = autumn(world)
    before = Lesson.objects.count()
    r = _post(
        login(world.psych),
        sem,
        classes=[world.a1.pk],
        given_on=(sem.ends_on + dt.timedelta(days=1)).isoformat(),
    )
    assert r.status_code == 400
    assert sem.ends_on.isoformat() in r.content.decode()
    assert Lesson.objects.count() == before


def test_one_class_outside_the_log_refuses_the_whole_bulk_entry(world, login):
    sem = autumn(world)
    day = (sem.starts_on + dt.timedelta(days=3)).isoformat()
    r = _post(login(world.class_teacher), sem, classes=[world.a1.pk, world.a2.pk], given_on=day)
    assert r.status_code == 404
    assert not Lesson.objects.exists()


def test_the_east_campus_psych_teacher_keeps_only_the_east_campus_log(world):
    assert list(selectors.lesson_classes(world.psych_east)) == [world.a2]
    with pytest.raises(ProgramError):
        record_lessons(
            by=world.psych_east, classes=[world.a1], semester=autumn(world),
            given_on=autumn(world).starts_on, topic="x",
        )  # fmt: skip


def test_the_same_lesson_sent_twice_is_one_lesson(world):
    sem = autumn(world)
    for _ in range(2):
        record_lessons(by=world.class_teacher, classes=[world.a1], semester=sem, given_on=sem.starts_on,
                       topic="班会：交朋友", combined_with="class_meeting")  # fmt: skip
    assert Lesson.objects.count() == 1


def _lesson(world, cls, day, **kw):
    record_lessons(by=world.psych, classes=[cls], semester=autumn(world), given_on=day,
                   topic=kw.pop("topic", f"课 {day}"), **kw)  # fmt: skip


def test_a_grade_5_class_is_behind_until_every_past_fortnight_has_a_class_hour(world):
    sem = autumn(world)
    on = sem.starts_on + dt.timedelta(days=29)  # two fortnights over
    _lesson(world, world.a1, sem.starts_on + dt.timedelta(days=2))
    [row] = selectors.lesson_compliance([world.a1], sem, on=on)
    assert (row.fortnights_due, row.fortnights_covered, row.met) == (2, 1, False)
    _lesson(world, world.a1, sem.starts_on + dt.timedelta(days=20))
    [row] = selectors.lesson_compliance([world.a1], sem, on=on)
    assert (row.fortnights_covered, row.hours, row.met) == (2, 2, True)


def test_a_fortnight_of_holidays_asks_for_no_lesson(world):
    sem = autumn(world)
    first = sem.starts_on
    sem.calendar = [{"date": first.isoformat(), "until": (first + dt.timedelta(days=13)).isoformat(),
                     "kind": "holiday", "name": "假期"}]  # fmt: skip
    sem.save()
    [row] = selectors.lesson_compliance([world.a1], sem, on=first + dt.timedelta(days=15))
    assert row.fortnights_due == 0 and row.met


def test_a_graduating_grade_needs_pre_exam_counseling_and_stress_relief(world):
    sem = autumn(world)
    g9 = SchoolClass.objects.create(school=world.school_a, campus=world.campus_a_main, school_year=world.year,
                                    grade=9, name="初三1班")  # fmt: skip
    _lesson(world, g9, sem.starts_on, focus=LessonFocus.PRE_EXAM)
    [row] = selectors.lesson_compliance([g9], sem, on=sem.ends_on)
    assert row.rule == selectors.Rule.GRADUATING and not row.met
    _lesson(world, g9, sem.starts_on + dt.timedelta(days=1), focus=LessonFocus.STRESS_RELIEF, topic="减压")
    [row] = selectors.lesson_compliance([g9], sem, on=sem.ends_on)
    assert row.met


def test_life_and_adolescence_education_are_counted_as_tagged_topics(world):
    sem = autumn(world)
    _lesson(world, world.a1, sem.starts_on, life_education=True, adolescence_education=True)
    [row] = selectors.lesson_compliance([world.a1], sem, on=sem.starts_on)
    assert (row.life_education, row.adolescence_education) == (1, 1)


def test_a_school_is_met_only_when_every_grade_taught_has_a_plan(world):
    sem = autumn(world)
    on = sem.starts_on + dt.timedelta(days=10)  # no fortnight over yet: every class meets the hour rule
    [school] = selectors.school_lesson_compliance([world.school_a], sem, on=on)
    assert school.classes_met == 2 and school.grades_unplanned == [5] and not school.met
    save_lesson_plan(by=world.psych, school_id=world.school_a.pk, semester=sem, grade=5, planned_hours=9)
    [school] = selectors.school_lesson_compliance([world.school_a], sem, on=on)
    assert school.met


def test_a_plan_for_a_grade_the_school_does_not_teach_is_refused(world, login):
    sem = autumn(world)
    r = login(world.leader).post(
        f"{reverse('schoolwork:lesson_plans')}?semester={sem.pk}",
        {"school": world.school_a.pk, "grade": 12, "planned_hours": 9},
    )
    assert r.status_code == 400
    assert not selectors.lesson_plans([world.school_a], sem).exists()


def test_a_district_officer_sees_the_compliance_of_their_districts_schools_only(world, login):
    r = login(world.district_officer).get(reverse("schoolwork:lesson_compliance"))
    shown = {s.school for s in r.context["schools"]}
    assert shown == {world.school_a, world.school_b}


def test_the_compliance_page_changes_when_a_lesson_is_recorded(world, login):
    sem = autumn(world)
    client = login(world.leader)
    url = f"{reverse('schoolwork:lesson_compliance')}?semester={sem.pk}&school={world.school_a.pk}"
    before = {c.school_class: c.hours for c in client.get(url).context["schools"][0].rows}
    _lesson(world, world.a1, sem.starts_on)
    after = {c.school_class: c.hours for c in client.get(url).context["schools"][0].rows}
    assert (before[world.a1], after[world.a1], after[world.a2]) == (0, 1, 0)


def test_the_compliance_page_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    sem = autumn(world)
    client = login(world.district_officer)
    url = f"{reverse('schoolwork:lesson_compliance')}?semester={sem.pk}"
    client.get(url)
    for i in range(12):
        c = SchoolClass.objects.create(school=world.school_b, campus=world.campus_b, school_year=world.year,
                                       grade=4 + i % 3, name=f"班{i}")  # fmt: skip
        Lesson.objects.create(school=world.school_b, semester=sem, school_class=c, given_on=sem.starts_on,
                              topic="t", recorded_at=sem_start_at(sem))  # fmt: skip
    with django_assert_max_num_queries(12):
        r = client.get(url)
    assert r.status_code == 200


def sem_start_at(sem):
    from schoolwork.programs.tests.lesson_helpers import at

    return at(sem.starts_on)


def test_the_excel_export_is_formula_safe(world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    sem = autumn(world)
    world.a1.name = "=HYPERLINK(1)"
    world.a1.save()
    r = login(world.psych).get(f"{reverse('schoolwork:lesson_compliance_export')}?semester={sem.pk}")
    wb = load_workbook(BytesIO(r.content))
    names = [row[2] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(1)" in names


def test_lessons_taught_count_toward_the_teachers_workload(world):
    from care.workload.registry import workload

    sem = autumn(world)
    record_lessons(by=world.psych, classes=[world.a1, world.a2], semester=sem, given_on=sem.starts_on,
                   topic="认识情绪", class_hours=2)  # fmt: skip
    record_lessons(by=world.psych, classes=[world.a1], semester=sem, given_on=sem.ends_on, topic="期末减压")
    got = workload([world.psych.pk, world.teacher.pk], sem.starts_on, sem.starts_on + dt.timedelta(days=30))
    assert got[world.psych.pk]["lessons"] == 2 and got[world.psych.pk]["lesson_hours"] == 4
    assert "lessons" not in got[world.teacher.pk]


def test_a_leader_names_the_psych_teacher_who_gave_the_lesson_and_not_an_outsider(world, login):
    sem = autumn(world)
    client = login(world.leader)
    day = sem.starts_on.isoformat()
    r = _post(client, sem, classes=[world.a1.pk], given_on=day, teacher=world.other_school_teacher.pk)
    assert r.status_code == 400 and not Lesson.objects.exists()
    assert _post(client, sem, classes=[world.a1.pk], given_on=day, teacher=world.psych.pk).status_code == 302
    assert Lesson.objects.get().teacher == world.psych
