"""The staff activation page (issue 18 build 2): whoever imports staff prints activation slips or sends SMS codes
for the staff of their own area — and for no one else's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from access.models import ActivationCode, AuditEvent
from org.models import Post, Role

PHONE = "13911114444"


@pytest.fixture
def newcomer(world):
    user = get_user_model().objects.create(
        username="sunlaoshi", display_name="孙老师", phone=PHONE, password="!roster-import"
    )
    Post.objects.create(user=user, role=Role.TEACHER, node=world.school_a)
    return user


@pytest.mark.django_db
def test_the_district_admin_sees_who_is_not_activated_and_the_list_is_audited(world, login, newcomer):
    page = login(world.district_admin).get(reverse("slips:staff"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "孙老师" in text and "未激活" in text and "139****4444" in text
    event = AuditEvent.objects.get(action="staff.activation_list", actor=world.district_admin)
    assert newcomer.pk in event.detail["ids"]


@pytest.mark.django_db
def test_printing_slips_gives_a_pdf_and_one_code_per_person(world, login, newcomer):
    client = login(world.district_admin)
    response = client.post(reverse("slips:staff"), {"what": "slips", "user": [newcomer.pk]})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert (
        ActivationCode.objects.filter(user=newcomer, channel="slip", issued_by=world.district_admin).count()
        == 1
    )
    assert "已发激活码，待激活" in client.get(reverse("slips:staff")).content.decode()


@pytest.mark.django_db
def test_sending_codes_by_sms_reaches_the_phone_on_file(world, login, newcomer, provider_standin):
    client = login(world.district_admin)
    response = client.post(reverse("slips:staff"), {"what": "sms", "user": [newcomer.pk]}, follow=True)
    assert "已发送短信验证码：1 人" in response.content.decode()
    [sms] = provider_standin.sms_to(PHONE)
    assert sms.template == "SMS_CODE" and len(sms.params["code"]) == 6


@pytest.mark.django_db
def test_another_districts_administrator_cannot_issue_a_code_for_this_districts_staff(world, login, newcomer):
    chaoyang_admin = get_user_model().objects.create(username="chaoyang_admin", display_name="朝阳管理员")
    Post.objects.create(user=chaoyang_admin, role=Role.DISTRICT_ADMIN, node=world.chaoyang)
    client = login(chaoyang_admin)
    assert "孙老师" not in client.get(reverse("slips:staff")).content.decode()
    response = client.post(reverse("slips:staff"), {"what": "slips", "user": [newcomer.pk]}, follow=True)
    assert "请至少勾选一人" in response.content.decode()
    assert not ActivationCode.objects.filter(user=newcomer).exists()


@pytest.mark.django_db
def test_a_district_officer_imports_no_staff_so_issues_no_code(world, login, newcomer):
    # Issue 19 finding 11: the district officer (教研员) sees escalated students only and keeps no roster.
    client = login(world.district_officer)
    assert client.get(reverse("slips:staff")).status_code == 403
    client.post(reverse("slips:staff"), {"what": "slips", "user": [newcomer.pk]})
    assert not ActivationCode.objects.filter(user=newcomer).exists()
