"""The auditor's page at /audit/: the trail's metadata for the auditor, nothing for anyone else."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from access import audit
from access.models import AuditEvent
from access.services import request_break_glass

TRAIL = reverse("access:trail")
EXPORT = reverse("access:export")


@pytest.fixture
def events(world):
    for s in (world.student_a1, world.student_a1b):
        audit.record(actor=world.psych, action="student.view", obj=s, student_id=s.pk, reason="例行复查")
    audit.record(actor=world.class_teacher, action="class.view", obj=world.a1)
    request_break_glass(
        user=world.psych, student=world.student_b1, reason="该生在校外被送医，需要查看既往筛查结果"
    )
    return list(AuditEvent.objects.order_by("seq"))


def seqs(response) -> list[int]:
    return [e.seq for e in response.context["page"].object_list]


def test_the_auditor_sees_the_trail_newest_first_with_who_what_when_where_why(world, login, events):
    r = login(world.auditor).get(TRAIL)
    assert r.status_code == 200
    assert seqs(r) == [5, 4, 3, 2, 1]  # 5: the auditor's own login (auth.login) is on the trail too
    html = r.content.decode()
    assert "例行复查" in html and "student.view" in html and "psych" in html


def test_the_trail_never_shows_a_students_name_or_a_records_content(world, login, events):
    html = login(world.auditor).get(TRAIL).content.decode()
    for name in ("李小明", "王小红", "赵小丽"):
        assert name not in html
    assert "送医" not in html  # the break-glass reason stays in its encrypted column


@pytest.mark.parametrize(
    "persona", ["psych", "leader", "district_officer", "city_admin", "guardian", "student"]
)
def test_anyone_but_the_auditor_gets_404_for_the_trail_and_its_export(world, login, events, persona):
    client = login(getattr(world, persona))
    assert client.get(TRAIL).status_code == 404
    assert client.get(EXPORT).status_code == 404


def test_a_superuser_is_not_an_auditor(world, login, events):
    world.psych.is_superuser = True
    world.psych.save(update_fields=["is_superuser"])
    assert login(world.psych).get(TRAIL).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    r = client.get(TRAIL)
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_the_auditor_filters_by_actor_action_student_and_dates(world, login, events):
    client = login(world.auditor)
    assert seqs(client.get(TRAIL, {"actor": "class_teacher"})) == [3]
    assert seqs(client.get(TRAIL, {"action": "break_glass"})) == [4]
    assert seqs(client.get(TRAIL, {"action": "student.view"})) == [2, 1]
    assert seqs(client.get(TRAIL, {"student": world.student_a1b.pk})) == [2]
    today = timezone.localdate()
    assert seqs(client.get(TRAIL, {"date_from": today, "date_to": today})) == [5, 4, 3, 2, 1]  # 5: the login
    assert seqs(client.get(TRAIL, {"date_to": today - dt.timedelta(days=1)})) == []
    r = client.get(TRAIL, {"date_from": today, "date_to": today - dt.timedelta(days=1)})
    assert r.context["form"].errors["__all__"]  # the start after the end is explained, not silently empty


def test_the_trail_is_paginated_in_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    for i in range(120):
        audit.record(
            actor=world.psych, action="student.view", student_id=world.student_a1.pk, detail={"i": i}
        )
    client = login(world.auditor)
    with django_assert_max_num_queries(6):
        r = client.get(TRAIL, {"page": 2})
    assert seqs(r) == list(range(71, 21, -1))  # 121 is the auditor's login
    assert 'rel="next"' in r.content.decode()


def test_the_export_is_json_lines_with_hashes_and_is_itself_audited(world, login, events):
    r = login(world.auditor).get(EXPORT, {"action": "student"})
    assert r.status_code == 200
    assert r["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = [json.loads(line) for line in b"".join(r.streaming_content).decode().splitlines()]
    assert [row["seq"] for row in rows] == [2, 1]
    assert all(len(row["hash"]) == 64 and len(row["prev_hash"]) == 64 for row in rows)
    exported = AuditEvent.objects.get(action="audit.export")
    assert exported.actor_id == world.auditor.pk and exported.detail == {"action": "student"}
    assert list(audit.verify()) == []


def test_the_export_never_holds_a_students_name_or_a_records_content(world, login, events):
    body = b"".join(login(world.auditor).get(EXPORT).streaming_content).decode()
    assert body.count("\n") >= len(events)
    for name in ("李小明", "王小红", "赵小丽"):
        assert name not in body
    assert "送医" not in body


def test_every_audit_action_the_code_records_is_shown_to_the_auditor_in_words():
    """Issue 20 build 3: an auditor reads 培训学时：查看, never ``schoolwork.training_hours.view`` — every action code
    written anywhere in the apps has words (tests' own codes aside)."""
    import re
    from pathlib import Path

    from django.utils import translation

    from access.audit_words import action_label

    root = Path(__file__).resolve().parents[2]
    codes = set()
    for app in ("access", "care", "counseling", "org", "screening", "schoolwork", "supervision", "xinyu"):
        for path in (root / app).rglob("*.py"):
            if "tests" in path.parts:
                continue
            codes |= set(re.findall(r'action="([a-z_]+(?:\.[a-z_]+)+)"', path.read_text(encoding="utf-8")))
    assert len(codes) > 50
    with translation.override("zh-hans"):
        without = sorted(c for c in codes if action_label(c) == c)
    assert without == []


def test_a_districts_auditor_reads_its_own_districts_events_and_never_a_sibling_districts(world, login):
    """Issue 19: an auditor appointed in a district (org.ROLE_NODE_KINDS allows it) read the whole city's trail.
    Now a district's auditor reads the events of people posted in their district and about its students only; the
    city's auditor reads everything."""
    from org.models import Post, Role, User

    haidian_auditor = User.objects.create(username="haidian_auditor", display_name="海淀审计员")
    Post.objects.create(user=haidian_auditor, role=Role.AUDITOR, node=world.haidian)
    chaoyang_auditor = User.objects.create(username="chaoyang_auditor", display_name="朝阳审计员")
    Post.objects.create(user=chaoyang_auditor, role=Role.AUDITOR, node=world.chaoyang)
    haidian = audit.record(actor=world.psych, action="student.view", student_id=world.student_a1.pk)
    chaoyang = audit.record(actor=world.other_district_officer, action="report.view")
    about_chaoyang = audit.record(actor=None, action="care.escalated", student_id=world.student_c1.pk)
    system = audit.record(actor=None, action="rollup.run")

    def seen(auditor) -> set[int]:
        client = login(auditor)
        page = {e.seq for e in client.get(TRAIL).context["page"].object_list}
        body = b"".join(client.get(EXPORT).streaming_content).decode()
        lines = [json.loads(line) for line in body.splitlines()]
        assert page <= {line["seq"] for line in lines}
        return page

    ours = {e.seq for e in (haidian, chaoyang, about_chaoyang, system)}
    assert seen(haidian_auditor) & ours == {haidian.seq}
    assert seen(chaoyang_auditor) & ours == {chaoyang.seq, about_chaoyang.seq}
    assert seen(world.auditor) >= ours
