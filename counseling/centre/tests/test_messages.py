"""24-hour message platform (24小时留言平台, R4.2): anonymous and named messages, the queue, crisis alerts,
replies only by the counselor on duty."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.models import Alert, Notification
from counseling.centre import services
from counseling.centre.models import Message, MessageReply
from counseling.centre.services import CentreError
from counseling.centre.tests.centre_helpers import put_on_duty
from org.models import Post, Role, User

CRISIS = "我不想活了，药已经攒好了"


def _leave(client, body: str, anonymous: bool, key: str = "k" * 20):
    return client.post(
        reverse("counseling:centre_leave"),
        {"body": body, "anonymous": "1" if anonymous else "", "submit_key": key},
    )


def test_an_anonymous_message_stores_no_one_and_gives_a_code_shown_once(world, login):
    client = login(world.student)
    before = AuditEvent.objects.count()
    page = _leave(client, "最近心情不好，想找人聊聊", anonymous=True)
    assert page.status_code == 200
    code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", page.content.decode()).group(0)
    message = Message.objects.get()
    assert message.student is None and message.anonymous
    assert message.code_hash == services.code_hash(code) and code not in message.code_hash
    assert page["Cache-Control"] == "no-store"
    # Nothing in the trail now, next to the sender's own events (issue 19 finding 8) …
    assert not AuditEvent.objects.filter(seq__gt=before).exists()
    # … the arrival is counted in the digest of the hour, with no actor, object, address or finer time.
    digest = services.audit_anonymous_digest(now=timezone.now() + dt.timedelta(hours=1))
    assert (digest.actor_id, digest.student_id, digest.address, digest.object_id) == (None, None, None, "")
    assert digest.detail["arrived"] == 1 and digest.detail["code_reads"] == 0
    assert services.audit_anonymous_digest(now=timezone.now() + dt.timedelta(hours=1)) is None  # once
    # The same form sent again: stored once, the code is not shown again.
    again = _leave(client, "最近心情不好，想找人聊聊", anonymous=True)
    assert Message.objects.count() == 1 and code not in again.content.decode()


def test_the_sender_reads_the_reply_with_their_code_and_a_wrong_code_finds_nothing(world, login):
    client = login(world.student)
    code = re.search(
        r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", _leave(client, "你好", True).content.decode()
    ).group(0)
    message = Message.objects.get()
    put_on_duty(world)
    services.reply_to_message(
        user=world.district_counselor, message=message, body="你好，我们在。", risk_label="none"
    )
    page = client.post(reverse("counseling:centre_read_code"), {"code": code.lower()})
    assert page.status_code == 200 and "你好，我们在。" in page.content.decode()
    wrong = client.post(reverse("counseling:centre_read_code"), {"code": "2222-2222-2222"})
    assert wrong.status_code == 404 and "你好，我们在。" not in wrong.content.decode()
    # Reading with the code ties no login to the message: no event now; a count in the hour's digest.
    assert not AuditEvent.objects.filter(action="counseling.message.read_code").exists()
    digest = services.audit_anonymous_digest(now=timezone.now() + dt.timedelta(hours=1))
    assert digest.detail["code_reads"] == 1 and digest.object_id == "" and digest.actor_id is None


def test_the_audit_trail_cannot_link_an_anonymous_sender_to_their_message(world, login):
    """Issue 19 finding 8: the sender's login was the event just before the anonymous message."""
    client = login(world.student)
    code = re.search(
        r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", _leave(client, "我想说说心里话", True).content.decode()
    ).group(0)
    client.post(reverse("counseling:centre_read_code"), {"code": code})
    message = Message.objects.get()
    put_on_duty(world)
    services.reply_to_message(
        user=world.district_counselor, message=message, body="我们在，慢慢说。", risk_label="none"
    )
    services.audit_anonymous_digest(now=timezone.now() + dt.timedelta(hours=1))
    trail = list(AuditEvent.objects.order_by("seq"))
    # The message's sequential id appears nowhere (it would place it between named messages' events) …
    assert not [e for e in trail if e.object_type == "counseling.message" and e.object_id == str(message.pk)]
    # … the counselor's reply names it by its random reference, and nothing the student did names it at all.
    reply = [e for e in trail if e.object_id == message.audit_object_id]
    assert reply and all(e.actor_id == world.district_counselor.pk for e in reply)
    mine = [e for e in trail if e.actor_id == world.student.pk]
    assert mine and not [e for e in mine if e.object_id == message.audit_object_id or "anon" in str(e.detail)]


def test_an_anonymous_crisis_alerts_the_counselor_on_duty_at_once_and_shows_the_hotlines(world, login):
    put_on_duty(world)
    page = _leave(login(world.student), CRISIS, anonymous=True)
    body = page.content.decode()
    assert "12356" in body and "12355" in body and 'id="crisis-help"' in body
    message = Message.objects.get()
    assert message.crisis and message.student is None
    told = Notification.objects.filter(kind=services.CRISIS_KIND)
    assert {n.user_id for n in told} == {world.district_counselor.pk}
    # Nothing in the notification names the student or their school.
    for n in told:
        assert world.student_a1.name not in n.subject and world.school_a.name not in n.subject
        assert n.url == reverse("counseling:centre_message", kwargs={"pk": message.pk})
    assert not Alert.objects.exists()  # no student to alert on


def test_a_named_crisis_also_raises_a_red_alert_for_the_student(world, login):
    put_on_duty(world)
    _leave(login(world.student), CRISIS, anonymous=False)
    alert = Alert.objects.get()
    assert alert.student == world.student_a1 and alert.level == "red"


def test_with_no_one_on_duty_a_crisis_goes_to_every_counselor_of_the_district(world, login):
    _leave(login(world.student), CRISIS, anonymous=True)
    assert Notification.objects.filter(kind=services.CRISIS_KIND, user=world.district_counselor).exists()


def test_a_crisis_jumps_to_the_top_of_the_queue(world, login, django_assert_max_num_queries):
    client = login(world.student)
    for i in range(5):
        _leave(client, f"作业好多 {i}", anonymous=True, key=f"ordinary-key-{i:08d}")
    _leave(client, CRISIS, anonymous=True, key="crisis-key-000000000")
    for i in range(3):
        _leave(client, f"和同学吵架了 {i}", anonymous=False, key=f"named-key-{i:010d}")
    counselor = login(world.district_counselor)
    with django_assert_max_num_queries(14):
        page = counselor.get(reverse("counseling:centre_queue"))
    ids = [int(x) for x in re.findall(r'data-message="(\d+)"', page.content.decode())]
    assert ids[0] == Message.objects.get(crisis=True).pk and len(ids) == 9


def test_a_reply_by_a_counselor_not_on_duty_is_refused_nothing_changes_and_it_is_audited(world, login):
    message, _code, _ = services.leave_message(
        user=world.student, body="你好", anonymous=True, submit_key="x" * 20
    )
    client = login(world.district_counselor)
    page = client.post(reverse("counseling:centre_message", kwargs={"pk": message.pk}), {"body": "回复"})
    assert page.status_code == 403 and "不在值班" in page.content.decode()
    message.refresh_from_db()
    assert message.first_reply_at is None and not MessageReply.objects.exists()
    assert AuditEvent.objects.filter(
        action="counseling.message.reply_refused", actor=world.district_counselor
    ).exists()


def test_a_counselor_of_another_district_cannot_even_see_the_message(world, login):
    other = User.objects.create(username="chaoyang_counselor")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    message, _code, _ = services.leave_message(
        user=world.student, body="你好", anonymous=True, submit_key="y" * 20
    )
    page = login(other).post(
        reverse("counseling:centre_message", kwargs={"pk": message.pk}), {"body": "回复"}
    )
    assert page.status_code == 404 and not MessageReply.objects.exists()


def test_the_first_reply_stops_the_clock_and_tells_a_named_sender(world):
    now = timezone.now()
    put_on_duty(world, now=now)
    message, code, _ = services.leave_message(
        user=world.student, body="你好", anonymous=False, submit_key="z" * 20
    )
    assert code is None
    services.reply_to_message(
        user=world.district_counselor, message=message, body="收到", risk_label="none", now=now
    )
    message.refresh_from_db()
    assert message.first_reply_at == now and message.status == "answered"
    assert Notification.objects.filter(user=world.student, kind="centre.reply").exists()


def test_the_reply_deadline_is_12_hours_unless_the_district_sets_its_own(world, settings):
    now = timezone.now()
    m1, *_ = services.leave_message(
        user=world.student, body="a", anonymous=True, submit_key="a" * 20, now=now
    )
    assert m1.reply_due == now + dt.timedelta(hours=12)
    settings.XINYU_MESSAGE_REPLY_HOURS_BY_DISTRICT = {"110108": 4}
    m2, *_ = services.leave_message(
        user=world.student, body="b", anonymous=True, submit_key="b" * 20, now=now
    )
    assert m2.reply_due == now + dt.timedelta(hours=4)


@pytest.mark.parametrize("body", ["", "   ", "字" * 4001])
def test_an_empty_or_overlong_message_is_refused_with_a_message_and_nothing_stored(world, login, body):
    page = _leave(login(world.student), body, anonymous=True)
    assert page.status_code == 400 and "留言" in page.content.decode()
    assert not Message.objects.exists()


def test_only_a_student_can_leave_a_message(world):
    with pytest.raises(CentreError):
        services.leave_message(user=world.psych, body="x", anonymous=True, submit_key="c" * 20)


def test_a_student_sees_only_their_own_named_messages(world, login):
    mine, *_ = services.leave_message(user=world.student, body="我的", anonymous=False, submit_key="d" * 20)
    other = User.objects.create(username="s_a1b")
    Post.objects.create(user=other, role=Role.STUDENT, node=world.school_a)
    world.student_a1b.user = other
    world.student_a1b.save(update_fields=["user"])
    page = login(other).get(reverse("counseling:centre_my_message", kwargs={"pk": mine.pk}))
    assert page.status_code == 404


def test_a_message_past_its_deadline_is_brought_to_the_counselor_on_duty_once(world):
    sent = timezone.now() - dt.timedelta(hours=13)
    message, *_ = services.leave_message(
        user=world.student, body="作业好多", anonymous=True, submit_key="o" * 20, now=sent
    )
    answered, *_ = services.leave_message(
        user=world.student, body="你好", anonymous=True, submit_key="p" * 20, now=sent
    )
    put_on_duty(world)
    services.reply_to_message(user=world.district_counselor, message=answered, body="收到", risk_label="none")
    assert services.remind_overdue_messages() == 1
    assert services.remind_overdue_messages() == 0  # once
    told = Notification.objects.get(kind=services.OVERDUE_KIND)
    assert told.user == world.district_counselor and str(message.pk) in told.url
