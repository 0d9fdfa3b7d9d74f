"""Intervention plans agreed with guardians (干预方案, R12): goals, actions with owners on their home pages and
reminders, the guardians' agreement, the safety plan (encrypted), and a closed case's plan frozen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from care.models import Notification, Plan, PlanAction
from care.plans import services
from care.plans.services import PathwayError
from care.plans.tests.plans_helpers import TUE, case_fixture, close, open_case  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_the_psych_teacher_writes_the_goals_and_the_safety_plan_encrypted_at_rest(world, case, login):
    client = login(world.psych)
    url = reverse("care:plan", args=[case.pk])
    assert (
        client.post(url, {"action": "goals", "goals": "每天早上情绪打卡", "review_on": ""}).status_code == 302
    )
    r = client.post(url, {"action": "safety", "warning_signs": "独处、不吃饭", "professionals": "12356"})
    assert r.status_code == 302
    plan = Plan.objects.get(case=case)
    assert plan.goals == "每天早上情绪打卡" and plan.warning_signs == "独处、不吃饭" and plan.has_safety_plan
    with connection.cursor() as cur:
        cur.execute("SELECT goals, warning_signs FROM care_plan WHERE id = %s", [plan.pk])
        raw = " ".join(cur.fetchone())
    assert "情绪" not in raw and "独处" not in raw
    page = client.get(url)
    assert "独处、不吃饭" in page.content.decode()


def test_a_safety_plan_with_nothing_written_is_refused(world, case):
    with pytest.raises(PathwayError):
        services.save_safety_plan(case=case, by=world.psych, parts={}, now=TUE)
    assert not Plan.objects.filter(case=case).exists()


def test_the_guardians_agreement_is_recorded_with_meeting_date_and_who(world, case):
    services.save_goals(case=case, by=world.psych, goals="目标", review_on=dt.date(2026, 4, 10), now=TUE)
    plan = services.record_agreement(
        case=case, by=world.psych, agreed_on=dt.date(2026, 3, 10), meeting="家长会谈", agreed_with="母亲、班主任",
        now=TUE,
    )  # fmt: skip
    assert plan.is_agreed and plan.agreement_meeting == "家长会谈" and plan.agreed_with == "母亲、班主任"
    assert case.events.filter(after="plan.agreed").exists()


def test_an_agreement_without_goals_or_dated_in_the_future_is_refused(world, case):
    with pytest.raises(PathwayError):
        services.record_agreement(
            case=case, by=world.psych, agreed_on=dt.date(2026, 3, 10), meeting="m", agreed_with="w", now=TUE
        )
    services.save_goals(case=case, by=world.psych, goals="目标", review_on=None, now=TUE)
    with pytest.raises(PathwayError):
        services.record_agreement(
            case=case, by=world.psych, agreed_on=dt.date(2026, 3, 11), meeting="m", agreed_with="w", now=TUE
        )
    assert Plan.objects.get(case=case).agreed_on is None


def test_an_action_lands_on_its_owners_home_page_and_they_are_told(world, case, login):
    action = services.add_action(
        case=case, by=world.psych, text="每周谈话", owner=world.class_teacher, due_on=dt.date.today(), now=TUE
    )
    assert (
        Notification.objects.filter(user=world.class_teacher, key=f"care.task.{action.pk}.assigned").count()
        == 1
    )
    client = login(world.class_teacher)
    home = client.get(reverse("web:home")).content.decode()
    assert "我的任务" in home or "My tasks" in home
    tasks = client.get(reverse("care:my_tasks")).content.decode()
    assert "每周谈话" in tasks and world.student_a1.name in tasks


def test_a_class_teacher_sees_only_the_tasks_assigned_to_them(world, case, login):
    services.add_action(
        case=case, by=world.psych, text="谈话", owner=world.class_teacher, due_on=dt.date.today(), now=TUE
    )
    other = login(world.other_class_teacher).get(reverse("care:my_tasks")).content.decode()
    assert "谈话" not in other and world.student_a1.name not in other


def test_a_class_teacher_cannot_open_the_plan_itself(world, case, login):
    assert login(world.class_teacher).get(reverse("care:plan", args=[case.pk])).status_code == 403


def test_an_owner_from_another_school_is_refused(world, case):
    with pytest.raises(PathwayError):
        services.add_action(
            case=case,
            by=world.psych,
            text="x",
            owner=world.other_school_teacher,
            due_on=dt.date(2026, 3, 12),
            now=TUE,
        )
    assert not PlanAction.objects.exists()


def test_only_the_owner_marks_their_task_done_others_get_404(world, case, login):
    action = services.add_action(
        case=case, by=world.psych, text="x", owner=world.class_teacher, due_on=dt.date(2026, 3, 12), now=TUE
    )
    assert (
        login(world.other_class_teacher).post(reverse("care:task_done", args=[action.pk])).status_code == 404
    )
    action.refresh_from_db()
    assert action.done_at is None
    assert login(world.class_teacher).post(reverse("care:task_done", args=[action.pk])).status_code == 302
    action.refresh_from_db()
    assert action.done_by == world.class_teacher


def test_reminders_are_sent_once_when_due_and_once_more_when_overdue(world, case):
    action = services.add_action(
        case=case, by=world.psych, text="x", owner=world.class_teacher, due_on=dt.date(2026, 3, 11), now=TUE
    )
    keys = lambda: sorted(  # noqa: E731
        Notification.objects.filter(user=world.class_teacher, key__startswith=f"care.task.{action.pk}.")
        .values_list("key", flat=True)
    )  # fmt: skip
    assert services.send_task_reminders(now=TUE - dt.timedelta(days=2)) == 0  # not yet due tomorrow
    assert services.send_task_reminders(now=TUE) == 1  # due tomorrow
    assert services.send_task_reminders(now=TUE + dt.timedelta(hours=5)) == 0  # the same reminder: once
    assert services.send_task_reminders(now=TUE + dt.timedelta(days=2)) == 1  # overdue
    assert services.send_task_reminders(now=TUE + dt.timedelta(days=3)) == 0
    assert keys() == [
        f"care.task.{action.pk}.assigned",
        f"care.task.{action.pk}.due",
        f"care.task.{action.pk}.overdue",
    ]


def test_a_closed_cases_plan_cannot_be_edited_and_nothing_changes(world, case, login):
    services.save_goals(case=case, by=world.psych, goals="原目标", review_on=None, now=TUE)
    close(case)
    before = list(Plan.objects.values())
    client = login(world.psych)
    r = client.post(reverse("care:plan", args=[case.pk]), {"action": "goals", "goals": "新目标"})
    assert r.status_code == 409
    assert "已结案" in r.content.decode() or "closed" in r.content.decode()
    r = client.post(
        reverse("care:plan", args=[case.pk]),
        {"action": "add_action", "text": "x", "owner": world.class_teacher.pk, "due_on": "2099-01-01"},
    )
    assert r.status_code == 409
    assert list(Plan.objects.values()) == before and not PlanAction.objects.exists()


def test_the_leader_and_the_district_counselor_of_a_case_not_escalated_see_no_plan(world, case, login):
    assert login(world.leader).get(reverse("care:plan", args=[case.pk])).status_code == 403
    assert login(world.district_counselor).get(reverse("care:plan", args=[case.pk])).status_code == 404


def test_opening_a_plan_is_audited_without_its_text(world, case, login):
    from access.models import AuditEvent

    services.save_goals(case=case, by=world.psych, goals="秘密目标", review_on=None, now=TUE)
    login(world.psych).get(reverse("care:plan", args=[case.pk]))
    event = AuditEvent.objects.filter(action="care.plan.view").get()
    assert event.student_id == case.student_id and "秘密" not in str(event.detail)


def test_my_tasks_page_runs_a_bounded_number_of_queries(world, login, django_assert_max_num_queries):
    for student in (world.student_a1, world.student_a1b):
        c = open_case(world, student=student)
        for i in range(5):
            services.add_action(
                case=c,
                by=world.psych,
                text=f"家访任务第{i}项",
                owner=world.class_teacher,
                due_on=dt.date(2099, 1, i + 1),
                now=TUE,
            )
    client = login(world.class_teacher)
    with django_assert_max_num_queries(14):
        r = client.get(reverse("care:my_tasks"))
    # each case's fifth task once ("t4" alone also matched random tokens in the page, e.g. the CSRF token)
    assert r.content.decode().count("家访任务第4项") == 2


def test_the_case_page_shows_the_plan_contacts_and_referrals_summary(world, case, login):
    services.save_goals(case=case, by=world.psych, goals="目标", review_on=None, now=TUE)
    page = login(world.psych).get(reverse("care:case_detail", args=[case.pk])).content.decode()
    assert reverse("care:plan", args=[case.pk]) in page
    assert reverse("care:contacts", args=[case.pk]) in page
    assert reverse("care:case_referrals", args=[case.pk]) in page


def test_the_case_owner_is_reminded_of_the_review_date_once(world, case):
    services.save_goals(case=case, by=world.psych, goals="目标", review_on=dt.date(2026, 3, 20), now=TUE)
    assert case.owner == world.psych
    assert services.send_task_reminders(now=TUE) == 0  # ten days before
    day_before = TUE + dt.timedelta(days=9)
    assert services.send_task_reminders(now=day_before) == 1
    assert services.send_task_reminders(now=day_before + dt.timedelta(hours=2)) == 0
    assert Notification.objects.filter(user=world.psych, key__startswith="care.plan.").count() == 1
