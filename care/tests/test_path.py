"""Issue 15, points 3 and 4: the alert follows the confirmed level, and every crisis step has an owner, a deadline
and a notification — the class teacher on the red case's team sees his 陪护 step on his home page and marks it
done; nobody sees more than the tier table gives them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.alerts.services import confirm_level
from care.cases import services as svc
from care.conftest import REASONS, SH, T0
from care.models import Alert, AlertEvent, CaseEvent, CrisisStep, CrisisStepKind, Notification

MIN = dt.timedelta(minutes=1)


def _now() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def _red_case(people, now=None):
    case, _ = svc.open_case(
        student=people.student_a1, level="red", by=people.psych, reason="ASQ 阳性，有计划", now=now or _now()
    )
    return case


def _owners(case) -> dict[str, str]:
    return dict(CrisisStep.objects.filter(case=case).values_list("kind", "owner__username"))


# --- Owners, deadlines, notifications ------------------------------------------------------------------------


def test_each_crisis_step_gets_its_owner_by_the_table(people):
    assert _owners(_red_case(people)) == {
        CrisisStepKind.ACCOMPANIED: "class_teacher",
        CrisisStepKind.LEADER: "psych",
        CrisisStepKind.GUARDIAN: "psych",
        CrisisStepKind.MEANS: "psych",
        CrisisStepKind.SAFETY_PLAN: "psych",
        CrisisStepKind.REFERRAL: "psych",
    }


def test_a_student_without_a_class_teacher_is_accompanied_by_the_case_owner(people):
    from org.models import SchoolClass

    SchoolClass.objects.filter(class_teacher=people.class_teacher).update(class_teacher=None)
    assert _owners(_red_case(people))[CrisisStepKind.ACCOMPANIED] == "psych"


def test_each_owner_is_told_at_once_and_the_message_names_no_student_level_or_reason(
    people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = _red_case(people)
    told = Notification.objects.filter(kind="care.crisis.assigned", channel="in_app")
    # one message each, however many steps are theirs
    assert sorted(told.values_list("user__username", flat=True)) == ["class_teacher", "psych"]
    assert "5 项危机干预任务" in told.get(user=people.psych).subject
    mine = told.get(user=people.class_teacher)
    step = CrisisStep.objects.get(case=case, kind=CrisisStepKind.ACCOMPANIED)
    assert timezone.localtime(step.due_at).strftime("%H:%M") in mine.subject
    assert mine.url == reverse("care:my_tasks")
    for text in [n.subject for n in told] + [m.subject + m.body for m in mailoutbox]:
        assert people.student_a1.name not in text and "ASQ" not in text and "红" not in text
    assert "class_teacher@school.example" in {m.to[0] for m in mailoutbox}


def test_the_class_teachers_wecom_names_his_step_and_its_deadline_but_not_the_student(
    people, provider_standin, settings, django_capture_on_commit_callbacks
):
    from tests.standins.providers import give_channels

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LANGUAGE_CODE = "zh-hans"
    give_channels(people.class_teacher, wecom_user_id="wx_banzhuren", phone="13800009999")
    with django_capture_on_commit_callbacks(execute=True):
        case = _red_case(people)
    step = CrisisStep.objects.get(case=case, kind=CrisisStepKind.ACCOMPANIED)
    (got,) = provider_standin.wecom_to("wx_banzhuren")
    assert "有人陪护学生，不让其独处" in got.text
    assert timezone.localtime(step.due_at).strftime("%m-%d %H:%M") in got.text
    for secret in (people.student_a1.name, "红", "ASQ", people.school_a.name):
        assert secret not in got.text
    # A crisis step is red-urgent: the SMS goes too, by its fixed template (no parameters).
    (sms,) = provider_standin.sms_to("13800009999")
    assert not sms.params


def test_an_owner_is_told_when_his_step_is_overdue_once(people):
    case = _red_case(people, now=T0)
    svc.escalate_missed_crisis_steps(now=T0 + 16 * MIN)  # 陪护 was due at +15
    svc.escalate_missed_crisis_steps(now=T0 + 17 * MIN)
    late = Notification.objects.filter(kind="care.crisis.overdue", channel="in_app")
    assert list(late.values_list("user__username", flat=True)) == ["class_teacher"]
    assert late.get().url == reverse("care:my_tasks") and people.student_a1.name not in late.get().subject
    assert CrisisStep.objects.get(case=case, kind="accompanied").stage == 1  # and the leader has it


def test_the_case_owner_gives_a_step_to_someone_else_who_is_told(people, login):
    case = _red_case(people)
    client = login(people.psych)
    got = client.post(
        reverse("care:case_action", args=[case.pk, "crisis_owner"]),
        {"step": CrisisStepKind.GUARDIAN, "owner": people.class_teacher.pk},
    )
    assert got.status_code == 302
    assert _owners(case)[CrisisStepKind.GUARDIAN] == "class_teacher"
    mine = Notification.objects.filter(
        user=people.class_teacher, kind="care.crisis.assigned", channel="in_app"
    )
    assert mine.count() == 2
    assert CaseEvent.objects.filter(case=case, after="owner:guardian").exists()
    assert AuditEvent.objects.filter(action="care.case.crisis_owner").exists()
    history = client.get(reverse("care:case_detail", args=[case.pk])).content.decode()
    assert "负责人变更：已通知监护人" in history and "owner:guardian" not in history  # words, not codes


def test_only_the_case_owner_reassigns_steps_and_only_to_people_of_the_case(people):
    case = _red_case(people)
    with pytest.raises(PermissionDenied):
        svc.set_crisis_step_owner(
            case=case, kind=CrisisStepKind.MEANS, owner=people.class_teacher, by=people.class_teacher
        )
    with pytest.raises(svc.CaseError):  # a teacher of another school is no one of this case
        svc.set_crisis_step_owner(
            case=case, kind=CrisisStepKind.MEANS, owner=people.other_school_teacher, by=people.psych
        )
    assert _owners(case)[CrisisStepKind.MEANS] == "psych"


# --- The class teacher's home page and "my tasks" -------------------------------------------------------------


def _tasks_card(html: str) -> str:
    start = html.index('class="card card-tasks"')
    return html[start : html.index("</section>", start)]


def test_a_class_teacher_sees_his_crisis_step_with_its_deadline_on_the_home_page(people, login):
    case = _red_case(people)
    due = timezone.localtime(CrisisStep.objects.get(case=case, kind="accompanied").due_at).strftime(
        "%m-%d %H:%M"
    )
    card = _tasks_card(login(people.class_teacher).get(reverse("web:home")).content.decode())
    assert "我的任务" in card
    assert "<dt>未完成任务</dt><dd>1</dd>" in card
    assert f"有人陪护学生，不让其独处 · 截止 {due}" in card
    assert people.student_a1.name not in card  # the home page names no student


def test_the_class_teacher_lists_his_step_with_the_deadline_and_never_a_reason(people, login):
    case = _red_case(people, now=_now() - 20 * MIN)  # the 陪护 step was due 5 minutes ago
    page = login(people.class_teacher).get(reverse("care:my_tasks")).content.decode()
    assert "有人陪护学生，不让其独处" in page and "五年级1班" in page and people.student_a1.name in page
    assert "已超时" in page
    assert "已通知学校领导" not in page  # the clinician's steps are not his
    assert "ASQ" not in page and "有计划" not in page  # no reason (his level colour is T2: the contacts list)
    assert AuditEvent.objects.filter(action="care.task.list", actor=people.class_teacher).exists()
    assert case.pk  # the case exists; he has no link to it (no T3 over the case)
    assert f'href="{reverse("care:case_detail", args=[case.pk])}"' not in page


def test_the_owner_marks_his_step_done_and_nobody_else_can(people, login):
    case = _red_case(people)
    step = CrisisStep.objects.get(case=case, kind=CrisisStepKind.ACCOMPANIED)
    url = reverse("care:crisis_step_done", args=[step.pk])
    assert login(people.other_class_teacher).post(url).status_code == 404
    step.refresh_from_db()
    assert step.done_at is None
    got = login(people.class_teacher).post(url, follow=True)
    step.refresh_from_db()
    assert step.done_by == people.class_teacher and step.done_at is not None
    assert "危机干预步骤已完成" in got.content.decode()
    assert CaseEvent.objects.filter(case=case, after="done:accompanied", actor=people.class_teacher).exists()
    card = _tasks_card(login(people.class_teacher).get(reverse("web:home")).content.decode())
    assert "<dt>未完成任务</dt><dd>0</dd>" in card


def test_my_tasks_and_the_home_page_keep_their_queries_bounded(people, login, django_assert_max_num_queries):
    _red_case(people)
    svc.open_case(student=people.student_a1b, level="red", by=people.psych, reason="r")  # a second case
    client = login(people.class_teacher)
    # measured: my tasks 12-13 (one query for the steps, whatever their number); home 17 with two cases, of which
    # the guardian-contacts figure costs one per case (care.contacts.selectors.contacts_due, left as it was)
    with django_assert_max_num_queries(13):
        assert client.get(reverse("care:my_tasks")).status_code == 200
    with django_assert_max_num_queries(18):
        assert client.get(reverse("web:home")).status_code == 200


# --- The alert follows the confirmed level --------------------------------------------------------------------


def test_the_alert_takes_the_level_confirmed_on_the_case_with_an_event_and_an_audit(people, raise_red):
    alert = raise_red(level="orange")
    case, _ = svc.open_case(student=people.student_a1, level="orange", by=people.psych, reason="r", now=T0)
    svc.change_level(case=case, level="red", by=people.psych, reason="出现计划", now=T0 + 5 * MIN)
    alert.refresh_from_db()
    assert alert.level == "red"
    event = AlertEvent.objects.get(alert=alert, kind="level")
    assert event.detail["from"] == "orange" and event.detail["to"] == "red" and event.actor == people.psych
    assert AuditEvent.objects.filter(action="care.alert.level", student_id=people.student_a1.pk).exists()


def test_an_unacknowledged_alert_confirmed_red_gets_reds_deadline(people, raise_red):
    alert = raise_red(level="orange")  # orange: 2 school hours, by 12:00
    assert alert.ack_deadline == dt.datetime(2026, 3, 10, 12, 0, tzinfo=SH)
    confirm_level(
        student=people.student_a1, level="red", by=people.psych, reason="谈话", source_type="care.case",
        source_id="x", reasons=REASONS, now=T0 + 5 * MIN,
    )  # fmt: skip
    alert.refresh_from_db()
    assert alert.level == "red" and alert.ack_deadline == T0 + 20 * MIN


def test_a_closed_alert_keeps_its_level(people, raise_red):
    alert = raise_red(level="orange")
    Alert.objects.filter(pk=alert.pk).update(closed_at=T0)
    confirm_level(student=people.student_a1, level="red", by=people.psych, reason="r", source_type="x",
                  source_id="1", now=T0 + MIN)  # fmt: skip
    alert.refresh_from_db()
    assert alert.level == "orange"


# --- The demo city ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_city_has_a_red_case_whose_accompany_step_is_the_demo_class_teachers(client):
    from io import StringIO

    from django.core.management import call_command

    from org.models import User

    call_command("seed_demo", students=200, seed=1, not_production=True, stdout=StringIO())
    teacher = User.objects.get(username="class_teacher")
    step = CrisisStep.objects.get(kind=CrisisStepKind.ACCOMPANIED, case__level="red")
    assert step.owner == teacher and step.case.owner.username == "psych"
    assert step.case.student.user_id is None  # not the demo student login
    client.force_login(teacher)
    card = _tasks_card(client.get(reverse("web:home")).content.decode())
    assert "<dt>未完成任务</dt><dd>1</dd>" in card and "有人陪护学生，不让其独处" in card


def test_steps_made_before_owners_existed_get_their_owner_by_the_migration(people):
    import importlib

    from django.apps import apps

    case = _red_case(people)
    CrisisStep.objects.filter(case=case).update(owner=None)
    CrisisStep.objects.filter(case=case, kind=CrisisStepKind.SAFETY_PLAN).update(done_at=timezone.now())
    importlib.import_module("care.migrations.0011_i15_path").backfill_owners(apps, None)
    owners = _owners(case)
    assert owners.pop(CrisisStepKind.SAFETY_PLAN) is None  # a step already done keeps no owner
    assert owners.pop(CrisisStepKind.ACCOMPANIED) == "class_teacher"
    assert set(owners.values()) == {"psych"}
