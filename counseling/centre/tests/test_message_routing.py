"""Everyone is answered soon, the most at risk first (issue 16, Build 1 and 4; R4.2).

A message's risk class (imminent danger / risk / none) is stored on it and orders the queue; imminent danger
alerts the counselor on duty by every channel (the SMS stand-in through the provider's SDK) with the shortest
stage time, and shows the sender 120, 110 and 12356 at once; an ordinary message is due within the district's
staffed deadline (60 minutes by default); time to first reply is measured per class in one query."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from care.models import Alert, Channel, Notification
from counseling.centre import selectors, services
from counseling.centre.models import DutyShift, Message, MessageStage, RiskClass
from counseling.centre.tests.centre_helpers import put_on_duty
from counseling.rooms.models import DistrictLinks
from tests.standins.providers import give_channels

IMMINENT = "我刚吃了一整瓶安眠药，头好晕"
RISK = "我不想活了，药已经攒好了"
ORDINARY = "最近考试压力有点大，晚上睡不好"
T0 = dt.datetime(2026, 12, 8, 3, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Tuesday, 03:00
PHONE = "13900001111"
MIN = dt.timedelta(minutes=1)


def _leave(world, body, key, at=T0, anonymous=True):
    message, _code, _ = services.leave_message(
        user=world.student, body=body, anonymous=anonymous, submit_key=key * 20, now=at
    )
    return message


def _night_shift(world, at=T0):
    return DutyShift.objects.create(
        district=world.haidian,
        counselor=world.district_counselor,
        starts_at=at - dt.timedelta(hours=11),
        ends_at=at + dt.timedelta(hours=5),
        created_at=at,
    )


def test_the_triage_class_is_stored_on_the_message(world):
    assert _leave(world, IMMINENT, "a").risk_class == RiskClass.IMMINENT
    assert _leave(world, RISK, "b").risk_class == RiskClass.RISK
    ordinary = _leave(world, ORDINARY, "c")
    assert ordinary.risk_class == RiskClass.NONE and not ordinary.crisis
    assert Message.objects.get(risk_class=RiskClass.IMMINENT).crisis  # imminent danger is a crisis too


def test_the_queue_puts_imminent_danger_first_then_risk_then_the_rest_by_deadline(world):
    _night_shift(world)
    early = _leave(world, ORDINARY, "a", at=T0 - 30 * MIN)
    risk = _leave(world, RISK, "b", at=T0 - 20 * MIN)
    late = _leave(world, ORDINARY, "c", at=T0 - 10 * MIN)
    imminent = _leave(world, IMMINENT, "d", at=T0)  # the newest, still on top
    order = [m.pk for m in selectors.message_queue(world.district_counselor)]
    assert order == [imminent.pk, risk.pk, early.pk, late.pk]
    assert [m.pk for m in Message.objects.all()] == order  # the model's ordering agrees


def test_an_imminent_message_at_night_reaches_the_counselor_on_duty_by_every_channel_with_the_emergency_sms(
    world, provider_standin, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _night_shift(world)
    give_channels(world.district_counselor, phone=PHONE, wecom_user_id="haidian_zx")
    with django_capture_on_commit_callbacks(execute=True):
        message = _leave(world, IMMINENT, "a")
    rows = Notification.objects.filter(user=world.district_counselor, kind=services.IMMINENT_KIND)
    assert {r.channel for r in rows} >= {Channel.IN_APP, Channel.SMS, Channel.WECOM}
    assert all(r.urgent for r in rows)
    sms = provider_standin.sms_to(PHONE)
    assert [s.template for s in sms] == ["SMS_EMERGENCY"]  # the registered text says 紧急 and what to do
    assert "紧急" in provider_standin.wecom_to("haidian_zx")[0].text  # what to do, never who
    assert "紧急" in rows.get(channel=Channel.WECOM).outside_text
    assert message.stage == MessageStage.ON_DUTY


def test_a_risk_message_keeps_its_crisis_notification_and_the_alert_sms(
    world, provider_standin, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _night_shift(world)
    give_channels(world.district_counselor, phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        _leave(world, RISK, "a")
    assert Notification.objects.filter(user=world.district_counselor, kind=services.CRISIS_KIND).exists()
    assert not Notification.objects.filter(kind=services.IMMINENT_KIND).exists()
    assert all(s.template != "SMS_EMERGENCY" for s in provider_standin.sms_to(PHONE))


def test_an_imminent_message_climbs_after_the_shortest_stage_time(world, settings):
    _night_shift(world)
    message = _leave(world, IMMINENT, "a")
    assert message.escalate_at == T0 + 5 * MIN
    assert services.escalate_crisis_messages(T0 + 4 * MIN) == 0
    assert services.escalate_crisis_messages(T0 + 5 * MIN) == 1
    message.refresh_from_db()
    assert message.stage == MessageStage.CENTRE and message.escalate_at == T0 + 10 * MIN
    escalated = Notification.objects.filter(
        key=f"centre-escalate-{message.pk}-1", channel=Channel.IN_APP
    ).get()
    assert escalated.urgent and escalated.kind == services.IMMINENT_KIND  # red, emergency SMS, at every stage
    settings.XINYU_MESSAGE_IMMINENT_MINUTES_BY_DISTRICT = {"110108": 3}
    assert _leave(world, IMMINENT, "b").escalate_at == T0 + 3 * MIN


def test_a_named_imminent_message_raises_a_red_care_alert(world):
    message = _leave(world, IMMINENT, "a", anonymous=False)
    alert = Alert.objects.get(source_type="counseling.message", source_id=str(message.pk))
    assert alert.level == "red"


def test_an_ordinary_message_is_due_within_60_minutes_while_someone_is_on_duty(world, settings):
    _night_shift(world)
    assert _leave(world, ORDINARY, "a").reply_due == T0 + 60 * MIN
    settings.XINYU_MESSAGE_REPLY_MINUTES_BY_DISTRICT = {"110108": 30}
    assert _leave(world, ORDINARY, "b").reply_due == T0 + 30 * MIN


def test_with_no_one_on_duty_an_ordinary_message_is_due_an_hour_into_the_next_shift_at_most_12_hours(world):
    assert _leave(world, ORDINARY, "a").reply_due == T0 + dt.timedelta(hours=12)  # no shift ahead
    DutyShift.objects.create(
        district=world.haidian,
        counselor=world.district_counselor,
        starts_at=T0 + dt.timedelta(hours=5),
        ends_at=T0 + dt.timedelta(hours=13),
        created_at=T0,
    )
    assert _leave(world, ORDINARY, "b").reply_due == T0 + dt.timedelta(hours=6)


def test_risk_is_due_in_the_crisis_minutes_and_imminent_danger_in_the_imminent_minutes(world):
    _night_shift(world)
    assert _leave(world, RISK, "a").reply_due == T0 + 15 * MIN
    assert _leave(world, IMMINENT, "b").reply_due == T0 + 5 * MIN


def test_time_to_first_reply_per_class_in_one_query(world):
    put_on_duty(world, now=T0)
    answered = {IMMINENT: [2, 4, 30], RISK: [10], ORDINARY: [20, 40, 50, 60, 90]}
    n = 0
    for body, waits in answered.items():
        for wait in waits:
            n += 1
            m = _leave(world, body, chr(ord("a") + n))
            services.reply_to_message(
                user=world.district_counselor, message=m, body="收到", risk_label="risk", now=T0 + wait * MIN
            )
    _leave(world, ORDINARY, "z")  # still waiting: sent, not answered
    with CaptureQueriesContext(connection) as queries:
        times = selectors.reply_times(world.haidian, T0 - MIN, T0 + MIN)
    assert len(queries) == 1
    by = {t.risk_class: t for t in times}
    assert [t.risk_class for t in times] == [RiskClass.IMMINENT, RiskClass.RISK, RiskClass.NONE]
    assert (by[RiskClass.IMMINENT].median_minutes, by[RiskClass.IMMINENT].p90_minutes) == (4, 30)
    assert (by[RiskClass.RISK].median_minutes, by[RiskClass.RISK].p90_minutes) == (10, 10)
    assert (by[RiskClass.NONE].sent, by[RiskClass.NONE].answered) == (6, 5)
    assert (by[RiskClass.NONE].median_minutes, by[RiskClass.NONE].p90_minutes) == (50, 90)
    assert selectors.reply_times(world.chaoyang, T0 - MIN, T0 + MIN)[0].sent == 0  # another district's


def test_the_queue_page_shows_time_to_first_reply_per_class(world, login):
    put_on_duty(world)
    page = login(world.district_counselor).get(reverse("counseling:centre_queue"))
    assert page.status_code == 200 and f'id="reply-times-{world.haidian.pk}"' in page.content.decode()


def test_the_sender_of_an_imminent_message_sees_120_110_12356_and_the_district_line_at_once(world, login):
    DistrictLinks.objects.create(
        district=world.haidian, hotlines=[{"number": "010-62345678", "name": "海淀区心理咨询中心热线"}]
    )
    client = login(world.student)
    page = client.post(
        reverse("counseling:centre_leave"), {"body": IMMINENT, "anonymous": "", "submit_key": "k" * 20}
    ).content.decode()
    assert 'id="emergency-help"' in page
    for number in ("tel:120", "tel:110", "tel:12356", "tel:010-62345678"):
        assert number in page
    message = Message.objects.get()
    thread = client.get(reverse("counseling:centre_my_message", kwargs={"pk": message.pk})).content.decode()
    assert 'id="emergency-help"' in thread and "tel:120" in thread


def test_the_sender_of_a_risk_message_keeps_the_hotline_notice_without_the_emergency_box(world, login):
    page = (
        login(world.student)
        .post(reverse("counseling:centre_leave"), {"body": RISK, "anonymous": "1", "submit_key": "k" * 20})
        .content.decode()
    )
    assert 'id="crisis-help"' in page and 'id="emergency-help"' not in page


def test_old_crisis_messages_are_backfilled_as_risk(world):
    import importlib
    from pathlib import Path

    from django.apps import apps

    import counseling.migrations

    name = next(
        Path(counseling.migrations.__file__).parent.glob("*_i16_route.py")
    ).stem  # renumbered at merge

    _leave(world, RISK, "a")
    _leave(world, ORDINARY, "b")
    Message.objects.update(risk_class=RiskClass.NONE)  # as before the migration
    importlib.import_module(f"counseling.migrations.{name}").backfill(apps, None)
    assert dict(Message.objects.values_list("crisis", "risk_class")) == {True: RiskClass.RISK, False: 0}


def test_without_an_emergency_template_the_emergency_sms_goes_on_the_alert_template(settings):
    from care.channels import sms
    from care.channels.text import Message as Text

    settings.XINYU_SMS = {
        "template_alert": "SMS_ALERT",
        "template_todo": "SMS_TODO",
        "template_emergency": "",
    }
    text = Text(urgent=True, subject="", body="", link="", kind=services.IMMINENT_KIND)
    assert sms.template(text) == "SMS_ALERT"
    settings.XINYU_SMS["template_emergency"] = "SMS_EMERGENCY"
    assert sms.template(text) == "SMS_EMERGENCY"
    assert sms.template(Text(urgent=True, subject="", body="", link="", kind="centre.crisis")) == "SMS_ALERT"


def test_a_named_imminent_message_at_night_gives_the_counselor_one_emergency_sms_not_two(
    world, provider_standin, settings, django_capture_on_commit_callbacks
):
    """The message's emergency notification and the student's red care alert tell the same counselor of the same
    message: one SMS (the emergency template), the alert in the app; the alert still reaches them there."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _night_shift(world)
    give_channels(world.district_counselor, phone=PHONE, wecom_user_id="haidian_zx")
    with django_capture_on_commit_callbacks(execute=True):
        message = _leave(world, IMMINENT, "a", anonymous=False)
    assert [s.template for s in provider_standin.sms_to(PHONE)] == ["SMS_EMERGENCY"]
    assert len(provider_standin.wecom_to("haidian_zx")) == 1
    alert = Alert.objects.get(source_type="counseling.message", source_id=str(message.pk))
    told = Notification.objects.filter(user=world.district_counselor, alert=alert)
    assert [r.channel for r in told] == [Channel.IN_APP]
