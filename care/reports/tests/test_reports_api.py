"""Abnormality reports through the JSON API (the phone client): the same rules as the pages."""

from __future__ import annotations

from care.models import AbnormalityReport, Notification

API = "/api/care"


def _report(client, student_id, key="api-1", **over):
    body = {
        "student_id": student_id,
        "category": "bullying",
        "observed": "被同学围住推搡",
        "urgency": "high",
        "key": key,
    }
    body.update(over)
    return client.post(f"{API}/reports", body, content_type="application/json")


def test_a_teacher_picks_a_student_and_files_a_report_once(people, login):
    client = login(people.teacher)
    found = client.get(f"{API}/report-students", {"q": "五年级1班"}).json()
    assert {s["name"] for s in found} == {people.student_a1.name, people.student_a1b.name}
    assert set(found[0]) == {"id", "name", "class_name"}  # name and class only
    first = _report(client, people.student_a1.pk)
    assert first.status_code == 201 and first.json()["state"] == "received"
    again = _report(client, people.student_a1.pk)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert AbnormalityReport.objects.count() == 1
    assert Notification.objects.filter(kind="care.report", channel="in_app").count() == 2
    assert [r["state"] for r in client.get(f"{API}/reports/mine").json()] == ["received"]


def test_another_schools_student_is_404_and_bad_input_400_with_nothing_stored(people, login):
    client = login(people.other_school_teacher)
    assert _report(client, people.student_a1.pk).status_code == 404
    assert client.get(f"{API}/report-students", {"q": "李"}).json() == []
    client = login(people.teacher)
    assert _report(client, people.student_a1.pk, category="rumour").status_code == 400
    assert _report(client, people.student_a1.pk, observed=" ").status_code == 400
    assert AbnormalityReport.objects.count() == 0 and Notification.objects.count() == 0


def test_a_student_or_guardian_cannot_file_a_report(people, login):
    assert _report(login(people.guardian), people.student_a1.pk).status_code == 403
    assert AbnormalityReport.objects.count() == 0
