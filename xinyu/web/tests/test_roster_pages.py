"""The roster import pages: who may use them, upload → job page with progress → report, templates."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from org.models import ImportJob, ImportStatus, Student
from xinyu.web.roster.services import SUMMARY_LABELS, _set_progress, create_job
from xinyu.web.roster.testing import sno, student_row, write_csv


@pytest.fixture(autouse=True)
def run_inline(settings):
    settings.ROSTER_IMPORT_INLINE = True


def upload(client, tmp_path, node, rows, **extra):
    path = write_csv(tmp_path / "roster.csv", rows)
    data = {"file": SimpleUploadedFile("roster.csv", path.read_bytes()), "kind": "students", "node": node.pk}
    return client.post(reverse("roster:index"), data | extra)


def test_a_district_administrator_sees_the_upload_form_with_their_district_only(world, login):
    response = login(world.district_admin).get(reverse("roster:index"))
    assert response.status_code == 200
    assert list(response.context["form"].fields["node"].queryset) == [world.haidian]
    assert 'for="id_file"' in response.content.decode()


# The district officer (教研员) sees escalated students only since issue 19 finding 11, so keeps no roster either.
@pytest.mark.parametrize(
    "persona", ["psych", "class_teacher", "city_officer", "guardian", "student", "district_officer"]
)
def test_people_who_keep_no_roster_are_refused_the_page(world, login, persona):
    assert login(getattr(world, persona)).get(reverse("roster:index")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("roster:index"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_upload_runs_and_the_job_page_shows_the_summary(world, login, tmp_path):
    client = login(world.district_admin)
    response = upload(client, tmp_path, world.haidian, [student_row(1), student_row(2)])
    job = ImportJob.objects.get(created_by=world.district_admin)
    assert response.status_code == 302 and response["Location"] == reverse("roster:job", args=[job.pk])
    assert job.status == ImportStatus.DONE and Student.objects.filter(student_no=sno(2)).exists()
    assert job.file.startswith("imports/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["progress"]["percent"] == 100
    assert dict(page.context["summary"])[str(SUMMARY_LABELS["created"])] == 2
    assert "fetch(" not in page.content.decode()  # finished: no more polling


def test_a_rejected_upload_shows_every_bad_row_and_offers_the_excel_report(world, login, tmp_path):
    client = login(world.district_admin)
    bad = student_row(2, 性别="?")
    upload(client, tmp_path, world.haidian, [student_row(1), bad])
    job = ImportJob.objects.get(created_by=world.district_admin)
    assert job.status == ImportStatus.REJECTED
    page = client.get(reverse("roster:job", args=[job.pk])).content.decode()
    assert "<td>3</td><td>性别</td>" in page
    report = client.get(reverse("roster:report", args=[job.pk]))
    assert report["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(report.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == (3, "性别")
    assert not Student.objects.filter(student_no=sno(1)).exists()


def test_the_job_page_shows_progress_while_the_import_runs_and_polls(world, login, tmp_path):
    path = write_csv(tmp_path / "a.csv", [student_row(1)])
    job = create_job(
        user=world.district_admin, kind="students", node=world.haidian, original_name="a.csv", path=path
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    _set_progress(job.pk, status="running", rows=1200, percent=40, phase="reading")
    client = login(world.district_admin)
    page = client.get(reverse("roster:job", args=[job.pk])).content.decode()
    assert 'value="40"' in page and "js/roster-job.js" in page  # the poller (a static file: CSP)
    state = client.get(reverse("roster:progress", args=[job.pk])).json()
    assert state == {"status": "running", "rows": 1200, "percent": 40, "phase": "reading", "finished": False}


@pytest.mark.parametrize("name", ["roster:job", "roster:progress", "roster:report"])
def test_another_users_job_is_not_found(world, login, tmp_path, name):
    path = write_csv(tmp_path / "a.csv", [student_row(1)])
    job = create_job(
        user=world.district_admin, kind="students", node=world.haidian, original_name="a.csv", path=path
    )
    for other in (world.leader, world.city_admin):
        assert login(other).get(reverse(name, args=[job.pk])).status_code == 404


def test_an_upload_over_the_size_limit_is_refused(world, login, tmp_path, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 100
    response = upload(
        login(world.district_admin), tmp_path, world.haidian, [student_row(i) for i in range(5)]
    )
    assert response.status_code == 400 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_a_district_administrator_cannot_pick_another_district_in_the_form(world, login, tmp_path):
    response = upload(login(world.district_admin), tmp_path, world.chaoyang, [student_row(1)])
    assert response.status_code == 400 and not ImportJob.objects.exists()


def test_a_school_leader_imports_into_their_school(world, login, tmp_path):
    client = login(world.leader)
    upload(client, tmp_path, world.school_a, [student_row(1)])
    assert ImportJob.objects.get(created_by=world.leader).status == ImportStatus.DONE


def test_the_recent_imports_list_shows_only_ones_own_jobs(world, login, tmp_path):
    upload(login(world.district_admin), tmp_path, world.haidian, [student_row(1)])
    response = login(world.leader).get(reverse("roster:index"))
    assert list(response.context["jobs"]) == []


@pytest.mark.parametrize("kind", ["students", "staff", "guardians"])
def test_templates_download_in_csv_and_excel_with_documented_headers(world, login, kind):
    client = login(world.district_admin)
    body = client.get(reverse("roster:template", args=[kind, "csv"])).content
    assert body.startswith(b"\xef\xbb\xbf") and "（" in body.decode("utf-8-sig").splitlines()[0]
    xlsx = client.get(reverse("roster:template", args=[kind, "xlsx"])).content
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.worksheets[0].cell(1, 1).value.split("（")[0].rstrip("*") in {"学籍号", "工号"}
    assert wb["说明"].max_row > 2


@pytest.mark.django_db(transaction=True)
def test_in_the_embedded_default_the_page_returns_at_once_and_the_import_runs_on_a_thread(
    client, tmp_path, settings, monkeypatch
):
    import threading

    from conftest import build_world
    from xinyu.web.roster import services

    started: list[threading.Thread] = []

    class Recorded(threading.Thread):
        def start(self) -> None:
            started.append(self)
            super().start()

    monkeypatch.setattr(services.threading, "Thread", Recorded)

    settings.ROSTER_IMPORT_INLINE = False
    settings.CELERY_TASK_ALWAYS_EAGER = True
    world = build_world()
    client.force_login(world.district_admin)
    response = upload(client, tmp_path, world.haidian, [student_row(1)])
    job = ImportJob.objects.get(created_by=world.district_admin)
    assert response.status_code == 302
    [worker] = started
    assert worker.daemon and worker.name == f"roster-import-{job.pk}"
    worker.join(60)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
