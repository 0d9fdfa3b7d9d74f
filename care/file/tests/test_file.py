"""The student file (一人一档, issue 4 item 1): who sees what, ownership on transfer, filters, audit, export, and a
fixed number of queries whatever the length of the history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.models import AuditEvent
from access.tiers import Tier
from care.file import timeline
from care.file.tests.file_history import build_history, school_year
from org.models import Enrollment, EnrollmentStatus, Post, Role, SchoolClass, User


def file_url(student, name="care:file_detail") -> str:
    return reverse(name, args=[student.pk])


@pytest.fixture
def history(world):
    """student_a1 with three years of history at school A (PHQ-A totals 6 + year % 7)."""
    last = world.year.start_year
    build_history(
        world.student_a1, world.school_a, years=3, last=last, organiser=world.haidian, by=world.psych
    )
    return world


def _psych_at(school, name: str) -> User:
    u = User.objects.create(username=name, display_name=name)
    Post.objects.create(user=u, role=Role.PSYCH_TEACHER, node=school, full_time=True)
    return u


def _transfer(world, student, to_class: SchoolClass) -> None:
    """转学: the enrollment at the old school ends as transferred; a new active one starts at the new school."""
    Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.TRANSFERRED, ended_on=dt.date.today()
    )
    Enrollment.objects.create(
        student=student, school=to_class.school, school_class=to_class,
        school_year=school_year(world.year.start_year + 1), grade=to_class.grade, started_on=dt.date.today(),
    )  # fmt: skip


def test_the_psych_teacher_sees_scores_levels_alerts_and_cases(history, login):
    response = login(history.psych).get(file_url(history.student_a1) + "?year=all")
    body = response.content.decode()
    total = 6 + history.year.start_year % 7
    assert f"总分 {total}" in body  # the PHQ-A total of this year
    assert "PHQ-A" in body and "GAD-7" in body
    assert "level-orange" in body  # alerts and cases in their colours
    assert "第二阶段访谈" in body  # a case event's reason (T3)
    assert 'id="file-charts"' in body  # year-over-year charts
    kinds = {e.kind for e in response.context["page"].entries}
    assert {"screening", "level", "alert", "case", "plan", "contact", "referral"} <= kinds
    assert {"report", "crisis", "follow_up", "disclosure"} <= kinds
    assert "无需紧急转介" in body and "情绪平稳" in body  # a crisis step left out, a follow-up's outcome
    assert len([e for e in response.context["page"].entries if e.kind == "report"]) == 3  # one provider each
    assert "门诊随访" in body  # the clinician's feedback on the referral


def test_a_class_teacher_sees_the_level_colour_not_the_scores(history, login):
    response = login(history.class_teacher).get(file_url(history.student_a1))
    assert response.status_code == 200
    body = response.content.decode()
    assert "file-level" in body and "level-" in body  # the current level's colour
    assert "总分" not in body and "PHQ-A" not in body  # no scores
    assert "第二阶段访谈" not in body and "谈话后确认" not in body  # no case detail, no level note
    assert "门诊随访" not in body and "安定医院" not in body  # no referral, no plan
    assert 'id="file-charts"' not in body
    assert response.context["page"].entries == []


def test_a_leader_reads_the_file_at_the_level_colour_only(history, login):
    response = login(history.leader).get(file_url(history.student_a1))
    assert response.status_code == 200
    assert response.context["page"].access.tier == Tier.T2
    assert "总分" not in response.content.decode()


def test_a_psych_teacher_of_another_school_gets_404(history, login):
    other = _psych_at(history.school_b, "psych_b")
    assert login(other).get(file_url(history.student_a1)).status_code == 404


def test_the_other_campuss_psych_teacher_and_the_other_class_teacher_get_404(history, login):
    assert login(history.psych_east).get(file_url(history.student_a1)).status_code == 404
    assert login(history.other_class_teacher).get(file_url(history.student_a1)).status_code == 404


def test_a_subject_teacher_never_has_files(history, login):
    assert login(history.teacher).get(file_url(history.student_a1)).status_code == 403


def test_the_receiving_school_sees_the_whole_history_and_the_old_school_only_its_own_records(history, login):
    """Ownership on transfer: the file goes with the student; the old school keeps what it recorded."""
    student = history.student_a1
    psych_b = _psych_at(history.school_b, "psych_b")
    _transfer(history, student, history.b1)
    # Something recorded at the new school after the move.
    from care.models import LevelRecord

    LevelRecord.objects.filter(student=student, is_current=True).update(is_current=False)
    LevelRecord.objects.create(
        student=student, level="red", note="新学校评估", source_type="manual", school=history.school_b,
        confirmed_by=psych_b, confirmed_at=dt.datetime.now(tz=timeline.SHANGHAI), is_current=True,
    )  # fmt: skip

    new = login(psych_b).get(file_url(student))
    assert new.status_code == 200
    schools = {e.school_id for e in new.context["page"].entries}
    assert schools == {history.school_a.pk, history.school_b.pk}
    assert new.context["page"].access.may_export

    old = login(history.psych).get(file_url(student))
    assert old.status_code == 200
    page = old.context["page"]
    assert page.access.own_records_only
    assert page.entries and {e.school_id for e in page.entries} == {history.school_a.pk}
    body = old.content.decode()
    assert "新学校评估" not in body and history.school_b.name not in body
    assert page.current_level is None  # the current level is the new school's record
    # The old school may not export the file, and its class teacher has lost the student.
    assert login(history.psych).get(file_url(student, "care:file_pdf")).status_code == 403
    assert login(history.class_teacher).get(file_url(student)).status_code == 404
    # The old school's audit event says that only its own records were shown.
    event = AuditEvent.objects.filter(action="care.file.view", actor=history.psych).latest("seq")
    assert event.detail["own_records"] == [history.school_a.pk]


def test_every_opening_is_audited_with_a_stable_detail(history, login):
    login(history.class_teacher).get(file_url(history.student_a1) + "?year=" + str(history.year.start_year))
    event = AuditEvent.objects.filter(action="care.file.view").latest("seq")
    assert event.actor_id == history.class_teacher.pk
    assert event.student_id == history.student_a1.pk
    assert event.object_id == str(history.student_a1.pk)
    assert event.detail == {
        "tier": 2, "own_records": None, "kinds": [], "year": history.year.start_year, "entries": 0,
    }  # fmt: skip


def test_filters_by_kind_and_school_year(history, login):
    client = login(history.psych)
    page = client.get(file_url(history.student_a1) + "?kind=screening").context["page"]
    assert page.entries and {e.kind for e in page.entries} == {"screening"}
    last = history.year.start_year
    page = client.get(file_url(history.student_a1) + f"?year={last - 1}").context["page"]
    start, end = timeline.school_year_bounds(last - 1)
    assert page.entries and all(start <= e.at < end for e in page.entries)
    assert {"screening", "level", "alert", "case"} <= {e.kind for e in page.entries}
    assert client.get(file_url(history.student_a1) + "?year=abc").status_code == 404


def test_the_psych_teacher_exports_the_file_for_a_transfer_and_it_is_audited(history, login):
    client = login(history.psych)
    pdf = client.get(file_url(history.student_a1, "care:file_pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    printed = client.get(file_url(history.student_a1, "care:file_print"))
    assert printed.status_code == 200 and "PHQ-A" in printed.content.decode()
    formats = list(
        AuditEvent.objects.filter(action="care.file.export", actor=history.psych)
        .order_by("seq")
        .values_list("detail__format", flat=True)
    )
    assert formats == ["pdf", "print"]


def test_a_class_teacher_cannot_export_the_file(history, login):
    assert (
        login(history.class_teacher).get(file_url(history.student_a1, "care:file_print")).status_code == 403
    )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_file_runs_the_same_number_of_queries_for_one_year_and_ten_years_of_history(world, login):
    last = world.year.start_year
    build_history(
        world.student_a1, world.school_a, years=1, last=last, organiser=world.haidian, by=world.psych
    )
    build_history(
        world.student_a1b, world.school_a, years=10, last=last, organiser=world.haidian, by=world.psych
    )
    client = login(world.psych)
    client.get(file_url(world.student_a1))  # warm the session and caches
    one = _count(client, file_url(world.student_a1))
    ten = _count(client, file_url(world.student_a1b))
    assert one == ten
    assert ten <= 35  # session, posts, access, one to three per provider, enrollments, names, level, audit


def test_a_provider_cannot_show_a_t3_entry_to_a_t2_viewer(world, login):
    def leaky(viewer, student, tier, filters):
        return [
            timeline.Entry(
                at=dt.datetime.now(tz=timeline.SHANGHAI), kind="leak", title="SECRET", school_id=None
            )
        ]

    timeline.register_timeline_provider(leaky, kinds={"leak": "Leak"})
    try:
        body = login(world.class_teacher).get(file_url(world.student_a1)).content.decode()
        assert "SECRET" not in body
        assert "SECRET" in login(world.psych).get(file_url(world.student_a1)).content.decode()
    finally:
        timeline.unregister_timeline_provider(leaky)


def test_a_home_visits_sensitive_note_is_on_the_file_for_the_psych_teacher_only(world, login):
    from django.apps import apps
    from django.utils import timezone

    apps.get_model("schoolwork", "HomeVisit").objects.create(
        student=world.student_a1, school=world.school_a, school_class=world.a1, school_year=world.year,
        semester=world.year.semesters.first(), visited_on=dt.date(world.year.start_year, 10, 20),
        visitors="班主任", mode="in_person", summary="家庭氛围良好", sensitive_note="父母分居",
        recorded_by=world.class_teacher, recorded_at=timezone.now(),
    )  # fmt: skip
    body = login(world.psych).get(file_url(world.student_a1)).content.decode()
    assert "家庭氛围良好" in body and "父母分居" in body
    body = login(world.class_teacher).get(file_url(world.student_a1)).content.decode()
    assert "家庭氛围良好" in body and "父母分居" not in body  # the visit's summary is T2, its note T3


def test_the_file_shows_the_newest_school_year_first_and_loads_older_years_on_demand(
    world, login, django_assert_max_num_queries
):
    """Issue 4 (< 150 ms p95 for ten years): the page holds the newest school year; each older year is one
    click away (HTMX, or a plain link to the year), every year's scores are still charted, and ?year=all
    shows everything on one page. Each year loaded is audited like the page."""
    last = world.year.start_year
    build_history(
        world.student_a1, world.school_a, years=10, last=last, organiser=world.haidian, by=world.psych
    )
    client = login(world.psych)
    url = file_url(world.student_a1)

    client.get(url)  # warm the session and caches
    with django_assert_max_num_queries(35):  # as many as the whole file: one query per provider, not per year
        page = client.get(url)
    entries = page.context["page"].entries
    assert entries and {timeline.school_year_of(e.at) for e in entries} == {last}
    assert page.context["page"].older_years == list(range(last - 1, last - 10, -1))
    body = page.content.decode()
    oldest = last - 9
    assert f'href="?year={oldest}"' in body and f"?year={oldest}&amp;part=entries" in body
    charted = {p[0][:4] for c in page.context["page"].charts for s in c["series"] for p in s["data"]}
    assert len(charted) >= 9  # ten school years of PHQ-A / GAD-7 points (dates span ten calendar years)

    before = AuditEvent.objects.filter(action="care.file.view").count()
    part = client.get(url, {"year": oldest, "part": "entries"}, HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    html = part.content.decode()
    assert html.lstrip().startswith('<ol class="file-timeline">') and "<html" not in html
    years = {timeline.school_year_of(e.at) for e in part.context["page"].entries}
    assert years == {oldest}
    assert AuditEvent.objects.filter(action="care.file.view").count() == before + 1

    everything = client.get(url, {"year": "all"}).context["page"]
    assert {timeline.school_year_of(e.at) for e in everything.entries} == set(range(oldest, last + 1))
    assert not everything.older_years
    assert len(everything.entries) == len(entries) + sum(
        len(client.get(url, {"year": y, "part": "entries"}).context["page"].entries)
        for y in range(oldest, last)
    )
