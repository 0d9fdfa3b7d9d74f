"""Guardians' pages: login from a printed QR invitation (one-time, expiring, hashed), the family page, a talk
request that reaches the school's psychological teachers, and the transparency page (who opened my child's file)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from access import audit
from care.models import Notification
from org.models import Guardian, GuardianLink, Post, Role, User
from schoolwork.home import selectors, services
from schoolwork.home.models import GuardianInvitation, TalkRequest
from schoolwork.home.services import HomeSchoolError

GOOD = "Jiazhang-2026!"


@pytest.fixture
def new_guardian(world):
    g = Guardian.objects.create(name="王小红妈妈", phone="13900000009")
    GuardianLink.objects.create(guardian=g, student=world.student_a1b, relation="mother", is_primary=True)
    return g


def _slip_tokens(html: str) -> list[str]:
    return re.findall(r"/schoolwork/join/([A-Za-z0-9_-]+)/", html)


def test_a_class_teacher_prints_qr_invitations_and_only_hashes_are_kept(world, login, new_guardian):
    got = login(world.class_teacher).post(
        reverse("schoolwork:guardian_invitations", kwargs={"pk": world.a1.pk})
    )
    html = got.content.decode()
    assert got.status_code == 200 and "<svg" in html
    tokens = set(_slip_tokens(html))
    assert len(tokens) == 2  # 王小红's new guardian and 李小明's guardian, who has never logged in
    stored = set(GuardianInvitation.objects.values_list("token_hash", flat=True))
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}


def test_a_guardian_sets_a_password_from_the_invitation_and_is_logged_in_once(world, client, new_guardian):
    [(link, token)] = [
        x for x in services.issue_guardian_invitations(user=world.class_teacher, school_class=world.a1)
        if x[0].guardian == new_guardian
    ]  # fmt: skip
    url = reverse("schoolwork:guardian_join", kwargs={"token": token})
    assert client.get(url).status_code == 200
    got = client.post(url, {"password": GOOD, "password2": GOOD})
    assert got.status_code == 302 and got["Location"] == reverse("schoolwork:guardian_home")
    new_guardian.refresh_from_db()
    user = new_guardian.user
    assert user.check_password(GOOD)
    assert Post.objects.filter(user=user, role=Role.GUARDIAN, node=world.school_a).exists()
    page = client.get(reverse("schoolwork:guardian_home"))
    assert page.status_code == 200 and world.student_a1b.name in page.content.decode()
    client.logout()
    assert client.get(url).status_code == 410


def test_a_weak_password_is_refused_and_the_invitation_stays_usable(world, client, new_guardian):
    links = services.issue_guardian_invitations(user=world.class_teacher, school_class=world.a1)
    token = next(t for link, t in links if link.guardian == new_guardian)
    url = reverse("schoolwork:guardian_join", kwargs={"token": token})
    assert client.post(url, {"password": "123", "password2": "123"}).status_code == 400
    assert client.post(url, {"password": GOOD, "password2": GOOD + "x"}).status_code == 400
    new_guardian.refresh_from_db()
    assert new_guardian.user is None
    assert GuardianInvitation.objects.get(guardian=new_guardian).used_at is None


def test_an_expired_invitation_is_refused(world, new_guardian):
    now = timezone.now()
    links = services.issue_guardian_invitations(
        user=world.class_teacher, school_class=world.a1, now=now - dt.timedelta(days=31)
    )
    token = next(t for link, t in links if link.guardian == new_guardian)
    with pytest.raises(HomeSchoolError) as exc:
        services.accept_invitation(token=token, password=GOOD, password2=GOOD)
    assert exc.value.status == 410
    assert not User.objects.filter(username=new_guardian.phone).exists()


def test_a_talk_request_notifies_the_psych_teachers_of_the_childs_campus(world, login):
    got = login(world.guardian).post(
        reverse("schoolwork:guardian_talk"), {"message": "孩子最近不愿上学", "key": "k"}
    )
    assert got.status_code == 302
    login(world.guardian).post(
        reverse("schoolwork:guardian_talk"), {"message": "孩子最近不愿上学", "key": "k"}
    )
    assert TalkRequest.objects.count() == 1
    told = set(Notification.objects.filter(kind="talk_request").values_list("user__username", flat=True))
    assert told == {"psych"}  # school A's psych teacher; the east campus's does not teach 五年级1班
    assert "不愿上学" not in Notification.objects.get(user=world.psych, channel="in_app").subject


def test_a_guardian_cannot_ask_about_another_familys_child(world, login):
    got = login(world.guardian).post(reverse("schoolwork:guardian_talk"), {"student": world.student_b1.pk})
    assert got.status_code == 404 and TalkRequest.objects.count() == 0


def test_the_transparency_page_shows_who_opened_the_childs_file_by_role_and_school_only(world, login):
    audit.record(actor=world.psych, action="care.level.view", student_id=world.student_a1.pk)
    audit.record(actor=world.class_teacher, action="student.view", student_id=world.student_a1.pk)  # T1 only
    audit.record(actor=world.psych, action="care.file.view", student_id=world.student_b1.pk)  # another child
    audit.record(actor=world.guardian, action="screening.consent.view", student_id=world.student_a1.pk)
    openings = selectors.file_openings(world.guardian)
    assert [o.action for o in openings] == ["care.level.view"]
    page = login(world.guardian).get(reverse("schoolwork:guardian_openings"))
    html = page.content.decode()
    assert "第一实验学校" in html
    assert str(world.psych) not in html  # the reader's name (心理老师) is not shown
    other = selectors.file_openings(world.other_guardian)
    assert [o.action for o in other] == ["care.file.view"]


def test_the_transparency_page_takes_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    for who in ("psych", "leader", "class_teacher", "district_counselor"):
        for _ in range(5):
            audit.record(actor=getattr(world, who), action="care.level.view", student_id=world.student_a1.pk)
    client = login(world.guardian)
    client.get(reverse("schoolwork:guardian_openings"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("schoolwork:guardian_openings"))
    assert page.content.decode().count("<tr>") == 21


def test_another_apps_guardian_card_appears_on_the_family_page(world, login):
    from xinyu.web.home import Card, register_card, unregister_card

    def appointments(request):
        return Card(title="孩子的心理咨询预约", items=["周三 15:00"], key="test-appointments")

    register_card(appointments)
    try:
        html = login(world.guardian).get(reverse("schoolwork:guardian_home")).content.decode()
    finally:
        unregister_card(appointments)
    assert "孩子的心理咨询预约" in html and "周三 15:00" in html
