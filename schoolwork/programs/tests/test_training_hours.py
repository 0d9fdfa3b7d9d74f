"""Training in hours (R2.2): hours per staff member per semester from sessions (岗前 / 在岗) and certificates, all
staff including non-teaching staff; the school sees everyone, the district sees who is short, the city counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from org.models import Post, Role, User
from schoolwork.programs import selectors, services
from schoolwork.programs.models import TrainingAttendance, TrainingCertificate, TrainingCycle
from schoolwork.programs.tests.lesson_helpers import autumn

pytestmark = pytest.mark.django_db
URL = reverse("schoolwork:training_hours")


def build_hours_world(world) -> dict:
    """School A in the autumn semester, 4 hours required and 2 of pre-service for new staff. Every post began a
    year ago except the new dormitory keeper's (宿管员, a non-teaching staff member on a teacher post), which
    began on the semester's first day. A 3-hour in-service session: the teacher, the class teacher, the leader
    and the keeper came; a 2-hour pre-service session: nobody. Certificates: the teacher 1.5 h, the leader 1 h,
    the keeper 2 h. So: teacher 4.5 ✓, leader 4.0 ✓ (exactly), class teacher 3.0 ✗, keeper 5.0 but no
    pre-service ✗, both psychological teachers and the other class teacher 0 ✗ — 2 of 7."""
    sem = autumn(world)
    Post.objects.filter(node__school=world.school_a).update(valid_from=sem.starts_on - dt.timedelta(days=365))
    keeper = User.objects.create(username="keeper", display_name="宿管员老周")
    Post.objects.create(
        user=keeper, role=Role.TEACHER, node=world.school_a, title="宿管员", valid_from=sem.starts_on
    )
    day = sem.starts_on + dt.timedelta(days=7)
    session = services.create_training(
        by=world.leader, organiser=world.school_a, held_on=day, topic="学生心理危机识别", hours=Decimal(3)
    )
    services.create_training(
        by=world.leader, organiser=world.school_a, held_on=day, topic="新教师岗前培训", hours=Decimal(2),
        cycle=TrainingCycle.PRE_SERVICE,
    )  # fmt: skip
    for user in (world.teacher, world.class_teacher, world.leader, keeper):
        TrainingAttendance.objects.create(
            training=session, user=user, school=world.school_a, method="qr", signed_at=timezone.now()
        )
    for user, hours in ((world.teacher, "1.5"), (world.leader, "1"), (keeper, "2")):
        services.record_certificate(
            by=world.leader, school=world.school_a, staff_id=user.pk, title="北京市中小学心理健康教育培训",
            issuer="北京市教委", hours=hours, issued_on=day,
        )  # fmt: skip
    return {"semester": sem, "keeper": keeper}


@pytest.fixture
def hours_world(world, settings):
    settings.XINYU_TRAINING_HOURS_PER_SEMESTER = 4
    settings.XINYU_TRAINING_PRE_SERVICE_HOURS = 2
    return build_hours_world(world)


def _on(sem):
    return min(timezone.localdate(), sem.ends_on)


def test_hours_add_sessions_and_certificates_and_a_new_staff_member_needs_pre_service(world, hours_world):
    sem = hours_world["semester"]
    (a,) = selectors.training_hours([world.school_a], sem, on=_on(sem))
    by_name = {s.user.username: s for s in a.staff}
    assert by_name["teacher"].total == Decimal("4.5") and by_name["leader"].total == Decimal("4.0")
    assert by_name["class_teacher"].total == Decimal("3")
    keeper = by_name["keeper"]
    assert keeper.titles == ["宿管员"] and keeper.new and keeper.total == Decimal("5")
    assert keeper.lacks_pre_service(a.pre_required)
    assert sorted(s.user.username for s in a.staff if not s.short(a.required, a.pre_required)) == [
        "leader",
        "teacher",
    ]
    assert (a.met, len(a.staff)) == (2, 7)


def test_the_school_sees_everyone_the_district_who_is_short_and_the_city_counts(world, login, hours_world):
    sem = hours_world["semester"]
    url = f"{URL}?semester={sem.pk}"
    page = login(world.leader).get(url).content.decode()
    assert 'data-user="teacher"' in page and 'data-user="keeper"' in page and "未完成岗前培训" in page
    page = login(world.district_officer).get(url).content.decode()
    assert 'data-user="keeper"' in page and 'data-user="class_teacher"' in page
    assert 'data-user="teacher"' not in page and 'data-user="leader"' not in page
    page = login(world.city_officer).get(url).content.decode()
    assert "data-user=" not in page and f'data-school="{world.school_a.pk}"' in page
    page = login(world.other_district_officer).get(url).content.decode()
    assert f'data-school="{world.school_a.pk}"' not in page
    assert login(world.teacher).get(url).status_code == 403


def test_a_certificate_brings_a_staff_member_up_to_the_hours(world, login, hours_world):
    sem = hours_world["semester"]
    day = sem.starts_on + dt.timedelta(days=8)
    got = login(world.leader).post(
        URL, {"semester": sem.pk, "school": world.school_a.pk, "staff": world.class_teacher.pk,
              "title": "班主任心理健康专题网络研修", "issuer": "海淀区教师进修学校", "hours": "1",
              "cycle": "in_service", "issued_on": day.isoformat()},
    )  # fmt: skip
    assert got.status_code == 302
    (a,) = selectors.training_hours([world.school_a], sem, on=_on(sem))
    ct = next(s for s in a.staff if s.user == world.class_teacher)
    assert ct.total == Decimal("4") and not ct.short(a.required, a.pre_required)


@pytest.mark.parametrize(
    "change, message",
    [({"hours": "0"}, "学时须在 0.5 到 200 之间"), ({"hours": "abc"}, "学时须在 0.5 到 200 之间"),
     ({"title": ""}, "请填写课程或证书名称及颁发单位"), ({"staff": "other_school_teacher"}, "请选择本校的教职工")],
)  # fmt: skip
def test_a_bad_certificate_is_refused_in_chinese_and_nothing_is_recorded(
    world, login, hours_world, change, message
):
    sem = hours_world["semester"]
    form = {"semester": sem.pk, "school": world.school_a.pk, "staff": world.class_teacher.pk, "title": "研修",
            "issuer": "进修学校", "hours": "1", "cycle": "in_service",
            "issued_on": (sem.starts_on + dt.timedelta(days=8)).isoformat()}  # fmt: skip
    if change.get("staff"):
        change = {"staff": getattr(world, change["staff"]).pk}
    form.update(change)
    before = TrainingCertificate.objects.count()
    got = login(world.leader).post(URL, form)
    assert got.status_code == 400
    assert message in got.content.decode()
    assert TrainingCertificate.objects.count() == before


def test_a_district_officer_records_no_certificates(world, login, hours_world):
    sem = hours_world["semester"]
    got = login(world.district_officer).post(
        URL, {"semester": sem.pk, "school": world.school_a.pk, "staff": world.teacher.pk, "title": "x",
              "issuer": "y", "hours": "1", "issued_on": sem.starts_on.isoformat()},
    )  # fmt: skip
    assert got.status_code == 404


def test_the_demo_step_records_certificates_through_the_service(world):
    from schoolwork.programs.lived_in import _trainings
    from schoolwork.programs.semesters import current_semester

    _trainings(current_semester(), timezone.localdate())
    assert TrainingCertificate.objects.filter(school=world.school_a).count() == 3
    assert set(TrainingCertificate.objects.values_list("hours", flat=True)) == {Decimal("2.0")}
