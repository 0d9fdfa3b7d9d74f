"""Online counseling (在线咨询, R4.2): a text conversation between a student and the district counselor on duty,
kept as a session record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.models import AuditEvent
from care.models import Case, Notification
from counseling.centre import services
from counseling.centre.models import OnlineLine, OnlineSession
from counseling.centre.services import CentreError
from counseling.centre.tests.centre_helpers import put_on_duty
from org.models import Post, Role, User


def test_a_student_asks_once_and_the_counselor_on_duty_is_told(world):
    put_on_duty(world)
    first, created = services.request_online(user=world.student)
    again, created_again = services.request_online(user=world.student)
    assert created and not created_again and first == again and OnlineSession.objects.count() == 1
    assert Notification.objects.filter(kind=services.ONLINE_KIND, user=world.district_counselor).exists()


def test_only_a_counselor_on_duty_takes_the_conversation_and_only_once(world):
    session, _ = services.request_online(user=world.student)
    with pytest.raises(CentreError):
        services.take_online(user=world.district_counselor, session=session)  # not on duty
    assert AuditEvent.objects.filter(action="counseling.online.take_refused").exists()
    put_on_duty(world)
    services.take_online(user=world.district_counselor, session=session)
    with pytest.raises(CentreError) as second:
        services.take_online(user=world.district_counselor, session=session)
    assert second.value.status == 409


def test_the_student_and_the_counselor_talk_and_the_page_polls_the_lines(world, login):
    put_on_duty(world)
    session, _ = services.request_online(user=world.student)
    services.take_online(user=world.district_counselor, session=session)
    student = login(world.student)
    student.post(reverse("counseling:centre_chat", kwargs={"pk": session.pk}), {"body": "我最近睡不着"})
    counselor = login(world.district_counselor)
    counselor.post(
        reverse("counseling:centre_chat", kwargs={"pk": session.pk}), {"body": "能说说发生了什么吗？"}
    )
    lines = login(world.student).get(reverse("counseling:centre_chat_lines", kwargs={"pk": session.pk}))
    text = lines.content.decode()
    assert "我最近睡不着" in text and "能说说发生了什么吗？" in text
    assert [line.from_student for line in OnlineLine.objects.all()] == [True, False]


def test_no_one_else_reads_or_writes_in_the_conversation(world, login):
    session, _ = services.request_online(user=world.student)
    other = User.objects.create(username="chaoyang_counselor")
    Post.objects.create(user=other, role=Role.DISTRICT_COUNSELOR, node=world.chaoyang)
    assert (
        login(other).get(reverse("counseling:centre_chat_lines", kwargs={"pk": session.pk})).status_code
        == 404
    )
    assert (
        login(world.psych).get(reverse("counseling:centre_chat", kwargs={"pk": session.pk})).status_code
        == 403
    )
    with pytest.raises(CentreError):
        services.say(user=world.district_counselor, session=session, body="未接待就发言")  # not taken
    assert not OnlineLine.objects.exists()


def test_ending_with_a_red_judgement_opens_the_students_case_and_keeps_the_record(world):
    put_on_duty(world)
    session, _ = services.request_online(user=world.student)
    services.take_online(user=world.district_counselor, session=session)
    services.close_online(user=world.district_counselor, session=session, risk="red", notes="有计划")
    session.refresh_from_db()
    assert session.status == "closed" and session.risk == "red" and session.notes == "有计划"
    case = Case.objects.get(student=world.student_a1)
    assert case.level == "red"
    with pytest.raises(CentreError):
        services.say(user=world.student, session=session, body="还在吗")
