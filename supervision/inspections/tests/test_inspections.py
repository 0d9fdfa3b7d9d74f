"""Inspections (督导检查, R18): a supervisor inspects a school with a checklist generated from the indicators
(figures frozen at creation), records findings with evidence, sets rectification tasks whose owners are told,
follow up and mark them done; the supervisor verifies and closes. Only supervision's readers see any of it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from access.models import AuditEvent
from care.models import Notification
from org.models import Post, Role, User
from schoolwork.home.models import Attachment
from supervision.indicators import catalogue
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full
from supervision.inspections import services as inspections
from supervision.inspections.models import Inspection, RectificationTask, TaskStatus
from supervision.inspections.services import InspectionError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sem(world):
    period = next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))
    run_full([period])
    return period


@pytest.fixture
def inspection(world, sem):
    return inspections.create_inspection(
        user=world.supervisor, school=world.school_a, period=sem, visited_on=timezone.localdate()
    )


def _task(world, inspection, days=14, owner=None):
    return inspections.add_task(
        user=world.supervisor, inspection=inspection, title="东校区补配专职心理教师",
        owner_id=(owner or world.leader).pk, deadline=timezone.localdate() + dt.timedelta(days=days),
        item_id=inspection.items.get(indicator="r1.2-campus-psych").pk,
    )  # fmt: skip


@pytest.mark.django_db
def test_the_checklist_holds_every_school_indicator_with_the_schools_value_frozen(world, sem, inspection):
    expected = [i.code for i in catalogue.indicators("semester") if i.level == "school"]
    assert [i.indicator for i in inspection.items.all()] == expected
    item = inspection.items.get(indicator="r1.2-campus-psych")
    assert (item.numerator, item.denominator, item.status) == (1, 2, "not_met")  # main campus has none
    assert inspection.items.get(indicator="r1.1-psych-teacher").status == "met"

    Post.objects.filter(role=Role.PSYCH_TEACHER).delete()
    run_full([sem])
    item.refresh_from_db()
    assert (item.numerator, item.denominator) == (1, 2)  # the checklist keeps the figures of the visit
    assert AuditEvent.objects.filter(action="supervision.inspection.create").count() == 1


@pytest.mark.django_db
def test_only_a_supervisor_over_the_school_creates_an_inspection(world, sem):
    chaoyang_sup = User.objects.create(username="cy_sup", display_name="朝阳督导")
    Post.objects.create(user=chaoyang_sup, role=Role.SUPERVISOR, node=world.chaoyang)
    with pytest.raises(Http404):
        inspections.create_inspection(
            user=chaoyang_sup, school=world.school_a, period=sem, visited_on=sem.starts_on
        )
    with pytest.raises(PermissionDenied):
        inspections.create_inspection(user=world.district_officer, school=world.school_a, period=sem,
                                      visited_on=sem.starts_on)  # fmt: skip
    assert not Inspection.objects.exists()


@pytest.mark.django_db
def test_a_repeated_form_is_one_inspection(world, sem, login):
    client = login(world.supervisor)
    form = {"school": world.school_a.pk, "period": sem.code, "visited_on": "2026-11-20", "key": "k1"}
    first = client.post(reverse("supervision:inspection_new"), form)
    second = client.post(reverse("supervision:inspection_new"), form)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Inspection.objects.count() == 1


@pytest.mark.django_db
def test_the_owner_is_told_follows_up_marks_done_and_the_supervisor_verifies_and_closes(
    world, inspection, login
):
    task = _task(world, inspection)
    note = Notification.objects.get(user=world.leader, kind="supervision.rectification")
    assert "东校区补配专职心理教师" in note.subject and note.url.endswith(f"#task-{task.pk}")

    leader = login(world.leader)
    assert f'data-task="{task.pk}"' in leader.get(reverse("supervision:rectification_tasks")).content.decode()
    leader.post(reverse("supervision:task_note", args=[task.pk]), {"text": "已联系区教委调配教师"})
    leader.post(reverse("supervision:task_done", args=[task.pk]), {"note": "新教师 12 月到岗"})
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.notes.count() == 2
    assert Notification.objects.filter(user=world.supervisor, kind="supervision.rectification").exists()

    with pytest.raises(InspectionError, match="没有检查结论"):
        inspections.close_inspection(user=world.supervisor, inspection=inspection)
    for item in inspection.items.all():
        inspections.record_finding(user=world.supervisor, item=item, finding="met")
    with pytest.raises(InspectionError, match="未核验"):
        inspections.close_inspection(user=world.supervisor, inspection=inspection)
    login(world.supervisor).post(reverse("supervision:task_verify", args=[task.pk]), {"decision": "verify"})
    task.refresh_from_db()
    assert task.status == TaskStatus.VERIFIED and task.verified_by == world.supervisor
    inspections.close_inspection(user=world.supervisor, inspection=inspection)
    inspection.refresh_from_db()
    assert inspection.is_closed
    with pytest.raises(InspectionError, match="已结束"):
        _task(world, inspection)


@pytest.mark.django_db
def test_reopening_needs_a_note_and_tells_the_owner(world, inspection):
    task = _task(world, inspection)
    inspections.mark_done(user=world.leader, task=task)
    with pytest.raises(InspectionError, match="还缺什么"):
        inspections.verify(user=world.supervisor, task=task, accept=False)
    inspections.verify(user=world.supervisor, task=task, accept=False, note="值班表未上墙")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    # told twice: the task, then its reopening (with the link to it)
    assert Notification.objects.filter(user=world.leader, kind="supervision.rectification").count() == 2


@pytest.mark.django_db
def test_a_task_needs_an_owner_at_the_school_and_a_deadline_from_today(world, inspection):
    with pytest.raises(InspectionError, match="校领导或心理教师"):
        _task(world, inspection, owner=world.teacher)
    with pytest.raises(InspectionError, match="整改期限"):
        _task(world, inspection, days=-1)
    task = _task(world, inspection, owner=world.psych_east)  # a campus's psychological teacher may own one
    with pytest.raises(PermissionDenied):
        inspections.mark_done(user=world.leader, task=task)  # only its owner marks it done
    assert RectificationTask.objects.count() == 1


@pytest.mark.django_db
def test_an_overdue_task_is_flagged(world, inspection, login):
    task = _task(world, inspection)
    RectificationTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    page = login(world.leader).get(reverse("supervision:rectification_tasks")).content.decode()
    assert f'<tr data-task="{task.pk}" class="overdue">' in page
    listing = login(world.district_officer).get(reverse("supervision:inspections")).content.decode()
    assert "badge overdue" in listing


@pytest.mark.django_db
def test_evidence_is_checked_by_content_and_served_to_the_inspections_readers(world, inspection, login):
    item = inspection.items.first()
    url = reverse("schoolwork:attachment_add", kwargs={"kind": "inspection_item", "pk": item.pk})
    sup = login(world.supervisor)
    assert sup.post(url, {"file": SimpleUploadedFile("现场照片.pdf", HTML), "next": "/"}).status_code == 400
    assert sup.post(url, {"file": SimpleUploadedFile("台账.pdf", PDF), "next": "/"}).status_code == 302
    a = Attachment.objects.get()
    assert login(world.leader).post(url, {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code == 403
    assert login(world.leader).get(reverse("schoolwork:attachment", args=[a.pk])).status_code == 200
    assert (
        login(world.other_district_officer).get(reverse("schoolwork:attachment", args=[a.pk])).status_code
        == 404
    )
    assert login(world.teacher).get(reverse("schoolwork:attachment", args=[a.pk])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["teacher", "class_teacher", "district_counselor", "student", "guardian"])
def test_teachers_the_district_counselor_and_students_cannot_see_inspections(
    world, inspection, login, persona
):
    client = login(getattr(world, persona))
    assert client.get(reverse("supervision:inspections")).status_code == 403
    assert client.get(reverse("supervision:inspection", args=[inspection.pk])).status_code == 403


@pytest.mark.django_db
def test_the_excel_holds_the_checklist_and_the_tasks(world, inspection, login):
    task = _task(world, inspection)
    inspections.add_note(user=world.leader, task=task, text='=HYPERLINK("x")')
    got = login(world.district_officer).get(reverse("supervision:inspection_export", args=[inspection.pk]))
    wb = load_workbook(io.BytesIO(got.content))
    checklist, tasks = wb.worksheets
    rows = [r for r in checklist.iter_rows(values_only=True)]
    assert any(r[0] == "R1.2" and r[2] == 1 and r[3] == 2 for r in rows)
    task_rows = list(tasks.iter_rows(values_only=True))
    assert task_rows[1][0] == "东校区补配专职心理教师" and task_rows[1][1] == "r1.2-campus-psych"
    assert "=HYPERLINK" in task_rows[1][6] and not task_rows[1][6].startswith("=")


@pytest.mark.django_db
def test_list_and_detail_pages_cost_the_same_queries_for_one_or_many(
    world, sem, login, django_assert_max_num_queries
):
    for _ in range(6):
        i = inspections.create_inspection(user=world.supervisor, school=world.school_a, period=sem,
                                          visited_on=timezone.localdate())  # fmt: skip
        _task(world, i)
        _task(world, i, owner=world.psych)
    client = login(world.supervisor)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("supervision:inspections")).status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(reverse("supervision:inspection", args=[i.pk])).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("supervision:rectification_tasks")).status_code == 200


@pytest.mark.django_db
def test_the_owner_finds_their_tasks_on_the_home_page(world, inspection, login):
    task = _task(world, inspection)
    RectificationTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - dt.timedelta(days=2))
    home = login(world.leader).get(reverse("web:home")).content.decode()
    assert "supervision-rectification" in home and reverse("supervision:rectification_tasks") in home
    assert "supervision-rectification" not in login(world.psych).get(reverse("web:home")).content.decode()


@pytest.mark.django_db
def test_the_list_filters_by_school_and_by_supervisor(world, sem, login):
    other_sup = User.objects.create(username="hd_sup", display_name="海淀督导")
    Post.objects.create(user=other_sup, role=Role.SUPERVISOR, node=world.haidian)
    day = timezone.localdate()
    a = inspections.create_inspection(
        user=world.supervisor, school=world.school_a, period=sem, visited_on=day
    )
    b = inspections.create_inspection(user=other_sup, school=world.school_b, period=sem, visited_on=day)
    client = login(world.city_officer)
    url = reverse("supervision:inspections")

    def listed(**params) -> set[int]:
        return {i.pk for i in client.get(url, params).context["inspections"]}

    assert listed() == {a.pk, b.pk}
    assert listed(supervisor=other_sup.pk) == {b.pk}
    assert listed(school=world.school_a.pk) == {a.pk}
    assert {i.pk for i in login(world.leader).get(url).context["inspections"]} == {a.pk}  # their school only
