"""Channels people watch (issue 15, R5.1): in-app, e-mail, SMS (Alibaba Cloud / Tencent Cloud) and 企业微信, one
interface. The SDKs' and the WeCom client's real HTTP code talks to the provider stand-in on loopback
(tests/standins/providers.py); nothing of our own code is mocked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from care.alerts.services import flush_outbox, notify, send_notifications
from care.conftest import REASONS, T0
from care.models import (
    Alert,
    AlertEvent,
    AlertStage,
    Channel,
    ChannelChoice,
    Delivery,
    DeliveryStatus,
    Notification,
)
from tests.standins.providers import give_channels

MIN = dt.timedelta(minutes=1)
ALERT_TEXT = "您有一条需立即处理的预警，请登录心育查看"


@pytest.fixture
def reachable(people, settings):
    """School A's psychological teachers have an e-mail address, a phone and a 企业微信 account."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.LANGUAGE_CODE = "zh-hans"
    for i, name in enumerate(("psych", "psych_east", "leader", "district_counselor", "class_teacher")):
        give_channels(getattr(people, name), phone=f"1380000000{i}", wecom_user_id=f"wx_{name}")
    return people


def _raise(people, django_capture_on_commit_callbacks, level="red", source_id="r1", now=T0):
    from care.alerts.services import raise_alert

    with django_capture_on_commit_callbacks(execute=True):
        return raise_alert(
            student=people.student_a1, level=level, reasons=REASONS, source_type="screening.response",
            source_id=source_id, now=now,
        )  # fmt: skip


def _sent(user, alert=None) -> set[str]:
    rows = Notification.objects.filter(user=user, sent_at__isnull=False)
    if alert is not None:
        rows = rows.filter(alert=alert)
    return set(rows.values_list("channel", flat=True))


@pytest.mark.parametrize("sms_provider", ["aliyun", "tencent"])
def test_a_red_alert_reaches_the_psych_teacher_by_sms_wecom_email_and_in_app(
    reachable, provider_standin, settings, django_capture_on_commit_callbacks, sms_provider
):
    provider_standin.configure(settings, sms_provider)
    alert = _raise(reachable, django_capture_on_commit_callbacks)
    psych = reachable.psych
    assert len(provider_standin.sms_to(psych.phone)) == 1
    assert provider_standin.sms_to(psych.phone)[0].provider == sms_provider
    assert len(provider_standin.wecom_to("wx_psych")) == 1
    assert [m.to for m in mail.outbox if m.to == [psych.email]] == [[psych.email]]
    assert Notification.objects.filter(alert=alert, user=psych, channel=Channel.IN_APP).exists()
    assert _sent(psych, alert) == {Channel.SMS, Channel.WECOM, Channel.EMAIL}
    # Each delivery is recorded with the provider's id (its acceptance is the receipt).
    sms = Delivery.objects.get(notification__alert=alert, notification__user=psych, channel=Channel.SMS)
    assert (sms.provider, sms.status) == (sms_provider, DeliveryStatus.ACCEPTED)
    assert sms.provider_id == provider_standin.sms_to(psych.phone)[0].message_id
    wecom = Delivery.objects.get(notification__alert=alert, notification__user=psych, channel=Channel.WECOM)
    assert wecom.provider_id == provider_standin.wecom_to("wx_psych")[0].message_id


def test_no_message_that_leaves_carries_the_students_name_level_or_school(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    alert = _raise(reachable, django_capture_on_commit_callbacks)
    student, school = reachable.student_a1, reachable.school_a
    outgoing = [m.subject + m.body for m in mail.outbox]
    outgoing += [g.text for g in provider_standin.wecom()]
    outgoing += [f"{g.template} {g.params}" for g in provider_standin.sms()]
    assert len(outgoing) >= 3
    for text in outgoing:
        for secret in (student.name, school.name, "红", "橙", "red", "ASQ", "自杀"):
            assert secret not in text
    assert all(
        g.params in ({}, []) and g.template in ("SMS_ALERT", "1000001") for g in provider_standin.sms()
    )
    assert f"/care/alerts/{alert.pk}/" in provider_standin.wecom()[0].text


def test_a_persons_choice_is_honoured_for_what_is_not_red_and_ignored_for_red(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    psych = reachable.psych
    ChannelChoice.objects.filter(user=psych).update(email=False, wecom=False, sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[psych], kind="care.report", subject="新的异常情况报告", url="/r/1/", email=True)
    assert _sent(psych) == {Channel.SMS}
    assert provider_standin.sms_to(psych.phone)[0].template == "SMS_TODO"
    assert provider_standin.wecom() == [] and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[psych], kind="care.crisis", subject="陪护", url="/c/1/", email=True, level="red")
    red = Notification.objects.filter(user=psych, kind="care.crisis", sent_at__isnull=False)
    assert set(red.values_list("channel", flat=True)) == {Channel.SMS, Channel.WECOM, Channel.EMAIL}
    assert "您有一条需立即处理的待办，请登录心育查看" in provider_standin.wecom_to("wx_psych")[0].text
    # Without ``email`` (a low-key notice) only the inbox shows it, whatever was chosen.
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[psych], kind="care.note", subject="提醒", url="/n/1/")
    assert list(Notification.objects.filter(kind="care.note").values_list("channel", flat=True)) == ["in_app"]


def test_a_provider_error_falls_through_to_the_next_channel_at_once_and_the_relay_sends_it_later(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    psych = reachable.psych
    ChannelChoice.objects.filter(user=psych).update(email=False, sms=False, wecom=True)
    provider_standin.fail("wecom", times=1)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[psych], kind="care.report", subject="报告", url="/r/2/", email=True)
    # 企业微信 answered an error: the same message went by SMS at once.
    assert [g.answer for g in provider_standin.requests("wecom", "message/send")] == ["error"]
    assert len(provider_standin.sms_to(psych.phone)) == 1
    row = Notification.objects.get(user=psych, channel=Channel.WECOM)
    assert (row.sent_at, row.claimed_at, row.attempts) == (None, None, 1)
    failed = Delivery.objects.get(notification=row)
    assert (failed.status, failed.provider) == (DeliveryStatus.FAILED, "wecom") and "60020" in failed.error
    # The relay tries 企业微信 again, once.
    later = row.created_at + 2 * MIN
    assert flush_outbox(now=later) == 1
    assert flush_outbox(now=later) == 0
    assert len(provider_standin.wecom_to("wx_psych")) == 1
    assert list(row.deliveries.values_list("status", flat=True)) == ["failed", "accepted"]


def test_a_provider_that_does_not_answer_loses_no_alert(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    provider_standin.mode("aliyun", "hang")  # the client gives up after XINYU_CHANNEL_TIMEOUT (1 s here)
    alert = _raise(reachable, django_capture_on_commit_callbacks)
    psych = reachable.psych
    row = Notification.objects.get(alert=alert, user=psych, channel=Channel.SMS)
    assert row.sent_at is None and row.attempts == 1
    assert Delivery.objects.get(notification=row).status == DeliveryStatus.TIMEOUT
    assert _sent(psych, alert) == {Channel.WECOM, Channel.EMAIL}  # the others went all the same
    alert.refresh_from_db()
    assert alert.stage == AlertStage.PSYCH_TEACHERS  # someone was reached: no early escalation
    provider_standin.mode("aliyun", "ok")
    later = row.created_at + 2 * MIN
    assert flush_outbox(now=later) >= 1
    row.refresh_from_db()
    assert row.sent_at is not None and len(provider_standin.sms_to(psych.phone)) == 1


def test_when_nobody_of_a_stage_can_be_reached_the_alert_moves_up_at_once(
    reachable, provider_standin, settings, django_capture_on_commit_callbacks
):
    for name in ("psych", "psych_east"):
        user = getattr(reachable, name)
        user.email = ""
        user.save(update_fields=["email"])
    provider_standin.mode("aliyun", "error")
    provider_standin.mode("wecom", "error")
    alert = _raise(reachable, django_capture_on_commit_callbacks)
    alert.refresh_from_db()
    assert alert.stage == AlertStage.SCHOOL_LEADER  # long before its 15-minute deadline
    event = AlertEvent.objects.get(alert=alert, kind="escalated")
    assert event.detail["unreachable"] is True
    # The leader was told at once; the psych teachers' rows stay for the relay (not lost).
    assert [m.to for m in mail.outbox] == [[reachable.leader.email]]
    assert (
        Notification.objects.filter(alert=alert, stage=0, sent_at__isnull=True)
        .exclude(channel="in_app")
        .count()
        == 2
    )


def test_wecom_token_is_cached_and_fetched_again_when_wecom_says_it_expired(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    for i in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[reachable.psych], kind="k", subject="s", url=f"/u/{i}/", email=True)
    assert len(provider_standin.requests("wecom", "gettoken")) == 1
    provider_standin.expire_tokens()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[reachable.psych], kind="k", subject="s", url="/u/3/", email=True)
    assert len(provider_standin.requests("wecom", "gettoken")) == 2
    assert len(provider_standin.wecom_to("wx_psych")) == 3


def test_sending_a_row_twice_sends_it_once(reachable, provider_standin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        alert = _raise(reachable, lambda **kw: django_capture_on_commit_callbacks(execute=False))
    ids = list(
        Notification.objects.filter(alert=alert).exclude(channel="in_app").values_list("pk", flat=True)
    )
    first = send_notifications(ids)
    assert first == len(ids) and send_notifications(ids) == 0
    assert flush_outbox(now=T0 + 10 * MIN) == 0
    assert len(provider_standin.sms()) == Notification.objects.filter(alert=alert, channel="sms").count()


def test_the_alert_notifications_are_marked_read_when_acknowledged(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    from care.alerts.services import acknowledge_alert

    alert = _raise(reachable, django_capture_on_commit_callbacks)
    acknowledge_alert(alert=alert, user=reachable.psych, now=T0 + MIN)
    assert not Notification.objects.filter(alert=alert, channel="in_app", read_at__isnull=True).exists()
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == reachable.psych


def test_a_person_chooses_their_channels_on_their_notifications_page(world, client, settings):
    settings.XINYU_CHANNELS = ["in_app", "email", "sms", "wecom"]
    client.force_login(world.class_teacher)
    page = client.get("/care/notifications/").content.decode()
    assert 'href="/care/notifications/channels/"' in page
    page = client.get("/care/notifications/channels/").content.decode()
    assert (
        'name="wecom_user_id"' in page and 'name="dingtalk_user_id"' not in page
    )  # 钉钉 is not offered here
    response = client.post(
        "/care/notifications/channels/",
        {"sms": "1", "wecom": "1", "phone": "138 0000 1234", "wecom_user_id": "wangbanzhuren"},
    )
    assert response.status_code == 302
    choice = ChannelChoice.objects.get(user=world.class_teacher)
    assert (choice.email, choice.sms, choice.wecom, choice.wecom_user_id) == (
        False,
        True,
        True,
        "wangbanzhuren",
    )
    world.class_teacher.refresh_from_db()
    assert world.class_teacher.phone == "13800001234"
    page = client.get(response["Location"]).content.decode()
    assert 'name="sms" value="1" checked' in page and 'value="wangbanzhuren"' in page
    assert 'name="viewport"' in page  # the phone layout of base.html


def test_a_bad_phone_number_is_refused_and_changes_nothing(world, client):
    client.force_login(world.class_teacher)
    response = client.post(
        "/care/notifications/channels/", {"sms": "1", "phone": "12345", "wecom_user_id": ""}
    )
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not ChannelChoice.objects.filter(user=world.class_teacher).exists()
    world.class_teacher.refresh_from_db()
    assert world.class_teacher.phone == ""


def test_a_channel_switched_on_without_its_keys_is_reported_not_swallowed(world, client, settings):
    from django.core import checks

    settings.XINYU_CHANNELS = ["in_app", "email", "sms", "wecom"]
    settings.XINYU_SMS_PROVIDER = "aliyun"
    settings.XINYU_SMS = {**settings.XINYU_SMS, "access_key_id": "", "template_alert": ""}
    settings.XINYU_WECOM = {**settings.XINYU_WECOM, "corp_id": "", "secret": ""}
    found = {m.id: str(m.msg) for m in checks.run_checks(tags=["xinyu_config"])}
    assert set(found) == {"care.W103", "care.W104"}
    assert (
        "XINYU_SMS_ACCESS_KEY_ID" in found["care.W103"] and "XINYU_SMS_TEMPLATE_ALERT" in found["care.W103"]
    )
    assert "XINYU_WECOM_CORP_ID" in found["care.W104"]
    client.force_login(world.security_admin)
    page = client.get("/security/").content.decode()
    assert "XINYU_SMS_TEMPLATE_ALERT" in page and "XINYU_WECOM_SECRET" in page
    health = client.get("/readyz").json()["checks"]["config"]
    assert health.startswith("warning") and "XINYU_WECOM_CORP_ID" in health
    settings.XINYU_CHANNELS = ["in_app", "email"]
    assert client.get("/readyz").json()["checks"]["config"] == "ok"
    assert "XINYU_SMS" not in client.get("/security/").content.decode()


def test_the_sms_providers_delivery_report_is_recorded_and_a_failed_one_falls_through(
    reachable, provider_standin, client, settings, django_capture_on_commit_callbacks
):
    settings.XINYU_RECEIPT_TOKEN = "s3cret"
    provider_standin.configure(settings, "tencent")
    psych = reachable.psych
    ChannelChoice.objects.filter(user=psych).update(email=False, wecom=False, sms=True)
    for i in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[psych], kind="care.report", subject="报告", url=f"/r/{i}/", email=True)
    first, second = (g.message_id for g in provider_standin.sms_to(psych.phone))
    report = [
        {"user_receive_time": "2026-03-10 10:00:03", "nationcode": "86", "mobile": psych.phone,
         "report_status": "SUCCESS", "errmsg": "DELIVRD", "description": "用户短信送达成功", "sid": first},
        {"user_receive_time": "2026-03-10 10:00:04", "nationcode": "86", "mobile": psych.phone,
         "report_status": "FAIL", "errmsg": "MK:0001", "description": "用户关机", "sid": second},
    ]  # fmt: skip
    assert (
        client.post(
            "/care/channels/receipts/tencent/wrong/", report, content_type="application/json"
        ).status_code
        == 404
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/care/channels/receipts/tencent/s3cret/", report, content_type="application/json"
        )
    assert answer.json() == {"result": 0, "errmsg": "OK"}
    statuses = dict(Delivery.objects.filter(channel="sms").values_list("provider_id", "status"))
    assert statuses == {first: DeliveryStatus.DELIVERED, second: DeliveryStatus.UNDELIVERED}
    # The phone was off: the second message went on by the next channel the teacher has (企业微信), once.
    assert [g.text.rsplit("/", 2)[-2] for g in provider_standin.wecom_to("wx_psych")] == ["1"]
    client.post("/care/channels/receipts/tencent/s3cret/", report, content_type="application/json")
    assert len(provider_standin.wecom_to("wx_psych")) == 1


def _relay_until(stop, errors: list) -> None:
    from django.db import connections

    try:
        while True:
            done = stop.is_set()
            flush_outbox(older_than=dt.timedelta(0))
            if done:
                break
    except Exception as exc:  # reported by the test, not lost in the thread
        errors.append(exc)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_thirty_red_alerts_sent_while_two_relays_race_reach_everyone_once(reachable, provider_standin):
    """The small load test (bench/alert_fanout.py is the big one): 30 red alerts raised one after another, each
    sent after commit, while two relays sweep the outbox in parallel threads (PostgreSQL; on SQLite, whose
    in-memory test database threads cannot share, the relays run after the raises). Every outside row goes out
    exactly once: the provider saw each message once, none twice, none missing."""
    import threading

    from django.db import connection

    from care.alerts.services import raise_alert

    provider_standin.fail_rate = 0.2  # and one send in five answers an error
    stop, errors = threading.Event(), []
    racing = connection.vendor == "postgresql"
    relays = [threading.Thread(target=_relay_until, args=(stop, errors)) for _ in range(2)]
    if racing:
        for t in relays:
            t.start()
    for i in range(30):
        raise_alert(
            student=reachable.student_a1, level="red", reasons=REASONS, source_type="load", source_id=str(i)
        )
    stop.set()
    if racing:
        for t in relays:
            t.join()
    for _ in range(50):  # the timer's relay finishes what failed (at one in five, a few rounds)
        if not flush_outbox(older_than=dt.timedelta(0)):
            break
    assert errors == []
    rows = Notification.objects.exclude(channel="in_app")
    assert rows.count() == 30 * 3 and not rows.filter(sent_at__isnull=True).exists()
    sms_refs = [g.ref for g in provider_standin.sms()]
    assert sorted(sms_refs) == sorted(
        str(pk) for pk in rows.filter(channel="sms").values_list("pk", flat=True)
    )
    texts = [g.text for g in provider_standin.wecom()]
    assert len(texts) == len(set(texts)) == 30
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == len(set(bodies)) == 30
    assert Delivery.objects.filter(status="accepted").count() == 90


def test_a_red_alert_reaches_dingtalk_too_and_a_dingtalk_error_falls_through(
    reachable, provider_standin, django_capture_on_commit_callbacks
):
    psych = reachable.psych
    give_channels(psych, dingtalk_user_id="ding_psych")
    alert = _raise(reachable, django_capture_on_commit_callbacks)
    [notice] = provider_standin.dingtalk_to("ding_psych")
    assert ALERT_TEXT in notice.text and reachable.student_a1.name not in notice.text
    assert _sent(psych, alert) == {Channel.SMS, Channel.WECOM, Channel.DINGTALK, Channel.EMAIL}
    # Not red, by choice 钉钉 only: 钉钉 refuses, so the message goes at once by the first other channel the
    # teacher has, in the order 企业微信, 钉钉, SMS, e-mail.
    ChannelChoice.objects.filter(user=psych).update(email=False, sms=False, wecom=False, dingtalk=True)
    provider_standin.fail("dingtalk")
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[psych], kind="care.report", subject="报告", url="/r/9/", email=True)
    rows = Notification.objects.filter(kind="care.report").exclude(channel="in_app")
    assert dict(rows.values_list("channel", "attempts")) == {"dingtalk": 1, "wecom": 1}
    assert set(rows.filter(sent_at__isnull=False).values_list("channel", flat=True)) == {"wecom"}
