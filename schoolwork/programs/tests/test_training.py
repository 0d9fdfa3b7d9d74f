"""Staff training (R2.2, R1.4): QR sign-in, sheet import, coverage per staff member, 教研 and 视导."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from schoolwork.programs import selectors, services
from schoolwork.programs.models import Training, TrainingAttendance, TrainingKind
from schoolwork.programs.services import ProgramError
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db


def _training(world, **kw) -> Training:
    sem = autumn(world)
    defaults = {"by": world.leader, "organiser": world.school_a, "held_on": sem.starts_on + dt.timedelta(days=7),
                "topic": "识别学生心理危机"}  # fmt: skip
    defaults.update(kw)
    return services.create_training(**defaults)


def _signin_url(training):
    return reverse("schoolwork:training_signin", kwargs={"token": services.signin_token(training)})


def test_a_staff_member_scanning_the_qr_code_while_logged_in_is_marked_present(world, login):
    t = _training(world)
    client = login(world.teacher)
    assert client.get(_signin_url(t)).status_code == 200
    assert not TrainingAttendance.objects.exists()  # looking is not signing in
    assert client.post(_signin_url(t)).status_code == 200
    client.post(_signin_url(t))
    row = TrainingAttendance.objects.get()
    assert (row.user, row.school, row.method) == (world.teacher, world.school_a, "qr")


def test_the_detail_page_shows_a_qr_code_of_the_sign_in_link(world, login):
    t = _training(world)
    body = login(world.leader).get(reverse("schoolwork:training", kwargs={"pk": t.pk})).content.decode()
    assert "<svg" in body and "/schoolwork/signin/" in body


def test_a_teacher_of_another_school_cannot_sign_in_and_nothing_changes(world, login):
    t = _training(world)
    r = login(world.other_school_teacher).post(_signin_url(t))
    assert r.status_code == 403
    assert not TrainingAttendance.objects.exists()


def test_a_district_training_takes_staff_of_every_school_of_the_district(world):
    t = _training(world, by=world.district_officer, organiser=world.haidian)
    services.sign_in(training=t, user=world.other_school_teacher)
    with pytest.raises(ProgramError):
        services.sign_in(training=t, user=world.student)
    assert TrainingAttendance.objects.get().school == world.school_b


def test_an_expired_sign_in_code_is_refused(world, login, monkeypatch):
    import time

    t = _training(world)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 4 * 3600)
    url = _signin_url(t)
    monkeypatch.setattr(time, "time", real)
    assert login(world.teacher).post(url).status_code == 404
    assert not TrainingAttendance.objects.exists()


def _sheet(tmp_path, text: str, name: str = "sheet.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_sign_in_sheet_with_a_teacher_of_another_school_is_rejected_whole(world, login, tmp_path):
    t = _training(world)
    path = _sheet(tmp_path, "用户名\nteacher\nother_school_teacher\nnobody\n")
    with open(path, "rb") as f:
        r = login(world.leader).post(reverse("schoolwork:training_import", kwargs={"pk": t.pk}), {"sheet": f})
    assert r.status_code == 400
    assert [e.line for e in r.context["row_errors"]] == [3, 4]
    assert not TrainingAttendance.objects.exists()


def test_a_sign_in_sheet_marks_everyone_present_by_username_or_mobile(world, tmp_path):
    world.psych.phone = "13900000009"
    world.psych.save()
    t = _training(world)
    path = _sheet(tmp_path, "用户名,手机号\nteacher,\n,13900000009\nteacher,\n")
    added = services.import_attendance(by=world.leader, training=t, path=str(path))
    assert added == 2
    assert set(TrainingAttendance.objects.values_list("user__username", flat=True)) == {"teacher", "psych"}
    assert services.import_attendance(by=world.leader, training=t, path=str(path)) == 0  # idempotent


def test_a_training_dated_in_no_semester_is_refused(world):
    with pytest.raises(ProgramError):
        _training(world, held_on=autumn(world).ends_on + dt.timedelta(days=5))
    assert not Training.objects.exists()


def test_a_school_cannot_organise_for_another_school(world):
    with pytest.raises(ProgramError):
        _training(world, organiser=world.school_b)


def test_an_inspection_visit_names_a_school_of_the_district(world):
    with pytest.raises(ProgramError):
        _training(world, by=world.district_officer, organiser=world.haidian, kind=TrainingKind.INSPECTION,
                  visited=world.school_c)  # fmt: skip
    v = _training(world, by=world.district_officer, organiser=world.haidian, kind=TrainingKind.INSPECTION,
                  visited=world.school_b, hours=Decimal(3))  # fmt: skip
    assert list(selectors.district_activities(world.district_officer, autumn(world))) == [v]


def test_coverage_counts_each_staff_member_once_and_class_teacher_training_apart(world):
    sem = autumn(world)
    on = sem.ends_on
    [cov] = selectors.training_coverage([world.school_a], sem, on=on)
    assert (cov.staff, cov.trained, cov.class_teachers) == (6, 0, 2)
    general = _training(world)
    ct = _training(world, topic="班主任心理健康培训", for_class_teachers=True)
    services.sign_in(training=general, user=world.teacher)
    services.sign_in(training=ct, user=world.class_teacher)
    services.sign_in(training=general, user=world.class_teacher)
    [cov] = selectors.training_coverage([world.school_a], sem, on=on)
    assert (cov.trained, cov.class_teachers_trained) == (2, 1)
    assert world.teacher not in cov.untrained and world.psych in cov.untrained


def test_the_district_sees_counts_and_the_school_leader_sees_names(world, login):
    _training(world)
    url = reverse("schoolwork:training_coverage")
    leader_page = login(world.leader).get(url).content.decode()
    assert world.psych.display_name in leader_page
    district_page = login(world.district_officer).get(url).content.decode()
    assert world.psych.display_name not in district_page


def test_the_coverage_page_runs_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    from org.models import Post, Role, User

    client = login(world.district_officer)
    url = reverse("schoolwork:training_coverage")
    client.get(url)
    for i in range(10):
        u = User.objects.create(username=f"t{i}", display_name=f"老师{i}")
        Post.objects.create(user=u, role=Role.TEACHER, node=world.school_b)
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200


def test_the_coverage_export_names_the_untrained_only_for_the_school_itself(world, login):
    from io import BytesIO

    from openpyxl import load_workbook

    url = reverse("schoolwork:training_coverage_export")

    def last_column(user):
        wb = load_workbook(BytesIO(login(user).get(url).content))
        return [row[-1] for row in wb.active.iter_rows(min_row=2, values_only=True)]

    assert any(world.psych.display_name in str(v) for v in last_column(world.leader))
    assert not any(world.psych.display_name in str(v) for v in last_column(world.district_officer))
