"""Counselors' labels as triage training data (R4.2, issue 16 build 3): the counselor marks a message's real risk
in one click with the first reply, preselected from the triage; only the anonymised text and the label are kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.models import AuditEvent
from counseling.centre import services
from counseling.centre.labels import anonymise, known_names
from counseling.centre.models import Message, MessageReply, TriageLabel
from counseling.centre.services import CentreError
from counseling.centre.tests.centre_helpers import put_on_duty
from org.models import Post, Role, User

CRISIS = "我不想活了，药已经攒好了"


def _leave(world, body: str, *, anonymous: bool = True, key: str = "l" * 20) -> Message:
    message, _code, _ = services.leave_message(
        user=world.student, body=body, anonymous=anonymous, submit_key=key
    )
    return message


def _page(client, message):
    return client.get(reverse("counseling:centre_message", kwargs={"pk": message.pk})).content.decode()


def test_the_reply_form_preselects_the_triages_class(world, login):
    put_on_duty(world)
    crisis = _leave(world, CRISIS, key="c" * 20)
    ordinary = _leave(world, "作业有点多，想找人聊聊", key="o" * 20)
    client = login(world.district_counselor)
    assert 'value="risk" required checked' in _page(client, crisis)
    page = _page(client, ordinary)
    assert 'value="none" required checked' in page and 'value="risk" required checked' not in page


def test_the_label_lands_with_the_reply_in_one_post_and_is_audited(world, login):
    put_on_duty(world)
    message = _leave(world, CRISIS)
    client = login(world.district_counselor)
    url = reverse("counseling:centre_message", kwargs={"pk": message.pk})
    page = client.post(url, {"body": "我们在，你现在安全吗？", "risk_label": "imminent"})
    assert page.status_code == 302
    label = TriageLabel.objects.get()
    assert (label.label, label.triage_class, label.district_id) == ("imminent", "risk", world.haidian.pk)
    assert label.text == CRISIS and label.lexicon_version == message.lexicon_version
    event = AuditEvent.objects.get(action="counseling.message.reply")
    assert event.detail["label"] == "imminent" and event.detail["triage_class"] == "risk"
    # No link back: the label names no message, sender or counselor.
    fields = {f.name for f in TriageLabel._meta.get_fields()}
    assert fields == {"id", "district", "text", "label", "triage_class", "lexicon_version", "labelled_at"}
    # A follow-up reply asks for no label and adds none.
    assert "risk_label" not in _page(client, message)
    client.post(url, {"body": "还在吗？"})
    assert MessageReply.objects.count() == 2 and TriageLabel.objects.count() == 1


def test_the_text_is_encrypted_at_rest(world):
    put_on_duty(world)
    message = _leave(world, CRISIS)
    services.reply_to_message(user=world.district_counselor, message=message, body="在", risk_label="risk")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM counseling_triagelabel")
        (stored,) = cursor.fetchone()
    assert CRISIS not in stored and stored.startswith("x1:")


def test_a_first_reply_without_a_label_is_refused_and_nothing_is_stored(world, login):
    put_on_duty(world)
    message = _leave(world, CRISIS)
    url = reverse("counseling:centre_message", kwargs={"pk": message.pk})
    for posted in ({"body": "在"}, {"body": "在", "risk_label": "maybe"}):
        page = login(world.district_counselor).post(url, posted)
        assert page.status_code == 400
    message.refresh_from_db()
    assert message.first_reply_at is None
    assert not MessageReply.objects.exists() and not TriageLabel.objects.exists()


def test_a_counselor_of_another_district_cannot_label(world, login):
    other = User.objects.create(username="chaoyang_counselor_l")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    put_on_duty(world, user=other)
    message = _leave(world, CRISIS)
    page = login(other).post(
        reverse("counseling:centre_message", kwargs={"pk": message.pk}), {"body": "在", "risk_label": "none"}
    )
    assert page.status_code == 404
    with pytest.raises(CentreError) as refused:
        services.reply_to_message(user=other, message=message, body="在", risk_label="none")
    assert refused.value.status == 403
    assert not TriageLabel.objects.exists() and not MessageReply.objects.exists()


def test_anonymisation_removes_names_phones_id_numbers_schools_and_classes():
    text = (
        "我叫李明轩，在人大附中初二(3)班，王老师天天骂我。我妈电话13812345678，家里010-62751234，"
        "身份证110108200901011234，qq: 20091234，我真的不想活了"
    )
    out = anonymise(text)
    for gone in (
        "李明轩",
        "人大附中",
        "初二(3)班",
        "王老师",
        "13812345678",
        "62751234",
        "110108200901011234",
    ):
        assert gone not in out, gone
    assert "20091234" not in out
    # What the triage learns from stays.
    assert "我真的不想活了" in out and "天天骂我" in out
    # Hotlines are not private numbers.
    assert anonymise("我打了12356和12355") == "我打了12356和12355"


def test_a_named_senders_name_and_the_districts_schools_are_removed(world):
    put_on_duty(world)
    student = world.student_a1
    body = f"我是{student.name}，{world.school_a.name}的，{student.name[1:]}这个名字我都讨厌"
    message = _leave(world, body, anonymous=False)
    known = dict(known_names(message))
    assert known[student.name] == "〔姓名〕" and known[world.school_a.name] == "〔学校〕"
    out = anonymise(body, known_names(message))
    assert student.name not in out and world.school_a.name not in out
    if len(student.name) >= 3:
        assert student.name[1:] not in out


def test_a_label_keeps_only_the_month_and_a_random_number_so_nothing_links_it_back_to_the_reply(world):
    """Privacy review (docs/privacy.md): the named sender's "the centre replied" notification outlives the purged
    message with the exact time of the first reply; the label must not share it, nor number the replies in order."""
    from django.utils import timezone

    from care.models import Channel, Notification

    put_on_duty(world)
    for key in ("a", "b"):
        message = _leave(world, CRISIS, anonymous=False, key=key * 20)
        services.reply_to_message(
            user=world.district_counselor, message=message, body="在", risk_label="risk"
        )
    told = list(Notification.objects.filter(kind="centre.reply", channel=Channel.IN_APP))
    labels = list(TriageLabel.objects.all())
    assert len(told) == 2 and len(labels) == 2
    for label in labels:
        given = timezone.localtime(label.labelled_at)
        assert (given.day, given.hour, given.minute, given.second) == (1, 0, 0, 0)
        assert given.month == timezone.localtime(told[0].created_at).month
        assert label.labelled_at not in {n.created_at for n in told}
    first, second = sorted(label.pk for label in labels)
    assert second - first != 1 and second > 2**32  # not a count of the replies


def test_anonymisation_removes_home_addresses_but_keeps_the_floor_a_height_message_names():
    out = anonymise("我住阳光小区3号楼2单元502室，现在在18层楼顶；外婆家在中关村南大街12号")
    for gone in ("阳光小区", "3号楼", "2单元", "502室", "中关村南大街12号"):
        assert gone not in out, gone
    assert "18层楼顶" in out
