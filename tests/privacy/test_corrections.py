"""Corrections of identity and contact data (更正, issue 8 item 6, PIPL Art. 46; docs/privacy.md): a guardian (or a
student of 14+) asks; the school leader or psychological teacher applies it or refuses it with a reason; the
value is checked by the roster's rules; every step is audited and both sides are told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from access.models import AuditEvent
from care.models import CorrectionRequest, Notification
from org.models import Guardian, Student


def _ask(client, student, field, value):
    return client.post(
        reverse("care:correction_new"), {"student": student.pk, "field": field, "value": value}
    )


def _decide(client, row, decision, reason=""):
    url = reverse("care:correction_decide", kwargs={"pk": row.pk})
    return client.post(url, {"decision": decision, "reason": reason})


def test_a_guardian_asks_the_leader_applies_and_both_are_told(world, login):
    assert _ask(login(world.guardian), world.student_a1, "student_name", " 李晓明 ").status_code == 302
    row = CorrectionRequest.objects.get()
    assert (row.old_value, row.new_value, row.status) == ("李小明", "李晓明", "pending")
    told = set(
        Notification.objects.filter(kind="privacy.correction").values_list("user__username", flat=True)
    )
    assert {"psych", "leader"} <= told and "guardian" not in told

    queue = login(world.leader).get(reverse("care:correction_queue")).content.decode()
    assert "李晓明" in queue
    assert _decide(login(world.leader), row, "apply").status_code == 302
    assert Student.objects.get(pk=world.student_a1.pk).name == "李晓明"
    row.refresh_from_db()
    assert row.status == "applied" and row.decided_by == world.leader
    assert Notification.objects.filter(user=world.guardian, kind="privacy.correction").count() == 1
    assert Notification.objects.filter(user=world.leader, key=f"privacy.correction.decider:{row.pk}").exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="privacy.correction").values_list("action", flat=True)
    )
    assert actions == ["privacy.correction.request", "privacy.correction.apply"]
    assert all("李晓明" not in str(e.detail) for e in AuditEvent.objects.all())  # values are not in the trail


def test_a_refusal_needs_a_reason_and_leaves_the_data_unchanged(world, login):
    _ask(login(world.guardian), world.student_a1, "student_birth_date", "2015-03-02")
    row = CorrectionRequest.objects.get()
    psych = login(world.psych)
    _decide(psych, row, "refuse")
    row.refresh_from_db()
    assert row.status == "pending"  # no reason: nothing decided
    _decide(psych, row, "refuse", "学籍系统中的出生日期以户口簿为准")
    row.refresh_from_db()
    assert row.status == "refused" and row.refusal_reason.startswith("学籍系统")
    assert Student.objects.get(pk=world.student_a1.pk).birth_date == dt.date(2015, 3, 1)
    note = Notification.objects.get(user=world.guardian, kind="privacy.correction")
    assert "学籍系统" in note.subject


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("guardian_phone", "12345"),
        ("student_birth_date", "2099-01-01"),
        ("student_gender", "x"),
        ("student_name", ""),
    ],
)
def test_a_value_the_roster_rules_refuse_is_not_stored(world, login, field, value):
    got = _ask(login(world.guardian), world.student_a1, field, value)
    assert got.status_code == 400
    assert not CorrectionRequest.objects.exists()


def test_no_one_asks_for_another_family_or_decides_outside_their_school(world, login):
    assert _ask(login(world.other_guardian), world.student_a1, "student_name", "李晓明").status_code == 404
    assert (
        _ask(login(world.student), world.student_a1, "student_name", "李晓明").status_code == 404
    )  # under 14
    _ask(login(world.guardian), world.student_a1, "student_name", "李晓明")
    row = CorrectionRequest.objects.get()
    assert _decide(login(world.class_teacher), row, "apply").status_code == 403
    assert _decide(login(world.psych_east), row, "apply").status_code == 404
    assert Student.objects.get(pk=world.student_a1.pk).name == "李小明"


def test_a_student_of_fourteen_asks_for_themselves(world, login):
    Student.objects.filter(pk=world.student_a1.pk).update(birth_date=dt.date(2008, 1, 1))
    assert _ask(login(world.student), world.student_a1, "student_name", "李晓明").status_code == 302
    assert _ask(login(world.student), world.student_a1, "guardian_phone", "13900000009").status_code == 400


def test_a_phone_another_guardian_uses_is_not_applied(world, login):
    _ask(login(world.guardian), world.student_a1, "guardian_phone", "13800000002")  # the other guardian's
    row = CorrectionRequest.objects.get()
    _decide(login(world.leader), row, "apply")
    row.refresh_from_db()
    assert row.status == "pending"
    assert Guardian.objects.get(user=world.guardian).phone == "13800000001"


def test_the_queue_is_in_the_header_of_the_leader_and_psych_teachers_only(world, login):
    url = reverse("care:correction_queue")
    assert url in login(world.leader).get(reverse("web:home")).content.decode()
    assert url in login(world.psych).get(reverse("web:home")).content.decode()
    assert url not in login(world.class_teacher).get(reverse("web:home")).content.decode()
