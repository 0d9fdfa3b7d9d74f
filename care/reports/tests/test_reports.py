"""Abnormality reports (学生异常情况报告, R2.3): filed by any staff member of the student's school from a phone,
the class teacher and psychological teachers told at once, triaged within a deadline by urgency, the reporter
told only "received" or "handled"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.conftest import T0
from care.models import AbnormalityReport, Case, CaseSource, CrisisStep, FollowUp, Notification
from care.reports.services import escalate_late_triage, file_report, triage_report

MIN = dt.timedelta(minutes=1)


def _file(
    world, *, reporter=None, student=None, key="k1", urgency="high", now=T0, observed="在走廊里哭了很久"
):
    report, _ = file_report(
        reporter=reporter or world.teacher,
        student_id=(student or world.student_a1).pk,
        category="emotion",
        observed=observed,
        urgency=urgency,
        key=key,
        now=now,
    )
    return report


def _post_report(client, student, key="form-1", **over):
    data = {"student": student.pk, "category": "self_harm", "observed": "手臂上有划痕", "urgency": "urgent"}
    data.update(key=key, **over)
    return client.post(reverse("care:report_new"), data)


def test_a_teacher_finds_the_student_by_name_and_files_a_report_and_the_right_people_are_told(people, login):
    client = login(people.teacher)
    found = client.get(reverse("care:report_new"), {"q": "李"}).content.decode()
    assert people.student_a1.name in found and "五年级1班" in found
    assert people.student_b1.name not in found  # another school's student is never offered
    response = _post_report(client, people.student_a1)
    assert response.status_code == 302
    report = AbnormalityReport.objects.get()
    assert (report.reporter, report.student, report.school) == (
        people.teacher,
        people.student_a1,
        people.school_a,
    )
    told = set(
        Notification.objects.filter(kind="care.report", channel="in_app").values_list(
            "user__username", flat=True
        )
    )
    # The class teacher of A1 and the school's psychological teacher; not the east campus's (A1 is on the main one).
    assert told == {"class_teacher", "psych"}
    assert (
        AuditEvent.objects.filter(action="care.report.create", student_id=people.student_a1.pk).count() == 1
    )


def test_what_the_reporter_saw_is_stored_encrypted(people):
    report = _file(people, observed="手臂上有划痕")
    with connection.cursor() as cur:
        cur.execute("SELECT observed FROM care_abnormalityreport WHERE id = %s", [report.pk])
        raw = cur.fetchone()[0]
    assert "划痕" not in raw
    assert AbnormalityReport.objects.get().observed == "手臂上有划痕"


def test_a_teacher_of_another_school_cannot_report_on_school_a_student(people, login):
    client = login(people.other_school_teacher)
    response = _post_report(client, people.student_a1)
    assert response.status_code == 404
    assert AbnormalityReport.objects.count() == 0
    assert Notification.objects.count() == 0
    assert client.get(reverse("care:report_new"), {"student": people.student_a1.pk}).status_code == 404


def test_a_report_without_what_was_seen_is_refused_and_nothing_is_stored(people, login):
    client = login(people.teacher)
    response = _post_report(client, people.student_a1, observed="  ")
    assert response.status_code == 400
    assert people.student_a1.name in response.content.decode()  # the form keeps the chosen student
    assert AbnormalityReport.objects.count() == 0
    assert Notification.objects.count() == 0


def test_an_unknown_category_is_refused_and_nothing_is_stored(people, login):
    response = _post_report(login(people.teacher), people.student_a1, category="gossip")
    assert response.status_code == 400
    assert AbnormalityReport.objects.count() == 0


def test_the_same_form_sent_twice_stores_one_report(people, login):
    client = login(people.teacher)
    _post_report(client, people.student_a1, key="same")
    _post_report(client, people.student_a1, key="same")
    assert AbnormalityReport.objects.count() == 1
    assert Notification.objects.filter(kind="care.report", channel="in_app").count() == 2


def test_the_reporter_sees_received_then_handled_and_never_the_outcome(people, login):
    report = _file(people, now=timezone.now())
    client = login(people.teacher)
    assert "report-row" in client.get(reverse("care:report_mine")).content.decode()
    triage_report(report=report, by=people.psych, outcome="case", level="red", note="SECRET-TRIAGE-NOTE")
    body = client.get(reverse("care:report_mine")).content.decode()
    assert "SECRET-TRIAGE-NOTE" not in body
    assert "level-red" not in body and "Open a case" not in body and "开案" not in body
    # Nor can the reporter reach the report's page or the case.
    assert client.get(reverse("care:report_detail", args=[report.pk])).status_code == 403
    report.refresh_from_db()
    assert client.get(reverse("care:case_detail", args=[report.case_id])).status_code == 403


def test_triage_to_a_case_opens_it_from_the_report_with_the_level_confirmed(people):
    report = _file(people)
    triage_report(report=report, by=people.psych, outcome="case", level="red", note="有计划", now=T0 + MIN)
    case = Case.objects.get(student=people.student_a1)
    assert (case.source_type, case.source_id, case.level, case.owner) == (
        CaseSource.REPORT,
        str(report.pk),
        "red",
        people.psych,
    )
    report.refresh_from_db()
    assert report.case == case and report.outcome == "case" and report.triaged_by == people.psych
    assert people.student_a1.level_records.get(is_current=True).level == "red"
    assert CrisisStep.objects.filter(case=case).count() == 6
    assert FollowUp.objects.filter(case=case, done_at__isnull=True).count() == 1


def test_a_report_is_triaged_once(people):
    report = _file(people)
    triage_report(report=report, by=people.psych, outcome="watch", now=T0)
    from care.reports.services import ReportError

    with pytest.raises(ReportError):
        triage_report(report=report, by=people.psych, outcome="no_action", now=T0)
    report.refresh_from_db()
    assert report.outcome == "watch"


def test_triage_deadlines_follow_urgency_in_school_time(people):
    assert _file(people, urgency="urgent", key="u").triage_deadline == T0 + 15 * MIN
    assert _file(people, urgency="high", key="h").triage_deadline == T0 + 120 * MIN
    late_tuesday = T0.replace(hour=17)
    # Half an hour left on Tuesday, the other 90 minutes from Wednesday's opening at 08:00.
    assert _file(people, urgency="high", key="h2", now=late_tuesday).triage_deadline == T0.replace(
        day=11, hour=9, minute=30
    )


def test_a_report_not_triaged_in_time_goes_to_the_school_leader_once(people):
    _file(people, urgency="urgent")
    assert escalate_late_triage(now=T0 + 14 * MIN) == 0
    assert escalate_late_triage(now=T0 + 16 * MIN) == 1
    assert escalate_late_triage(now=T0 + 30 * MIN) == 0
    told = Notification.objects.filter(kind="care.report.late", channel="in_app")
    assert list(told.values_list("user__username", flat=True)) == ["leader"]
    assert AbnormalityReport.objects.get().escalated_at == T0 + 16 * MIN


def test_a_triaged_report_never_escalates(people):
    report = _file(people, urgency="urgent")
    triage_report(report=report, by=people.psych, outcome="no_action", now=T0 + MIN)
    assert escalate_late_triage(now=T0 + 60 * MIN) == 0


def test_the_psych_teacher_triages_from_the_report_page(people, login):
    report = _file(people, now=timezone.now())
    client = login(people.psych)
    page = client.get(reverse("care:report_detail", args=[report.pk])).content.decode()
    assert "在走廊里哭了很久" in page
    assert AuditEvent.objects.filter(action="care.report.view", student_id=people.student_a1.pk).exists()
    bad = client.post(reverse("care:report_detail", args=[report.pk]), {"outcome": "case", "level": ""})
    assert bad.status_code == 400
    assert Case.objects.count() == 0
    ok = client.post(reverse("care:report_detail", args=[report.pk]), {"outcome": "case", "level": "orange"})
    assert ok.status_code == 302
    assert Case.objects.get().level == "orange"


def test_the_east_campus_psych_teacher_cannot_triage_a_main_campus_report(people, login):
    report = _file(people)
    client = login(people.psych_east)
    assert client.get(reverse("care:report_detail", args=[report.pk])).status_code == 404
    assert (
        client.post(reverse("care:report_detail", args=[report.pk]), {"outcome": "watch"}).status_code == 404
    )
    report.refresh_from_db()
    assert report.triaged_at is None


def test_the_leader_sees_only_late_reports_and_not_what_was_reported(people, login):
    _file(people, urgency="urgent", key="late", now=timezone.now() - 60 * MIN)
    _file(people, urgency="normal", key="fresh", observed="另一条", now=timezone.now())
    escalate_late_triage()
    body = login(people.leader).get(reverse("care:report_queue")).content.decode()
    assert body.count("report-row") == 1
    assert "在走廊里哭了很久" not in body and "情绪" not in body and "Emotion" not in body


def test_the_triage_queue_runs_a_fixed_number_of_queries(people, login, django_assert_max_num_queries):
    client = login(people.psych)
    now = timezone.now()
    _file(people, key="q0", now=now)
    client.get(reverse("care:report_queue"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("care:report_queue"))
    for i in range(1, 12):
        _file(people, key=f"q{i}", student=[people.student_a1b, people.student_a2][i % 2], now=now)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("care:report_queue")).content.decode()
    assert body.count("report-row") == 12


def test_the_student_file_shows_the_report_to_the_psych_teacher_and_not_to_the_class_teacher(people, login):
    report = _file(people, now=timezone.now())
    url = reverse("care:file_detail", args=[people.student_a1.pk])
    link = reverse("care:report_detail", args=[report.pk])
    assert link in login(people.psych).get(url).content.decode()
    body = login(people.class_teacher).get(url).content.decode()
    assert link not in body and "在走廊里哭了很久" not in body
