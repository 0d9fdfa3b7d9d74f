"""Notifications that are not alerts (care.alerts.services.notify): stored once per key, shown in the inbox, e-mailed
without personal details."""

from __future__ import annotations

from django.core import mail

from care.alerts.services import notify, send_emails
from care.models import Channel, Notification


def test_a_notification_reaches_each_person_once_however_often_it_is_sent(world):
    people = [world.psych, world.class_teacher]
    first = notify(
        users=people, kind="care.report", subject="李小明: 新的异常情况报告", url="/x/", key="report:1"
    )
    again = notify(
        users=people, kind="care.report", subject="李小明: 新的异常情况报告", url="/x/", key="report:1"
    )
    assert (first, again) == (2, 0)
    assert Notification.objects.filter(kind="care.report", channel=Channel.IN_APP).count() == 2


def test_it_shows_in_the_recipients_inbox_with_its_link_and_nowhere_else(world, client):
    notify(users=[world.psych], kind="care.report", subject="新的异常情况报告", url="/care/somewhere/")
    client.force_login(world.psych)
    page = client.get("/care/notifications/").content.decode()
    assert "新的异常情况报告" in page and 'href="/care/somewhere/"' in page
    client.force_login(world.leader)
    assert "新的异常情况报告" not in client.get("/care/notifications/").content.decode()


def test_its_email_says_only_that_something_is_waiting(world, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    world.psych.email = "psych@school.example"
    world.psych.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False):
        notify(users=[world.psych], kind="care.report", subject="李小明: 自伤迹象", url="/r/1/", email=True)
    ids = list(Notification.objects.filter(channel=Channel.EMAIL).values_list("pk", flat=True))
    assert send_emails(ids) == 1
    message = mail.outbox[-1]
    assert "李小明" not in message.subject + message.body and "自伤" not in message.body
    assert "/r/1/" in message.body
