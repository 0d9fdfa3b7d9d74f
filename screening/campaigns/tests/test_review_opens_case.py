"""Issue 15, point 2: "下一步：开案" in the second-stage review opens the case — with its crisis checklist when
red — in the same transaction as the review and the level, or refuses with a reason and changes nothing; the
teacher lands on the case page with a message that says what happened."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from care.models import Alert, Case, CaseStatus, CrisisStep, LevelRecord
from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import orange_asq_sheet
from screening.models import Review


@pytest.fixture
def sheet(world):
    """Student A1's ASQ sheet suggested orange and raised its alert (as the submit does)."""
    return orange_asq_sheet(world)


def _post(client, a, level, step, outcome="谈话中学生说有具体计划"):
    url = reverse("screening:review", kwargs={"pk": a.pk})
    return client.post(url, {"outcome": outcome, "confirmed_level": level, "next_step": step})


def test_open_case_at_red_opens_the_case_with_its_crisis_checklist_and_lands_on_it_with_a_message(
    world, sheet, login
):
    a, alert = sheet
    client = login(world.psych)
    got = _post(client, a, "red", "open_case")
    case = Case.objects.get(student=world.student_a1)
    assert got.status_code == 302 and got["Location"] == reverse("care:case_detail", args=[case.pk])
    assert case.level == "red" and case.status == CaseStatus.OPEN and case.source_type == "screening"
    steps = list(CrisisStep.objects.filter(case=case))
    assert len(steps) == 6 and all(s.owner_id for s in steps)
    assert LevelRecord.objects.get(student=world.student_a1, is_current=True).level == "red"
    alert.refresh_from_db()
    assert alert.level == "red" and alert.case_id == case.pk and alert.acknowledged_at is not None
    page = client.get(got["Location"]).content.decode()
    assert "已确认等级为红" in page and "已开案" in page and "危机干预清单已生成" in page


@override_settings(XINYU_CRISIS_STEP_DEADLINES={"guardian": {"minutes": 0, "clock": "no-such-clock"}})
def test_a_failure_while_opening_the_case_rolls_back_the_review_and_the_level_too(world, sheet):
    a, alert = sheet
    with pytest.raises(ValueError):  # the checklist cannot be made: nothing of the review may stay
        services.record_review(
            by=world.psych, assignment=a, talked_at=timezone.now(), outcome="计划", confirmed_level="red",
            next_step="open_case",
        )  # fmt: skip
    assert not Review.objects.exists()
    assert not LevelRecord.objects.filter(student=world.student_a1).exists()
    assert not Case.objects.exists() and not CrisisStep.objects.exists()
    alert.refresh_from_db()
    assert alert.level == "orange" and alert.acknowledged_at is None


def test_open_case_with_level_none_is_refused_with_a_reason_and_nothing_changes(world, sheet, login):
    a, _alert = sheet
    got = _post(login(world.psych), a, "none", "open_case")
    assert got.status_code == 400
    assert "个案需要红、橙或黄等级" in got.content.decode()
    assert not Review.objects.exists() and not LevelRecord.objects.exists() and not Case.objects.exists()


def test_a_student_with_an_open_case_gets_the_concern_added_and_the_message_says_so(world, sheet, login):
    from care.cases.services import open_case

    a, _alert = sheet
    first, _ = open_case(student=world.student_a1, level="orange", by=world.psych, reason="班主任报告")
    client = login(world.psych)
    got = _post(client, a, "red", "open_case")
    assert got["Location"] == reverse("care:case_detail", args=[first.pk])
    assert Case.objects.filter(student=world.student_a1).count() == 1
    first.refresh_from_db()
    assert first.level == "red" and CrisisStep.objects.filter(case=first).count() == 6
    assert first.events.filter(kind="source", source_type="screening").exists()
    assert "已有在案个案" in client.get(got["Location"]).content.decode()


@pytest.mark.parametrize(
    ("step", "said"), [("monitor", "持续关注"), ("close", "复核已记录")], ids=["monitor", "close"]
)
def test_close_and_monitor_say_what_they_did_and_open_no_case(world, sheet, login, step, said):
    a, _alert = sheet
    client = login(world.psych)
    got = _post(client, a, "yellow", step)
    assert got["Location"] == reverse("screening:review_queue")
    page = client.get(got["Location"]).content.decode()
    assert "已确认等级为黄" in page and said in page and "未开案" in page
    assert not Case.objects.exists()
    alert = Alert.objects.get()
    assert alert.level == "yellow"  # the alert follows the confirmed level
    assert alert.acknowledged_by == world.psych  # the talk took it on: it no longer climbs to the leader


# --- Issue 15, point 3: the alert page leads to the review, the level and the case; the alert follows the level


def test_after_acknowledging_the_alert_page_links_to_the_review_the_level_and_the_case(world, sheet, login):
    a, alert = sheet
    client = login(world.psych)
    url = reverse("care:alert_detail", args=[alert.pk])
    assert 'id="next-steps"' not in client.get(url).content.decode()  # before 签收: the acknowledge button
    got = client.post(reverse("care:alert_acknowledge", args=[alert.pk]), follow=True)
    page = got.content.decode()
    review = reverse("screening:review", kwargs={"pk": a.pk}) + "#confirm-level"
    assert "下一步" in page and "与学生谈话并确认等级" in page
    assert f'data-next="review"><a href="{review}"' in page
    assert f'data-next="level"><a href="{review}"' in page
    open_url = reverse("care:case_open", args=[world.student_a1.pk]) + f"?alert={alert.pk}"
    assert f'data-next="case"><a href="{open_url}"' in page
    # once the review opened the case, the panel goes to it
    _post(client, a, "red", "open_case")
    case = Case.objects.get()
    alert_page = client.get(url).content.decode()
    assert f'data-next="case"><a href="{reverse("care:case_detail", args=[case.pk])}"' in alert_page


def test_the_alert_shows_red_on_its_list_and_page_once_the_review_confirms_red(world, sheet, login):
    a, alert = sheet
    client = login(world.psych)
    _post(client, a, "red", "monitor")
    alert.refresh_from_db()
    assert alert.level == "red"
    assert alert.events.filter(kind="level", detail__to="red").exists()
    for page in (reverse("care:alert_list"), reverse("care:alert_detail", args=[alert.pk])):
        html = client.get(page).content.decode()
        assert 'class="level level-red"' in html and 'class="level level-orange"' not in html


def test_the_alert_page_after_acknowledging_keeps_its_queries_bounded(
    world, sheet, login, django_assert_max_num_queries
):
    _a, alert = sheet
    client = login(world.psych)
    client.post(reverse("care:alert_acknowledge", args=[alert.pk]))
    # 12 measured: the panel costs two (the open case, the review link); issue 19's tier tour added one — whether
    # the viewer may read the alert's reasons (a leader and a district officer may not). A constant, not per row.
    with django_assert_max_num_queries(13):
        assert client.get(reverse("care:alert_detail", args=[alert.pk])).status_code == 200
