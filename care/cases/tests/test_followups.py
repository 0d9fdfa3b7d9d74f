"""Follow-ups (动态跟踪): scheduled by level (red weekly, orange every two weeks, yellow monthly; settings),
reminded once, overdue listed, the outcome and the level over time on the case."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from care.cases import services as svc
from care.conftest import T0
from care.models import CaseEvent, FollowUp, Notification

DAY = dt.timedelta(days=1)


def _case(people, level, now=T0, student=None):
    case, _ = svc.open_case(
        student=student or people.student_a1, level=level, by=people.psych, reason="r", now=now
    )
    return case


def _next_due(case):
    return FollowUp.objects.get(case=case, done_at__isnull=True).due_on


def test_follow_ups_are_scheduled_by_level(people):
    today = T0.date()
    assert _next_due(_case(people, "red")) == today + 7 * DAY
    assert _next_due(_case(people, "orange", student=people.student_a1b)) == today + 14 * DAY
    assert _next_due(_case(people, "yellow", student=people.student_a2)) == today + 30 * DAY


@override_settings(XINYU_FOLLOW_UP_DAYS={"red": 3})
def test_the_intervals_are_settings(people):
    assert _next_due(_case(people, "red")) == T0.date() + 3 * DAY


def test_a_higher_level_brings_the_next_follow_up_closer(people):
    case = _case(people, "yellow")
    svc.change_level(case=case, level="red", by=people.psych, reason="恶化", now=T0 + DAY)
    assert _next_due(case) == T0.date() + 8 * DAY


def test_recording_a_follow_up_schedules_the_next_and_shows_the_level_over_time(people, login):
    case = _case(people, "orange")
    fu = FollowUp.objects.get(case=case)
    svc.record_follow_up(follow_up=fu, by=people.psych, outcome="情绪好转", level="yellow", now=T0 + 14 * DAY)
    fu.refresh_from_db()
    assert (fu.outcome, fu.level, fu.done_by) == ("情绪好转", "yellow", people.psych)
    assert _next_due(case) == T0.date() + 44 * DAY
    case.refresh_from_db()
    assert case.level == "yellow"
    assert list(CaseEvent.objects.filter(case=case, kind="level").values_list("before", "after")) == [
        ("orange", "yellow")
    ]
    page = login(people.psych).get(reverse("care:case_detail", args=[case.pk])).content.decode()
    assert "情绪好转" in page and "level-yellow" in page


def test_a_follow_up_without_an_outcome_is_refused(people):
    fu = FollowUp.objects.get(case=_case(people, "orange"))
    try:
        svc.record_follow_up(follow_up=fu, by=people.psych, outcome="", now=T0)
    except svc.CaseError:
        pass
    else:
        raise AssertionError("accepted")
    fu.refresh_from_db()
    assert fu.done_at is None


def test_reminders_go_to_the_owner_once_when_due_and_once_more_when_late(people):
    _case(people, "red")
    assert svc.remind_follow_ups(now=T0 + 6 * DAY) == 0
    assert svc.remind_follow_ups(now=T0 + 7 * DAY) == 1
    assert svc.remind_follow_ups(now=T0 + 7 * DAY + dt.timedelta(hours=3)) == 0  # once per key
    assert svc.remind_follow_ups(now=T0 + 10 * DAY) == 1  # late
    told = Notification.objects.filter(kind="care.follow_up", channel="in_app")
    assert set(told.values_list("user__username", flat=True)) == {"psych"}
    assert told.count() == 2


def test_the_follow_ups_page_lists_the_overdue_first_in_a_fixed_number_of_queries(
    people, login, django_assert_max_num_queries
):
    now = timezone.now()
    _case(people, "red", now=now - 10 * DAY)
    client = login(people.psych)
    client.get(reverse("care:follow_up_list"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("care:follow_up_list"))
    _case(people, "red", now=now - 2 * DAY, student=people.student_a1b)
    _case(people, "red", now=now, student=people.student_a2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("care:follow_up_list")).content.decode()
    assert body.count("follow-up-row") == 3
    assert body.index(people.student_a1.name) < body.index(people.student_a1b.name)
    assert 'class="follow-up-row alert-row overdue"' in body
