"""Referral (转介, R12, R13): partner institutions per district, guardian consent before anything is sent, the
steps proposed → consented → sent → appointment → seen → feedback → back at school, overdue steps flagged, and
the institution clinician who sees only the referrals sent to their institution."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from access.policy import visible_students
from access.tiers import Tier
from care.models import (
    AlertStage,
    CaseEvent,
    CaseStatus,
    Institution,
    Notification,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from care.plans.services import PathwayError
from care.plans.tests.plans_helpers import (  # noqa: F401  (fixtures)
    TUE,
    case_fixture,
    close,
    hospital_fixture,
    other_clinician_fixture,
)
from care.referrals import services
from care.referrals.deadlines import referral_overdue, referral_step_due

pytestmark = pytest.mark.django_db


def _propose(world, case, hospital, now=TUE):
    return services.propose_referral(
        case=case, by=world.psych, institution=hospital, reason="持续自伤念头，需专科评估",
        shared="近两周情绪低落；PHQ-A 18", urgent=True, now=now,
    )  # fmt: skip


def _sent(world, case, hospital):
    r = _propose(world, case, hospital)
    services.record_consent(
        referral=r, by=world.psych, consent_by="李妈妈", consent_on=dt.date(2026, 3, 10), consent_via="书面同意",
        now=TUE,
    )  # fmt: skip
    return services.move_referral(
        referral=r, by=world.psych, to=ReferralStatus.SENT, now=TUE + dt.timedelta(hours=1)
    )


def _snapshot():
    return (
        list(Referral.objects.values()),
        list(ReferralEvent.objects.values()),
        list(CaseEvent.objects.values("pk", "kind", "after")),
    )


def test_a_referral_goes_from_proposal_to_back_at_school_and_every_step_is_recorded(
    world, case, hospital, login
):
    referral = _sent(world, case, hospital)
    case.refresh_from_db()
    assert case.status == CaseStatus.REFERRED
    assert case.events.filter(kind="status", after=CaseStatus.REFERRED).exists()

    clinician = login(world.clinician)
    page = clinician.get(reverse("care:referral", args=[referral.pk])).content.decode()
    assert world.student_a1.name in page and "持续自伤念头" in page and "PHQ-A 18" in page
    assert "李妈妈" not in page  # the consent record is the school's, not the institution's
    r = clinician.post(
        reverse("care:referral_feedback", args=[referral.pk]), {"feedback": "诊断：抑郁发作，门诊随访"}
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.FEEDBACK and referral.feedback_by == world.clinician
    assert Notification.objects.filter(user=world.psych, key=f"care.referral.{referral.pk}.feedback").exists()

    psych = login(world.psych)
    r = psych.post(
        reverse("care:referral_move", args=[referral.pk]),
        {"to": "returned", "support_plan": "每周心理老师谈话"},
    )
    assert r.status_code == 302
    referral.refresh_from_db()
    case.refresh_from_db()
    assert referral.status == ReferralStatus.RETURNED and case.status == CaseStatus.MONITORING
    steps = list(referral.events.values_list("after", flat=True))
    assert steps == ["proposed", "consented", "sent", "feedback", "returned"]
    # Back at school: the institution no longer sees the student or the referral.
    assert not visible_students(world.clinician, Tier.T1).filter(pk=world.student_a1.pk).exists()
    assert login(world.clinician).get(reverse("care:referral", args=[referral.pk])).status_code == 404


def test_a_referral_cannot_be_sent_without_the_guardians_consent_and_nothing_changes(
    world, case, hospital, login
):
    referral = _propose(world, case, hospital)
    before = _snapshot()
    r = login(world.psych).post(reverse("care:referral_move", args=[referral.pk]), {"to": "sent"})
    assert r.status_code == 409
    assert "同意" in r.content.decode() or "consent" in r.content.decode()
    assert _snapshot() == before
    assert login(world.clinician).get(reverse("care:referral", args=[referral.pk])).status_code == 404


def test_a_consent_without_who_or_when_is_refused_and_nothing_is_stored(world, case, hospital):
    referral = _propose(world, case, hospital)
    before = _snapshot()
    for missing in ({"consent_by": ""}, {"consent_on": None}, {"consent_via": " "}):
        kw = {"consent_by": "李妈妈", "consent_on": dt.date(2026, 3, 10), "consent_via": "书面", **missing}
        with pytest.raises(PathwayError):
            services.record_consent(referral=referral, by=world.psych, now=TUE, **kw)
    assert _snapshot() == before


def test_a_clinician_of_another_institution_gets_404_and_cannot_post_feedback(
    world, case, hospital, other_clinician, login
):
    referral = _sent(world, case, hospital)
    before = _snapshot()
    client = login(other_clinician)
    assert client.get(reverse("care:referral", args=[referral.pk])).status_code == 404
    assert (
        client.post(reverse("care:referral_feedback", args=[referral.pk]), {"feedback": "x"}).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        services.post_feedback(referral=referral, by=other_clinician, feedback="x", now=TUE)
    assert _snapshot() == before
    assert world.student_a1.name not in client.get(reverse("care:referrals")).content.decode()


def test_the_clinician_gets_the_students_age_but_not_the_birth_date_nor_the_enrollment_history(
    world, case, hospital, login
):
    # Issue 19 finding 11 (need-to-know): on the referral page, the student page and the API.
    from django.utils import timezone

    referral = _sent(world, case, hospital)
    student = world.student_a1
    age = f"{student.age_on(timezone.localdate())} 岁"
    birth = [
        student.birth_date.isoformat(),
        f"{student.birth_date:%Y年%-m月%-d日}",
        student.birth_date.strftime("%Y-%m-%d"),
    ]
    clinician = login(world.clinician)

    page = clinician.get(reverse("care:referral", args=[referral.pk])).content.decode()
    assert age in page and not any(b in page for b in birth)

    page = clinician.get(reverse("org:student_detail", args=[student.pk])).content.decode()
    assert student.name in page and age in page
    assert "在籍记录" not in page and not any(b in page for b in birth)

    row = clinician.get(f"/api/students/{student.pk}").json()
    assert row["age"] == student.age_on(timezone.localdate())
    assert row["birth_date"] is None and row["enrollments"] == []

    # The school's psychological teacher still reads both.
    psych = login(world.psych)
    assert "在籍记录" in psych.get(reverse("org:student_detail", args=[student.pk])).content.decode()
    row = psych.get(f"/api/students/{student.pk}").json()
    assert row["birth_date"] == "2015-03-01" and len(row["enrollments"]) == 1


def test_the_clinician_sees_only_the_referred_student_and_only_while_it_is_with_them(world, case, hospital):
    referral = _propose(world, case, hospital)
    assert not visible_students(world.clinician, Tier.T1).exists()
    services.record_consent(
        referral=referral, by=world.psych, consent_by="李妈妈", consent_on=dt.date(2026, 3, 10), consent_via="书面",
        now=TUE,
    )  # fmt: skip
    assert not visible_students(world.clinician, Tier.T1).exists()  # consented, not yet sent
    services.move_referral(referral=referral, by=world.psych, to=ReferralStatus.SENT, now=TUE)
    assert list(visible_students(world.clinician, Tier.T1)) == [world.student_a1]
    Institution.objects.filter(pk=hospital.pk).update(is_active=False)
    assert not visible_students(world.clinician, Tier.T1).exists()  # a withdrawn institution sees nothing


def test_the_district_counselor_sees_referrals_of_escalated_cases_identified_but_cannot_move_them(
    world, case, hospital, login
):
    from care.models import Alert

    referral = _sent(world, case, hospital)
    client = login(world.district_counselor)
    assert client.get(reverse("care:referral", args=[referral.pk])).status_code == 404  # not escalated
    Alert.objects.create(
        student=world.student_a1, school=world.school_a, level="red", source_type="t", source_id="1", raised_at=TUE,
        stage=AlertStage.DISTRICT_CENTRE,
    )  # fmt: skip
    page = client.get(reverse("care:referral", args=[referral.pk]))
    assert page.status_code == 200 and world.student_a1.name in page.content.decode()
    assert world.student_a1.name in client.get(reverse("care:referrals")).content.decode()
    before = _snapshot()
    assert client.post(reverse("care:referral_move", args=[referral.pk]), {"to": "seen"}).status_code == 403
    assert _snapshot() == before


def test_leaders_see_no_referral_detail(world, case, hospital, login):
    referral = _sent(world, case, hospital)
    assert login(world.leader).get(reverse("care:referral", args=[referral.pk])).status_code == 403
    assert login(world.leader).get(reverse("care:referrals")).status_code == 403


def test_a_step_out_of_order_is_refused(world, case, hospital):
    referral = _propose(world, case, hospital)
    with pytest.raises(PathwayError):
        services.move_referral(referral=referral, by=world.psych, to=ReferralStatus.SEEN, now=TUE)
    with pytest.raises(PathwayError):
        services.move_referral(referral=referral, by=world.psych, to="feedback", now=TUE)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.PROPOSED


def test_a_closed_cases_referral_cannot_move(world, case, hospital):
    referral = _propose(world, case, hospital)
    close(case)
    with pytest.raises(PathwayError):
        services.move_referral(referral=referral, by=world.psych, to=ReferralStatus.CANCELLED, now=TUE)
    with pytest.raises(PathwayError):
        _propose(world, case, hospital)
    assert Referral.objects.count() == 1


def test_an_institution_of_another_district_cannot_be_chosen(world, case):
    chaoyang = Institution.objects.create(
        district=world.chaoyang, name="朝阳医院", kind="hospital", created_at=TUE
    )
    with pytest.raises(PathwayError):
        _propose(world, case, chaoyang)
    assert not Referral.objects.exists()


def test_each_step_is_flagged_overdue_after_its_days(world, case, hospital):
    referral = _propose(world, case, hospital)  # proposed: 5 days to get consent
    assert referral_step_due(referral) == TUE + dt.timedelta(days=5)
    assert not referral_overdue(referral, TUE + dt.timedelta(days=5))
    assert referral_overdue(referral, TUE + dt.timedelta(days=5, minutes=1))
    referral = _sent(world, open_case_b(world), hospital)  # sent: 14 days for an appointment
    assert referral_step_due(referral) == TUE + dt.timedelta(hours=1, days=14)
    appointment = TUE + dt.timedelta(days=20)
    referral = services.move_referral(
        referral=referral, by=world.psych, to=ReferralStatus.APPOINTMENT, appointment_at=appointment, now=TUE
    )
    assert referral_step_due(referral) == appointment + dt.timedelta(days=1)  # counted from the appointment
    with override_settings(XINYU_REFERRAL_STEP_DAYS={"appointment": 3}):
        assert referral_step_due(referral) == appointment + dt.timedelta(days=3)


def open_case_b(world):
    from care.plans.tests.plans_helpers import open_case

    return open_case(world, world.student_a1b)


def test_the_referral_list_flags_overdue_steps(world, case, hospital, login):
    referral = _propose(world, case, hospital, now=dt.datetime(2020, 1, 1, 10, 0, tzinfo=TUE.tzinfo))
    page = login(world.psych).get(reverse("care:referrals")).content.decode()
    assert world.student_a1.name in page and "overdue-flag" in page
    assert referral.pk


def test_the_district_admin_keeps_the_registry_and_a_duplicate_name_changes_nothing(world, login):
    client = login(world.district_admin)
    url = reverse("care:institutions")
    data = {"action": "add", "district": world.haidian.pk, "name": "海淀妇幼", "kind": "maternal_child"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 400
    assert Institution.objects.filter(name="海淀妇幼").count() == 1
    inst = Institution.objects.get(name="海淀妇幼")
    assert (
        client.post(url, {"action": "member", "institution": inst.pk, "user": world.clinician.pk}).status_code
        == 302
    )
    assert inst.members.filter(user=world.clinician).exists()
    # A district officer never keeps the registry.
    assert login(world.district_officer).get(url).status_code == 403


def test_a_district_admin_cannot_touch_another_districts_institution(world, login):
    inst = Institution.objects.create(
        district=world.chaoyang, name="朝阳医院", kind="hospital", created_at=TUE
    )
    r = login(world.district_admin).post(
        reverse("care:institutions"), {"action": "withdraw", "institution": inst.pk}
    )
    assert r.status_code == 404
    inst.refresh_from_db()
    assert inst.is_active


def test_the_reason_and_the_feedback_are_encrypted_at_rest(world, case, hospital):
    from django.db import connection

    referral = _sent(world, case, hospital)
    services.post_feedback(referral=referral, by=world.clinician, feedback="诊断：抑郁发作", now=TUE)
    with connection.cursor() as cur:
        cur.execute("SELECT reason, shared, feedback FROM care_referral WHERE id = %s", [referral.pk])
        raw = " ".join(cur.fetchone())
    assert "自伤" not in raw and "PHQ" not in raw and "抑郁" not in raw


def test_the_clinician_sees_no_level_reasons_or_history_of_a_referred_student(world, case, hospital, login):
    from care.alerts.services import confirm_level

    confirm_level(
        student=world.student_a1, level="orange", by=world.psych, reason="家庭变故后的自伤念头", source_type="t",
        source_id="1", now=TUE,
    )  # fmt: skip
    _sent(world, case, hospital)
    page = login(world.clinician).get(reverse("org:student_detail", args=[world.student_a1.pk]))
    assert page.status_code == 200  # T1: the referred student's page
    assert "家庭变故" not in page.content.decode()
    assert (
        login(world.clinician).get(reverse("care:file_detail", args=[world.student_a1.pk])).status_code == 403
    )


def test_the_district_admin_creates_a_clinician_account_in_one_step_and_a_taken_username_changes_nothing(
    world, login
):
    """Issue 18 build 1: a partner institution's clinician gets a login, an institution-clinician post at the
    district and membership of the institution in one step."""
    from org.models import Post, Role, User

    inst = Institution.objects.create(
        district=world.haidian, name="海淀精神卫生中心", kind="centre", created_at=TUE
    )
    client = login(world.district_admin)
    url = reverse("care:institutions")
    data = {
        "action": "new_clinician", "institution": inst.pk, "username": "dr_zhang", "display_name": "张医生",
        "password": "Qiuyue-Lantern-7391!",
    }  # fmt: skip
    assert client.post(url, data).status_code == 302
    doctor = User.objects.get(username="dr_zhang")
    post = doctor.posts.get()
    assert (post.role, post.node) == (Role.INSTITUTION_CLINICIAN, world.haidian)
    assert inst.members.filter(user=doctor).exists()

    users, posts = User.objects.count(), Post.objects.count()
    r = client.post(url, {**data, "display_name": "另一个张医生"})
    assert r.status_code == 400 and "用户名 dr_zhang 已被使用，请另选一个。" in r.content.decode()
    assert (User.objects.count(), Post.objects.count(), inst.members.count()) == (users, posts, 1)
