"""Guardian contacts (家校联系, R12): a log of every contact, and "contact the parents promptly" as a deadline per
level — red the same day, orange 1 school day, yellow 5 school days — shown, flagged when overdue and measured."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from care.contacts import selectors, services
from care.contacts.deadlines import contact_deadline
from care.models import GuardianContact
from care.plans.services import PathwayError
from care.plans.tests.plans_helpers import SH, TUE, case_fixture, close, open_case  # noqa: F401  (fixture)
from org.models import Node

pytestmark = pytest.mark.django_db
FRI_4PM = dt.datetime(2026, 3, 13, 16, 0, tzinfo=SH)


def test_red_must_reach_the_guardians_the_same_day():
    assert contact_deadline("red", TUE) == dt.datetime(2026, 3, 11, 0, 0, tzinfo=SH)
    late_evening = dt.datetime(2026, 3, 14, 22, 30, tzinfo=SH)  # a Saturday night: still the same day
    assert contact_deadline("red", late_evening) == dt.datetime(2026, 3, 15, 0, 0, tzinfo=SH)


def test_orange_has_one_school_day_and_a_weekend_does_not_count():
    assert contact_deadline("orange", TUE) == dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    assert contact_deadline("orange", FRI_4PM) == dt.datetime(2026, 3, 16, 16, 0, tzinfo=SH)


def test_yellow_has_five_school_days():
    assert contact_deadline("yellow", TUE) == dt.datetime(2026, 3, 17, 10, 0, tzinfo=SH)


@override_settings(XINYU_GUARDIAN_CONTACT_DEADLINES_BY_DISTRICT={"110108": {"orange": 0}})
def test_a_district_may_shorten_a_deadline(world):
    assert contact_deadline("orange", TUE, world.haidian) == dt.datetime(2026, 3, 11, 0, 0, tzinfo=SH)
    assert contact_deadline("orange", TUE, world.chaoyang) == dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)


def _log(world, case, at, by=None, reached=True, **kw):
    return services.log_contact(
        case=case, by=by or world.psych, channel=kw.get("channel", "phone"), at=at, guardian_name="李妈妈",
        reached=reached, outcome=kw.get("outcome", "约好明天来校"), now=kw.get("now", at),
    )  # fmt: skip


def test_a_contact_reaching_the_guardian_before_the_deadline_is_in_time(world, case):
    _log(world, case, TUE + dt.timedelta(hours=1), reached=False)
    assert selectors.contact_status(case, now=TUE + dt.timedelta(days=2)).state == "overdue"
    _log(world, case, TUE + dt.timedelta(hours=2))
    assert selectors.contact_status(case, now=TUE + dt.timedelta(days=2)).state == "in_time"


def test_an_unreached_case_past_its_deadline_is_overdue_and_listed_first(world, case, login):
    now = TUE + dt.timedelta(days=1, hours=1)  # orange: due Wednesday 10:00
    assert selectors.contact_status(case, now=TUE + dt.timedelta(hours=23)).state == "waiting"
    assert selectors.contact_status(case, now=now).overdue
    rows = selectors.contacts_due(world.psych, now=now)
    assert [(c.pk, s.state) for c, s in rows] == [(case.pk, "overdue")]


def test_contact_timeliness_per_school_and_period_counts_in_time_late_and_overdue(world):
    in_time = open_case(world, world.student_a1, "red", TUE)
    late = open_case(world, world.student_a1b, "orange", TUE)
    overdue = open_case(world, world.student_a2, "yellow", TUE)
    open_case(world, world.student_b1, "red", TUE, actor=None)
    _log(world, in_time, TUE + dt.timedelta(hours=3))
    _log(world, late, TUE + dt.timedelta(days=2))
    got = selectors.guardian_contact_timeliness(
        school_ids=[world.school_a.pk, world.school_b.pk], start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1),
        now=TUE + dt.timedelta(days=10),
    )  # fmt: skip
    a = got[world.school_a.pk]
    assert (a.needing, a.in_time, a.late, a.overdue, a.waiting) == (3, 1, 1, 1, 0)
    assert sorted(a.case_ids) == sorted([in_time.pk, late.pk, overdue.pk])
    b = got[world.school_b.pk]
    assert (b.needing, b.overdue) == (1, 1)
    outside = selectors.guardian_contact_timeliness(
        school_ids=[world.school_a.pk], start=dt.date(2026, 4, 1), end=dt.date(2026, 5, 1), now=TUE
    )
    assert outside == {}


def test_the_class_teacher_logs_a_contact_for_their_class_and_sees_the_log(world, case, login):
    client = login(world.class_teacher)
    url = reverse("care:contacts", args=[case.pk])
    r = client.post(
        url,
        {
            "channel": "phone",
            "at": "2026-03-10T11:00",
            "guardian_name": "李妈妈",
            "reached": "1",
            "outcome": "已沟通",
        },
    )
    assert r.status_code == 302
    contact = GuardianContact.objects.get()
    assert contact.by == world.class_teacher and contact.reached and contact.outcome == "已沟通"
    assert "已沟通" in client.get(url).content.decode()


def test_another_class_teacher_gets_404_and_a_subject_teacher_403(world, case, login):
    url = reverse("care:contacts", args=[case.pk])
    assert login(world.other_class_teacher).get(url).status_code == 404
    assert login(world.teacher).get(url).status_code == 403


def test_a_contact_in_the_future_or_without_a_guardian_is_refused_and_nothing_is_stored(world, case, login):
    client = login(world.psych)
    url = reverse("care:contacts", args=[case.pk])
    r = client.post(
        url, {"channel": "phone", "at": "2099-01-01T10:00", "guardian_name": "李妈妈", "reached": "1"}
    )
    assert r.status_code == 400
    assert "联系时间不能晚于现在" in r.content.decode() or "cannot be in the future" in r.content.decode()
    r = client.post(url, {"channel": "phone", "at": "2026-03-10T11:00", "guardian_name": " ", "reached": "1"})
    assert r.status_code == 400
    r = client.post(url, {"channel": "pigeon", "at": "2026-03-10T11:00", "guardian_name": "李妈妈"})
    assert r.status_code == 400
    assert not GuardianContact.objects.exists()


def test_a_closed_case_takes_no_more_contacts(world, case):
    close(case)
    with pytest.raises(PathwayError):
        _log(world, case, TUE + dt.timedelta(hours=1))
    assert not GuardianContact.objects.exists()


def test_the_contact_outcome_is_encrypted_at_rest(world, case):
    from django.db import connection

    c = _log(world, case, TUE + dt.timedelta(hours=1), outcome="父母离异，情绪低落")
    with connection.cursor() as cur:
        cur.execute("SELECT outcome FROM care_guardiancontact WHERE id = %s", [c.pk])
        assert "离异" not in cur.fetchone()[0]


def test_contact_deadline_uses_the_district_code_of_the_case(world, case):
    assert Node.objects.get(pk=case.school.district_id).code == "110108"
    assert selectors.contact_status(case, now=TUE).deadline == dt.datetime(2026, 3, 11, 10, 0, tzinfo=SH)
