"""A class's roll for a campaign: who has answered, and the absent button (R5.1)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from screening.campaigns import services
from screening.models import Assignment, BatteryEntry


def _launched(world):
    now = timezone.now()
    c = services.create_campaign(by=world.district_officer, organiser=world.haidian, name="秋季测评",
                                 starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=3),
                                 school_year=world.year, default_battery=False)  # fmt: skip
    BatteryEntry.objects.create(
        campaign=c, grade_from=4, grade_to=12, instrument_id="gad-7", instrument_version="1.0"
    )
    services.launch_campaign(
        by=world.district_officer, campaign=c, confirmed=services.launch_summary(c).fingerprint
    )
    return c


def test_the_class_teacher_sees_her_class_progress_and_marks_a_student_absent(world, client):
    c = _launched(world)
    client.force_login(world.class_teacher)
    client.cookies["django_language"] = "en"
    assert "五年级1班: 0 of 2 submitted" in client.get("/").content.decode()
    url = reverse("screening:class_roll", args=[c.pk, world.a1.pk])
    page = client.get(url).content.decode()
    assert "李小明" in page and "王小红" in page and "张小华" not in page  # another class's student
    a = Assignment.objects.get(campaign=c, student=world.student_a1)
    response = client.post(reverse("screening:mark_absent", args=[a.pk]), {"absent": "1", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    a.refresh_from_db()
    assert a.absent
    assert (
        "Present after all" in client.get(url).content.decode()
        or "其实到了" in client.get(url).content.decode()
    )


def test_another_classs_teacher_gets_404_for_this_roll(world, client):
    c = _launched(world)
    client.force_login(world.other_class_teacher)
    assert client.get(reverse("screening:class_roll", args=[c.pk, world.a1.pk])).status_code == 404


def test_the_roll_shows_no_answers_scores_or_levels(world, client):
    c = _launched(world)
    client.force_login(world.psych)
    page = client.get(reverse("screening:class_roll", args=[c.pk, world.a1.pk])).content.decode()
    for word in ("score", "分数", "level", "等级"):
        assert word not in page.lower()


def test_the_roll_takes_a_bounded_number_of_queries(world, client, django_assert_max_num_queries):
    c = _launched(world)
    client.force_login(world.psych)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("screening:class_roll", args=[c.pk, world.a1.pk])).status_code == 200


def test_the_psych_teacher_reaches_the_roll_from_the_coverage_page(world, client):
    c = _launched(world)
    client.force_login(world.psych)
    page = client.get(reverse("screening:coverage", args=[c.pk])).content.decode()
    assert reverse("screening:class_roll", args=[c.pk, world.a1.pk]) in page
