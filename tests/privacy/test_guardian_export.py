"""A guardian's copy of their child's records (issue 8 item 6, PIPL Art. 45; docs/privacy.md).

The 李小明 guardian asks from the family page with their password typed again; the zip (built by the Celery task,
eager here) holds a Chinese README and, per category, JSON and a readable HTML page with what the policy lets a
guardian see — and nothing clinical (T3/T4) and nothing about another student. Only they can download it, only
while the link is valid; each step is audited; the guardian is told when it is ready; the purge removes it."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.models import GuardianExport, Notification
from conftest import PASSWORD

T3_MARKS = ["家访敏感记录XYZ", "辅导笔记ABC", "预警原因QQQ", "SCOREMARK4242"]
OTHER_STUDENTS = ["王小红", "张小华", "赵小丽", "陈小强"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def family(world):
    """Records of 李小明 (a1) of every kind, with T3/T4 markers that must not leave; and 王小红 (a1b, same class)
    with records of her own."""
    from care.alerts.services import raise_alert
    from counseling.rooms.models import CounselingSession
    from counseling.rooms.tests.room_helpers import book, make_room, make_slot, tomorrow_at
    from schoolwork.home.models import HomeVisit, ParentAttendance, ParentSession
    from screening.campaigns import services as screening
    from screening.campaigns.tests.campaign_helpers import launched_campaign
    from screening.models import Answer, Assignment, ConsentRule, Response, Result, StudentView

    a1, a1b = world.student_a1, world.student_a1b
    now = timezone.now()
    semester = world.year.semesters.order_by("starts_on").first()
    # Screening: consent, then a submitted sheet whose campaign shows families the bands (not the scores).
    campaign = launched_campaign(world, consent_rule=ConsentRule.ACTIVE_UNDER_AGE)
    campaign.student_view = StudentView.BANDS
    campaign.save(update_fields=["student_view"])
    screening.consent_by_account(user=world.guardian, campaign=campaign, student=a1, decision="consent")
    for student in (a1, a1b):
        a = Assignment.objects.get(campaign=campaign, student=student)
        r = Response.objects.create(
            assignment=a,
            instrument_id="gad-7",
            instrument_version="1.0",
            status="submitted",
            submitted_at=now,
        )
        Answer.objects.create(response=r, item_id="q1", value=3)
        Result.objects.create(
            response=r, instrument_id="gad-7", instrument_version="1.0", valid=True,
            scores={"total": 4242 if student == a1 else 1}, bands={"total": "轻度"}, flags={"reasons": ["x"]},
            level="red",
        )  # fmt: skip
    raise_alert(student=a1, level="red", reasons=[{"zh": "预警原因QQQ"}], source_type="test", source_id="1",
                school=world.school_a)  # fmt: skip
    # Counseling: an appointment (in), a session with T4 notes (out).
    room = make_room(world.campus_a_main)
    book(world, make_slot(room, world.psych, tomorrow_at(10)))
    CounselingSession.objects.create(
        school=world.school_a, room=room, student=a1, counselor=world.psych, started_at=now, duration_minutes=40,
        kind="individual", topics=["study"], risk_level="none", next_step="none", notes="辅导笔记ABC", created_at=now,
    )  # fmt: skip
    # Home–school: a home visit (summary in, sensitive note out) and a parent session attended; a1b's own visit.
    for student, summary in ((a1, "和妈妈谈了作息"), (a1b, "王小红家访")):
        HomeVisit.objects.create(
            student=student, school=world.school_a, school_class=world.a1, school_year=world.year,
            semester=semester, visited_on=semester.starts_on + dt.timedelta(days=20), visitors="班主任",
            mode="in_person", summary=summary, sensitive_note="家访敏感记录XYZ", recorded_by=world.class_teacher,
            recorded_at=now,
        )  # fmt: skip
    session = ParentSession.objects.create(
        school=world.school_a, semester=semester, held_on=semester.starts_on + dt.timedelta(days=30),
        title="如何陪伴孩子", created_by=world.psych, created_at=now,
    )  # fmt: skip
    ParentAttendance.objects.create(
        session=session, student=a1, school_class=world.a1, recorded_by=world.class_teacher, recorded_at=now
    )
    return campaign


def _ask(client, world, password=PASSWORD):
    return client.post(
        reverse("care:guardian_export"), {"student": world.student_a1.pk, "password": password}
    )


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.getvalue()))


def test_a_guardian_gets_a_zip_of_what_they_may_see_of_their_child(
    world, family, login, django_capture_on_commit_callbacks
):
    client = login(world.guardian)
    assert "care/family/export/" in client.get(reverse("schoolwork:guardian_home")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert _ask(client, world).status_code == 302
    export = GuardianExport.objects.get()
    assert export.status == "ready" and export.requested_by == world.guardian
    assert Notification.objects.filter(user=world.guardian, kind="privacy.export").exists()

    got = client.get(reverse("care:guardian_export_download", kwargs={"pk": export.pk}))
    assert got.status_code == 200 and got["Content-Type"] == "application/zip"
    zf = _zip(got)
    names = set(zf.namelist())
    categories = ["identity", "screening_consent", "screening_results", "counseling_appointments", "home_visits",
                  "parent_sessions"]  # fmt: skip
    assert names == {"README.txt"} | {f"{c}.{ext}" for c in categories for ext in ("json", "html")}
    data = {c: json.loads(zf.read(f"{c}.json"))["records"] for c in categories}
    readme = zf.read("README.txt").decode()
    assert "个人信息保护法" in readme and "李小明" in readme

    # Per category, what a guardian may see:
    identity = " ".join(json.dumps(r, ensure_ascii=False) for r in data["identity"])
    assert world.student_a1.student_no in identity and "13800000001" in identity
    assert [r["decision"] for r in data["screening_consent"]] == ["知情同意"]
    [result] = data["screening_results"]
    assert (
        "轻度" in result["bands"] and result["scores"] == ""
    )  # the campaign shows families bands, not scores
    assert len(data["counseling_appointments"]) == 1
    assert [r["summary"] for r in data["home_visits"]] == ["和妈妈谈了作息"]
    assert [r["title"] for r in data["parent_sessions"]] == ["如何陪伴孩子"]
    assert "和妈妈谈了作息" in zf.read("home_visits.html").decode()

    # Nothing clinical, nothing about anyone else, anywhere in the zip.
    everything = "\n".join(zf.read(n).decode() for n in names)
    for mark in T3_MARKS + OTHER_STUDENTS + ["王小红家访", "red", "红色"]:
        assert mark not in everything, mark

    actions = list(
        AuditEvent.objects.filter(action__startswith="privacy.export").values_list("action", flat=True)
    )
    assert actions == ["privacy.export", "privacy.export.download"]


def test_another_guardian_or_a_teacher_cannot_download_it(
    world, family, login, django_capture_on_commit_callbacks
):
    client = login(world.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, world)
    url = reverse("care:guardian_export_download", kwargs={"pk": GuardianExport.objects.get().pk})
    assert login(world.other_guardian).get(url).status_code == 404
    assert login(world.psych).get(url).status_code == 403
    assert login(world.class_teacher).get(url).status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.export.download").exists()


def test_a_guardian_cannot_ask_for_another_child(world, family, login):
    got = login(world.other_guardian).post(
        reverse("care:guardian_export"), {"student": world.student_a1.pk, "password": PASSWORD}
    )
    assert got.status_code == 404
    assert not GuardianExport.objects.exists()


@pytest.mark.parametrize("student", ["9" * 19, "9223499999999999999", "²", "１２", "-1", "abc", ""])
def test_a_child_field_that_is_not_an_id_is_no_child_not_an_error(world, family, login, student):
    """Issue 19 build 6: the form fuzz sent a 19-digit id and the export answered 500 (SQLite's integer overflowed,
    as finding 9 found for the download's path); a superscript digit passed ``isdigit`` and failed ``int``."""
    got = login(world.guardian).post(
        reverse("care:guardian_export"), {"student": student, "password": PASSWORD}
    )
    assert got.status_code == 404
    assert not GuardianExport.objects.exists()


def test_a_wrong_password_is_refused_and_audited(world, family, login):
    got = _ask(login(world.guardian), world, password="not-my-password")
    assert got.status_code == 400
    assert "密码不正确" in got.content.decode() or "password is not right" in got.content.decode()
    assert not GuardianExport.objects.exists()
    assert AuditEvent.objects.filter(action="auth.reauth_failed", actor=world.guardian).exists()


def test_guessing_the_export_password_is_slowed_like_a_login(world, family, login):
    """Issue 19 finding 6: twelve wrong passwords, then the right one, was accepted at once."""
    client = login(world.guardian)
    for _ in range(12):
        assert _ask(client, world, password="not-my-password").status_code == 400
    got = _ask(client, world, password=PASSWORD)
    assert got.status_code == 400 and ("请等待" in got.content.decode() or "wait" in got.content.decode())
    assert not GuardianExport.objects.exists()
    assert AuditEvent.objects.filter(action="auth.reauth_throttled", actor=world.guardian).exists()
    assert AuditEvent.objects.filter(action="auth.reauth_failed", actor=world.guardian).count() >= 5


def test_the_link_expires_and_the_purge_removes_the_zip(
    world, family, login, settings, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from care.guardian_export.services import export_dir

    client = login(world.guardian)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, world)
    export = GuardianExport.objects.get()
    path = export_dir() / export.file
    assert path.is_file()
    GuardianExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1), created_at=timezone.now() - dt.timedelta(days=8)
    )
    assert client.get(reverse("care:guardian_export_download", kwargs={"pk": export.pk})).status_code == 403
    call_command("purge", category=["guardian_exports"])
    assert not GuardianExport.objects.exists() and not path.exists()
