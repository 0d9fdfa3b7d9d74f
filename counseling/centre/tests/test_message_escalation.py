"""Escalation beyond the centre (R4.2): a crisis message without a first reply within the crisis deadline climbs
— the counselors on duty → every counselor of the district's centre → the district's officers — by care's
escalation timer; with no one on duty it starts at the whole centre and the sender sees the hotlines at once.
Explicit ``now`` throughout; runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.alerts.timers import run_registered
from care.models import Notification
from counseling.centre import services
from counseling.centre.models import MessageStage
from counseling.centre.tests.centre_helpers import put_on_duty
from org.models import Post, Role, User

CRISIS = "我不想活了，药已经攒好了"
T0 = dt.datetime(2026, 11, 28, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Saturday night


@pytest.fixture
def second_counselor(world):
    user = User.objects.create(username="haidian_counselor_2", email="c2@example.org")
    Post.objects.create(user=user, role=Role.DISTRICT_COUNSELOR, node=world.haidian)
    return user


def _crisis(world, key="c" * 20, anonymous=True, at=T0):
    message, _code, _ = services.leave_message(
        user=world.student, body=CRISIS, anonymous=anonymous, submit_key=key, now=at
    )
    return message


def _told(kind, message):
    return {
        n.user_id
        for n in Notification.objects.filter(kind=kind, channel="in_app")
        if f"-{message.pk}" in n.key
    }


def test_an_unanswered_crisis_climbs_from_the_duty_counselor_to_the_centre_to_the_district(
    world, second_counselor
):
    put_on_duty(world, now=T0)
    message = _crisis(world)
    assert message.stage == MessageStage.ON_DUTY and message.escalate_at == T0 + dt.timedelta(minutes=15)
    assert _told(services.CRISIS_KIND, message) == {world.district_counselor.pk}

    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=14)) == 0  # still within 15 minutes
    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=15)) == 1
    message.refresh_from_db()
    assert message.stage == MessageStage.CENTRE
    assert _told(services.ESCALATED_KIND, message) == {world.district_counselor.pk, second_counselor.pk}
    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=15)) == 0  # the same tick twice: once

    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=30)) == 1
    message.refresh_from_db()
    assert message.stage == MessageStage.DISTRICT and message.escalate_at is None
    district = {
        n.user_id: n.url
        for n in Notification.objects.filter(kind=services.ESCALATED_KIND, key__endswith=f"{message.pk}-2")
    }
    assert set(district) == {world.district_officer.pk, world.district_admin.pk}
    assert district[world.district_admin.pk] == reverse("counseling:centre_duty")
    # Nothing names the sender, and the officers get no link to the message itself (T3).
    for n in Notification.objects.filter(kind=services.ESCALATED_KIND):
        assert world.student_a1.name not in n.subject and world.school_a.name not in n.subject
    assert reverse("counseling:centre_message", kwargs={"pk": message.pk}) not in district.values()

    assert services.escalate_crisis_messages(T0 + dt.timedelta(hours=3)) == 0  # the last stage stays
    events = AuditEvent.objects.filter(action="counseling.message.escalate").order_by("seq")
    assert [(e.detail["from"], e.detail["to"]) for e in events] == [(0, 1), (1, 2)]
    assert all(e.actor_id is None and e.student_id is None for e in events)  # anonymous stays anonymous


def test_a_first_reply_within_the_deadline_stops_the_escalation(world, second_counselor):
    put_on_duty(world, now=T0)
    message = _crisis(world)
    services.reply_to_message(
        user=world.district_counselor,
        message=message,
        body="我们在，请告诉我你现在在哪里",
        risk_label="risk",
        now=T0 + dt.timedelta(minutes=9),
    )
    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=15)) == 0
    assert services.escalate_crisis_messages(T0 + dt.timedelta(hours=2)) == 0
    assert not Notification.objects.filter(kind=services.ESCALATED_KIND).exists()


def test_an_ordinary_message_does_not_climb(world):
    put_on_duty(world, now=T0)
    message, *_ = services.leave_message(
        user=world.student, body="作业好多", anonymous=True, submit_key="o" * 20, now=T0
    )
    assert message.escalate_at is None
    assert services.escalate_crisis_messages(T0 + dt.timedelta(hours=2)) == 0


def test_at_night_with_no_one_on_duty_a_crisis_goes_straight_to_the_whole_centre(world, second_counselor):
    message = _crisis(world)  # no shift in force
    assert message.stage == MessageStage.CENTRE
    assert _told(services.CRISIS_KIND, message) == {world.district_counselor.pk, second_counselor.pk}
    assert services.escalate_crisis_messages(T0 + dt.timedelta(minutes=15)) == 1
    message.refresh_from_db()
    assert message.stage == MessageStage.DISTRICT


def test_a_district_may_set_its_own_crisis_deadline(world, settings):
    settings.XINYU_MESSAGE_CRISIS_MINUTES_BY_DISTRICT = {"110108": 5}
    put_on_duty(world, now=T0)
    message = _crisis(world)
    assert message.escalate_at == T0 + dt.timedelta(minutes=5)


def test_the_escalation_timer_of_care_moves_the_messages(world):
    put_on_duty(world, now=T0)
    message = _crisis(world)
    assert run_registered(now=T0 + dt.timedelta(minutes=16))["counseling.crisis_messages"] == 1
    message.refresh_from_db()
    assert message.stage == MessageStage.CENTRE


def test_the_celery_task_runs_the_message_timer(world):
    from care.tasks import escalate_alerts

    past = timezone.now() - dt.timedelta(minutes=20)
    put_on_duty(world, now=past)
    message = _crisis(world, at=past)
    escalate_alerts.apply()  # eager, at the real now: 20 minutes after the crisis
    message.refresh_from_db()
    assert message.stage == MessageStage.CENTRE


def test_with_no_one_on_duty_the_sender_is_told_and_sees_the_hotlines_at_once(world, login):
    page = login(world.student).post(
        reverse("counseling:centre_leave"), {"body": "作业好多", "anonymous": "1", "submit_key": "n" * 20}
    )
    body = page.content.decode()
    assert 'id="nobody-on-duty"' in body
    assert body.index('id="nobody-on-duty"') < body.index("12356") and "12355" in body
    put_on_duty(world)
    again = login(world.student).post(
        reverse("counseling:centre_leave"), {"body": "作业好多", "anonymous": "1", "submit_key": "m" * 20}
    )
    assert 'id="nobody-on-duty"' not in again.content.decode() and "12356" in again.content.decode()


def test_the_counselor_on_duty_takes_a_crisis_on_and_it_stops_climbing(world, login, second_counselor):
    now = timezone.now()
    put_on_duty(world, now=now)
    message = _crisis(world, at=now)
    url = reverse("counseling:centre_message", kwargs={"pk": message.pk})
    client = login(world.district_counselor)
    assert 'id="acknowledge"' in client.get(url).content.decode()
    assert client.post(url, {"acknowledge": "1"}).status_code == 302
    message.refresh_from_db()
    assert message.acknowledged_by == world.district_counselor and message.escalate_at is None
    assert services.escalate_crisis_messages(now + dt.timedelta(hours=1)) == 0
    assert message.first_reply_at is None  # the reply deadline still runs
    assert AuditEvent.objects.filter(
        action="counseling.message.acknowledge", actor=world.district_counselor
    ).exists()


def test_a_counselor_off_duty_cannot_take_a_crisis_on_and_it_keeps_climbing(world, login, second_counselor):
    now = timezone.now()
    put_on_duty(world, now=now)
    message = _crisis(world, at=now)
    page = login(second_counselor).post(
        reverse("counseling:centre_message", kwargs={"pk": message.pk}), {"acknowledge": "1"}
    )
    assert page.status_code == 403
    message.refresh_from_db()
    assert message.acknowledged_at is None
    assert AuditEvent.objects.filter(action="counseling.message.ack_refused", actor=second_counselor).exists()
    assert services.escalate_crisis_messages(now + dt.timedelta(minutes=15)) == 1


def test_the_queue_shows_how_far_an_unanswered_crisis_has_climbed(world, login, second_counselor):
    now = timezone.now()
    message = _crisis(world, at=now - dt.timedelta(minutes=20))  # no one on duty then: the whole centre
    put_on_duty(world, now=now)
    page = login(world.district_counselor).get(reverse("counseling:centre_queue")).content.decode()
    assert "区心理咨询中心全体咨询师" in page or "All counselors of the district centre" in page
    services.acknowledge_message(user=world.district_counselor, message=message, now=now)
    page = login(world.district_counselor).get(reverse("counseling:centre_queue")).content.decode()
    assert "已签收" in page or "taken on" in page
