"""Issue 20 build 5: a guardian's home page starts with what waits for them (等您处理), one link to each: a parent
session still to come at their child's school is an invitation; unread notices are waiting too. A session that is
over, or at another school, is not."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from care.channels.models import Channel, Notification
from schoolwork.models import ParentSession


def _session(world, school, held_on: dt.date, title: str) -> ParentSession:
    return ParentSession.objects.create(
        school=school, semester=world.year.semesters.first(), held_on=held_on, title=title,
        created_by=world.psych, created_at=timezone.now(),
    )  # fmt: skip


def _waiting(client) -> dict[str, str]:
    home = client.get("/").content.decode()
    card = re.search(r'<section class="card card-waiting"[^>]*>(.*?)</section>', home, re.S)
    return (
        {text: url for url, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', card.group(1))}
        if card
        else {}
    )


@pytest.mark.django_db
def test_a_parent_session_to_come_is_an_invitation_with_one_link_to_it(world, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    today = timezone.localdate()
    coming = _session(world, world.school_a, today + dt.timedelta(days=5), "如何陪伴孩子度过考试季")
    _session(world, world.school_a, today - dt.timedelta(days=5), "已经开过的家长课")
    _session(world, world.school_b, today + dt.timedelta(days=5), "别的学校的家长课")
    client = login(world.guardian)
    waiting = _waiting(client)
    invitations = [t for t in waiting if "家长课邀请" in t]
    assert invitations == [f"家长课邀请：{coming.held_on:%Y-%m-%d} 如何陪伴孩子度过考试季"]
    url = waiting[invitations[0]]
    page = client.get(url.split("#")[0])
    assert page.status_code == 200
    assert f'id="{url.split("#")[1]}"' in page.content.decode()


@pytest.mark.django_db
def test_unread_notices_wait_until_read(world, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    Notification.objects.create(
        user=world.guardian,
        channel=Channel.IN_APP,
        kind="notice",
        subject="家长会通知",
        created_at=timezone.now(),
    )
    client = login(world.guardian)
    waiting = _waiting(client)
    assert "阅读 1 条新通知" in waiting
    assert client.get(waiting["阅读 1 条新通知"]).status_code == 200


@pytest.mark.django_db
def test_nothing_waits_for_a_guardian_without_anything_to_do(world, login):
    assert _waiting(login(world.guardian)) == {}
