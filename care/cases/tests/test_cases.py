"""Cases (个案): the status flow and level changes in the history and the audit, closing and reopening, escalation
to the district counseling centre, R15 disclosures, and who sees what of a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from access.policy import visible_students
from access.tiers import Tier
from care.cases import services as svc
from care.conftest import T0
from care.models import Alert, CaseEvent, CaseStatus, CrisisStepKind, Disclosure, LevelRecord

MIN = dt.timedelta(minutes=1)


@pytest.fixture
def open_case(people):
    def _open(level="orange", student=None, now=T0, by=None):
        case, _ = svc.open_case(
            student=student or people.student_a1,
            level=level,
            by=by or people.psych,
            reason="谈话后评估",
            now=now,
        )
        return case

    return _open


def _kinds(case):
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


def test_every_status_change_is_in_the_history_and_the_audit(people, open_case):
    case = open_case()
    svc.change_status(case=case, status="assessed", by=people.psych, now=T0 + MIN)
    svc.change_status(case=case, status="intervening", by=people.psych, now=T0 + 2 * MIN)
    events = CaseEvent.objects.filter(case=case, kind="status")
    assert [(e.before, e.after) for e in events] == [("open", "assessed"), ("assessed", "intervening")]
    assert AuditEvent.objects.filter(action="care.case.status", student_id=people.student_a1.pk).count() == 2


def test_a_level_change_needs_a_reason_and_keeps_the_students_level_in_step(people, open_case):
    case = open_case(level="yellow")
    assert LevelRecord.objects.get(student=people.student_a1, is_current=True).level == "yellow"
    with pytest.raises(svc.CaseError):
        svc.change_level(case=case, level="orange", by=people.psych, reason=" ", now=T0 + MIN)
    svc.change_level(case=case, level="orange", by=people.psych, reason="成绩骤降、失眠", now=T0 + MIN)
    case.refresh_from_db()
    current = LevelRecord.objects.get(student=people.student_a1, is_current=True)
    assert case.level == current.level == "orange"
    assert (current.source_type, current.source_id) == ("care.case", str(case.pk))
    change = CaseEvent.objects.get(case=case, kind="level")
    assert (change.before, change.after, change.reason) == ("yellow", "orange", "成绩骤降、失眠")
    assert AuditEvent.objects.filter(action="care.case.level", student_id=people.student_a1.pk).exists()


def test_the_reason_of_a_level_change_is_stored_encrypted(people, open_case):
    case = open_case()
    svc.change_level(case=case, level="red", by=people.psych, reason="有具体计划", now=T0 + MIN)
    with connection.cursor() as cur:
        cur.execute("SELECT reason FROM care_caseevent WHERE kind = 'level'")
        assert "具体计划" not in cur.fetchone()[0]


def test_closing_a_red_case_with_crisis_steps_missing_is_refused_and_nothing_changes(
    people, open_case, login
):
    case = open_case(level="red")
    svc.record_crisis_step(case=case, kind=CrisisStepKind.ACCOMPANIED, by=people.psych, now=T0 + MIN)
    before = (_kinds(case), list(case.crisis_steps.values_list("kind", "done_at", "skipped_at")))
    response = login(people.psych).post(
        reverse("care:case_action", args=[case.pk, "close"]),
        {"note": "好转", "missing_leader": "已电话告知校长"},  # a reason for one missing step of five
    )
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status != CaseStatus.CLOSED
    assert (_kinds(case), list(case.crisis_steps.values_list("kind", "done_at", "skipped_at"))) == before


def test_a_red_case_closes_with_every_step_done_or_explained_and_its_alerts_close(
    people, open_case, raise_red
):
    alert = raise_red(now=T0)
    case = open_case(level="red", now=T0 + MIN)
    for kind in (
        CrisisStepKind.ACCOMPANIED,
        CrisisStepKind.LEADER,
        CrisisStepKind.GUARDIAN,
        CrisisStepKind.MEANS,
    ):
        svc.record_crisis_step(case=case, kind=kind, by=people.psych, now=T0 + 5 * MIN)
    reasons = {CrisisStepKind.SAFETY_PLAN: "家长拒绝参加", CrisisStepKind.REFERRAL: "评估后无需紧急转介"}
    svc.close_case(case=case, by=people.psych, note="稳定", missing_reasons=reasons, now=T0 + 60 * MIN)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_by == people.psych
    assert {s.kind: s.skipped_reason for s in case.crisis_steps.filter(skipped_at__isnull=False)} == reasons
    alert.refresh_from_db()
    assert alert.closed_at == T0 + 60 * MIN and alert.case == case


def test_opening_a_case_from_an_alert_takes_it_on(people, raise_red, login):
    alert = raise_red(now=timezone.now())
    client = login(people.psych)
    assert f"?alert={alert.pk}" in client.get(reverse("care:alert_detail", args=[alert.pk])).content.decode()
    response = client.post(
        reverse("care:case_open", args=[people.student_a1.pk]),
        {"level": "red", "reason": "ASQ 阳性", "alert": alert.pk},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == people.psych and alert.case is not None
    assert alert.case.source_type == "alert"


def test_edits_to_a_closed_case_are_refused_and_nothing_changes(people, open_case, login):
    case = open_case(level="yellow")
    svc.close_case(case=case, by=people.psych, note="结束", now=T0 + MIN)
    events = _kinds(case)
    client = login(people.psych)
    for action, data in (
        ("status", {"status": "monitoring"}),
        ("level", {"level": "red", "reason": "x"}),
        ("disclose", {"department": "police", "recipient": "派出所", "legal_basis": "x", "shared": "y"}),
    ):
        response = client.post(reverse("care:case_action", args=[case.pk, action]), data)
        assert response.status_code == 400, action
    case.refresh_from_db()
    assert (case.status, case.level) == ("closed", "yellow")
    assert _kinds(case) == events and Disclosure.objects.count() == 0


def test_reopening_is_an_explicit_recorded_act(people, open_case):
    case = open_case(level="yellow")
    svc.close_case(case=case, by=people.psych, note="结束", now=T0 + MIN)
    with pytest.raises(svc.CaseError):
        svc.reopen_case(case=case, by=people.psych, reason="", now=T0 + 2 * MIN)
    svc.reopen_case(case=case, by=people.psych, reason="再次出现情绪低落", now=T0 + 2 * MIN)
    case.refresh_from_db()
    assert case.status == "open" and case.closed_at is None
    assert _kinds(case)[-1] == "reopened"
    assert AuditEvent.objects.filter(action="care.case.reopen").count() == 1


def test_a_case_escalated_to_the_district_is_seen_by_the_district_counselor(people, open_case, login):
    case = open_case(level="red")
    client = login(people.district_counselor)
    assert client.get(reverse("care:case_detail", args=[case.pk])).status_code == 404
    svc.escalate_case(case=case, by=people.psych, reason="需区级协调转介", now=T0 + MIN)
    case.refresh_from_db()
    assert case.escalated_at == T0 + MIN
    assert case.members.filter(user=people.district_counselor, role="district_counselor").exists()
    assert visible_students(people.district_counselor, Tier.T3).filter(pk=people.student_a1.pk).exists()
    assert client.get(reverse("care:case_detail", args=[case.pk])).status_code == 200
    assert "case-row" in client.get(reverse("care:case_list")).content.decode()
    # A counselor of another district sees nothing of it.
    assert (
        not visible_students(people.other_district_officer, Tier.T3).filter(pk=people.student_a1.pk).exists()
    )


def test_the_leader_sees_open_red_and_orange_cases_by_name_level_and_status_only(people, open_case, login):
    case = open_case(level="orange")
    open_case(level="yellow", student=people.student_a1b)
    svc.change_status(case=case, status="intervening", by=people.psych, now=T0 + MIN)
    client = login(people.leader)
    body = client.get(reverse("care:case_list")).content.decode()
    assert people.student_a1.name in body and "level-orange" in body
    assert people.student_a1b.name not in body  # yellow is not the leader's
    assert reverse("care:case_detail", args=[case.pk]) not in body
    assert "谈话后评估" not in body
    assert client.get(reverse("care:case_detail", args=[case.pk])).status_code == 403


def test_a_class_teacher_sees_the_level_colour_not_the_case_detail(people, open_case, login):
    case = open_case(level="red")
    client = login(people.class_teacher)
    page = client.get(reverse("org:student_detail", args=[people.student_a1.pk])).content.decode()
    assert "level-red" in page
    assert "谈话后评估" not in page and reverse("care:case_detail", args=[case.pk]) not in page
    assert client.get(reverse("care:case_detail", args=[case.pk])).status_code == 403
    assert client.get(reverse("care:case_list")).status_code == 403


def test_only_a_clinician_of_the_students_school_may_change_a_case(people, open_case):
    case = open_case()
    with pytest.raises(PermissionDenied):
        svc.change_status(case=case, status="assessed", by=people.psych_east, now=T0)
    with pytest.raises(PermissionDenied):
        svc.change_status(case=case, status="assessed", by=people.leader, now=T0)


def test_a_disclosure_records_its_legal_basis_what_and_to_whom_encrypted_and_audited(
    people, open_case, login
):
    case = open_case(level="red")
    response = login(people.psych).post(
        reverse("care:case_action", args=[case.pk, "disclose"]),
        {"department": "police", "recipient": "海淀分局某派出所", "legal_basis": "《未成年人保护法》第十一条",
         "shared": "伤害他人的具体威胁"},
    )  # fmt: skip
    assert response.status_code == 302
    d = Disclosure.objects.get()
    assert (d.department, d.recipient, d.recorded_by) == ("police", "海淀分局某派出所", people.psych)
    with connection.cursor() as cur:
        cur.execute("SELECT shared FROM care_disclosure")
        assert "威胁" not in cur.fetchone()[0]
    assert (
        AuditEvent.objects.filter(action="care.case.disclose", student_id=people.student_a1.pk).count() == 1
    )


def test_a_disclosure_without_a_legal_basis_is_refused_and_nothing_is_stored(people, open_case, login):
    case = open_case(level="red")
    response = login(people.psych).post(
        reverse("care:case_action", args=[case.pk, "disclose"]),
        {"department": "police", "recipient": "派出所", "legal_basis": "", "shared": "威胁"},
    )
    assert response.status_code == 400
    assert Disclosure.objects.count() == 0


def test_the_case_page_shows_the_history_and_is_audited(people, open_case, login):
    case = open_case(level="orange")
    svc.change_level(case=case, level="red", by=people.psych, reason="升级理由", now=T0 + MIN)
    body = login(people.psych).get(reverse("care:case_detail", args=[case.pk])).content.decode()
    assert "升级理由" in body and "crisis-step" in body
    assert AuditEvent.objects.filter(action="care.case.view", student_id=people.student_a1.pk).count() == 1


def test_the_case_list_runs_a_fixed_number_of_queries(people, login, django_assert_max_num_queries):
    from org.models import Enrollment, Gender, Student

    client = login(people.psych)
    now = timezone.now()
    svc.open_case(student=people.student_a1, level="red", by=people.psych, reason="r", now=now)
    client.get(reverse("care:case_list"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("care:case_list"))
    for i in range(10):
        s = Student.objects.create(student_no=f"G11010820150301{i:04d}", name=f"学生{i}", gender=Gender.FEMALE,
                                   birth_date=dt.date(2015, 1, 1))  # fmt: skip
        Enrollment.objects.create(student=s, school=people.school_a, school_class=people.a1, school_year=people.year,
                                  grade=5)  # fmt: skip
        svc.open_case(
            student=s, level=["red", "orange", "yellow"][i % 3], by=people.psych, reason="r", now=now
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("care:case_list")).content.decode()
    assert body.count("case-row") == 11


def test_an_alert_of_a_closed_case_student_no_longer_waits(people, open_case, raise_red):
    raise_red(now=T0)
    case = open_case(level="red", now=T0 + MIN)
    steps = {k: "n/a" for k in CrisisStepKind.values}
    svc.close_case(case=case, by=people.psych, note="结束", missing_reasons=steps, now=T0 + 2 * MIN)
    assert not Alert.objects.filter(closed_at__isnull=True).exists()
