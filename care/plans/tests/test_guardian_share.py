"""告知家长 (issue 21 build 3; R10, R12): the school shares an agreed plan with the guardians on purpose — the tasks
for the family, the next review date and, only if chosen, the level with the reason in plain words; the guardians
read it on their own page and confirm reading (once); nothing else of the case reaches them, and another
guardian never sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.models import Notification, PlanShare, PlanShareReading
from care.plans import services
from care.plans.services import PathwayError
from care.plans.tests.plans_helpers import TUE, case_fixture, close  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def agreed(world, case, review_on=None):
    review_on = review_on or timezone.localdate() + dt.timedelta(days=14)
    services.save_goals(case=case, by=world.psych, goals="降低考试焦虑（临床目标）", review_on=review_on)
    services.save_safety_plan(case=case, by=world.psych, parts={"warning_signs": "夜里不睡、写遗书"})
    services.record_agreement(
        case=case, by=world.psych, agreed_on=timezone.localdate(), meeting="家长会谈", agreed_with="母亲"
    )
    return review_on


def test_the_psych_teacher_shares_the_plan_and_the_guardian_reads_only_what_was_shared(world, case, login):
    review_on = agreed(world, case)
    school = login(world.psych)
    r = school.post(
        reverse("care:plan", args=[case.pk]),
        {"action": "share", "family_tasks": "每天陪孩子吃晚饭，周末一起散步"},
    )
    assert r.status_code == 302
    share = PlanShare.objects.get(plan__case=case)
    assert share.review_on == review_on and share.level == "" and share.reason == ""
    event = AuditEvent.objects.get(action="care.plan.share")
    assert event.actor == world.psych and event.student_id == case.student_id
    assert event.detail["level_shared"] is False and "每天" not in str(event.detail)
    assert Notification.objects.filter(user=world.guardian, key=f"care.plan.share.{share.pk}").count() == 1

    page = login(world.guardian).get(reverse("care:family_plans"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "每天陪孩子吃晚饭，周末一起散步" in html and review_on.strftime("%Y-%m-%d") in html
    # The level was not shared; goals and the safety plan never are.
    assert 'class="shared-level"' not in html
    assert "临床目标" not in html and "遗书" not in html
    assert AuditEvent.objects.filter(action="care.plan.share.view", actor=world.guardian).count() == 1


def test_the_level_and_reason_reach_the_guardian_only_when_the_school_chooses(world, case, login):
    agreed(world, case)
    services.share_with_guardians(
        case=case,
        by=world.psych,
        family_tasks="按时睡觉",
        share_level=True,
        reason="最近情绪低落，需要多陪伴",
    )
    html = login(world.guardian).get(reverse("care:family_plans")).content.decode()
    assert 'class="shared-level"' in html and "最近情绪低落，需要多陪伴" in html


def test_sharing_the_level_without_a_reason_or_before_the_agreement_is_refused(world, case, login):
    services.save_goals(case=case, by=world.psych, goals="目标", review_on=None)
    r = login(world.psych).post(
        reverse("care:plan", args=[case.pk]), {"action": "share", "family_tasks": "按时睡觉"}
    )
    assert r.status_code == 409 and not PlanShare.objects.exists()
    agreed(world, case)
    with pytest.raises(PathwayError):
        services.share_with_guardians(case=case, by=world.psych, family_tasks="按时睡觉", share_level=True)
    with pytest.raises(PathwayError):
        services.share_with_guardians(case=case, by=world.psych, family_tasks="  ", share_level=False)
    assert not PlanShare.objects.exists()


def test_an_unshared_plan_is_invisible_to_the_guardian_and_another_guardian_never_sees_it(world, case, login):
    agreed(world, case)
    guardian = login(world.guardian)
    html = guardian.get(reverse("care:family_plans")).content.decode()
    assert "临床目标" not in html and "data-empty" in html
    share = services.share_with_guardians(
        case=case, by=world.psych, family_tasks="按时睡觉", share_level=False
    )
    other = login(world.other_guardian)
    html = other.get(reverse("care:family_plans")).content.decode()
    assert "按时睡觉" not in html and world.student_a1.name not in html
    assert other.post(reverse("care:family_plan_read", args=[share.pk])).status_code == 404
    assert not PlanShareReading.objects.exists()


def test_confirming_reading_is_recorded_once_and_the_school_sees_it(world, case, login):
    agreed(world, case)
    share = services.share_with_guardians(
        case=case, by=world.psych, family_tasks="按时睡觉", share_level=False
    )
    guardian = login(world.guardian)
    url = reverse("care:family_plan_read", args=[share.pk])
    assert guardian.post(url).status_code == 302
    assert guardian.post(url).status_code == 302  # again: nothing more
    reading = PlanShareReading.objects.get(share=share)
    assert reading.reader == world.guardian
    assert AuditEvent.objects.filter(action="care.plan.share.read").count() == 1
    assert "family-plan" in guardian.get(reverse("care:family_plans")).content.decode()
    plan_page = login(world.psych).get(reverse("care:plan", args=[case.pk])).content.decode()
    assert str(world.guardian) in plan_page
    home = login(world.guardian).get(reverse("schoolwork:guardian_home")).content.decode()
    assert "card-care-family-plan" in home


def test_sharing_again_replaces_what_the_guardian_sees_and_a_closed_case_cannot_be_shared(world, case, login):
    agreed(world, case)
    services.share_with_guardians(case=case, by=world.psych, family_tasks="旧的任务", share_level=False)
    services.share_with_guardians(case=case, by=world.psych, family_tasks="新的任务", share_level=False)
    html = login(world.guardian).get(reverse("care:family_plans")).content.decode()
    assert "新的任务" in html and "旧的任务" not in html
    close(case)
    with pytest.raises(PathwayError):
        services.share_with_guardians(case=case, by=world.psych, family_tasks="再次", share_level=False)
    assert PlanShare.objects.count() == 2


def test_only_the_schools_psych_teacher_shares(world, case):
    from django.core.exceptions import PermissionDenied

    agreed(world, case)
    for user in (world.class_teacher, world.psych_east, world.guardian):
        with pytest.raises(PermissionDenied):
            services.share_with_guardians(case=case, by=user, family_tasks="x", share_level=False)
    assert not PlanShare.objects.exists()
