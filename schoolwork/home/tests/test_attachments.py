"""Attachments (附件): checked by content and size, stored outside the web root, served only to who may read
the owning record."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schoolwork.home import attachments
from schoolwork.home.models import Attachment, ParentSession
from schoolwork.home.services import HomeSchoolError
from schoolwork.home.tests.home_helpers import noon, school_day

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
HTML = b"<!doctype html><html><script>alert(1)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def session(world):
    day = school_day(world)
    return ParentSession.objects.create(
        school=world.school_a, semester=world.year.semesters.filter(starts_on__lte=day).last(), held_on=day,
        title="家长课", created_by=world.psych, created_at=noon(day),
    )  # fmt: skip


def _post(client, session, name, content):
    url = reverse("schoolwork:attachment_add", kwargs={"kind": "parent_session", "pk": session.pk})
    return client.post(url, {"file": SimpleUploadedFile(name, content), "next": "/"})


def _stored(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    "name,content",
    [("minutes.pdf", HTML), ("minutes.pdf", EXE), ("minutes.pdf", ELF), ("photo.pdf", PNG), ("a.exe", EXE)],
)
def test_a_file_that_lies_about_its_type_is_refused_and_nothing_is_stored(
    world, login, session, media, name, content
):
    got = _post(login(world.psych), session, name, content)
    assert got.status_code == 400
    assert Attachment.objects.count() == 0
    assert _stored(media) == []


def test_a_file_over_the_size_limit_is_refused(world, login, session, media, settings):
    settings.ATTACHMENT_MAX_BYTES = 16
    assert _post(login(world.psych), session, "m.pdf", PDF).status_code == 413
    assert Attachment.objects.count() == 0 and _stored(media) == []


def test_a_real_pdf_is_stored_outside_the_web_root_and_served_only_to_readers_of_its_record(
    world, login, session, media
):
    got = _post(login(world.psych), session, "家长课材料.pdf", PDF)
    assert got.status_code == 302
    a = Attachment.objects.get()
    assert a.content_type == "application/pdf" and a.original_name == "家长课材料.pdf"
    assert str(media) in a.file.path and "private" in a.file.path
    with pytest.raises(ValueError):
        a.file.url  # noqa: B018 — no public URL exists
    url = reverse("schoolwork:attachment", kwargs={"pk": a.pk})
    got = login(world.guardian).get(url)  # a parent of a child at school A
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF
    assert login(world.other_guardian).get(url).status_code == 404
    assert login(world.other_district_officer).get(url).status_code == 404


def test_a_class_teacher_may_read_the_materials_but_not_add_them(world, login, session):
    assert _post(login(world.class_teacher), session, "m.pdf", PDF).status_code == 403
    with pytest.raises(HomeSchoolError):
        attachments.add_attachment(
            user=world.class_teacher, owner=session, upload=SimpleUploadedFile("m.pdf", PDF)
        )
    assert Attachment.objects.count() == 0
