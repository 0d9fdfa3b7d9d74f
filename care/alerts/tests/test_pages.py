"""The alert pages, the home card and the level section of the student page, as the personas use them."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from care.alerts.services import confirm_level
from care.models import Alert

MIN = dt.timedelta(minutes=1)


def _raise_now(raise_red, n: int, world):
    now = timezone.now()
    students = [world.student_a1, world.student_a1b, world.student_a2]
    for i in range(n):
        raise_red(student=students[i % 3], source_id=f"p{i}", now=now - (i + 1) * MIN,
                  level="red" if i % 2 else "orange")  # fmt: skip


def test_the_alert_list_shows_the_most_urgent_first_with_the_level_in_words(people, raise_red, login):
    raise_red(student=people.student_a1b, source_id="orange", level="orange", now=timezone.now())
    raise_red(student=people.student_a1, source_id="red", now=timezone.now() - 20 * MIN)  # overdue
    body = login(people.psych).get(reverse("care:alert_list")).content.decode()
    assert body.index(people.student_a1.name) < body.index(people.student_a1b.name)
    assert "level level-red" in body and "level level-orange" in body
    assert 'class="alert-row overdue"' in body
    event = AuditEvent.objects.filter(action="care.alert.list", actor=people.psych).get()
    assert set(event.detail["students"]) == {people.student_a1.pk, people.student_a1b.pk}


def test_the_alert_list_runs_a_fixed_number_of_queries(
    people, raise_red, login, django_assert_max_num_queries
):
    client = login(people.psych)
    _raise_now(raise_red, 2, people)
    client.get(reverse("care:alert_list"))  # warm the session and the post cache
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("care:alert_list"))
    _raise_now(raise_red, 12, people)  # sources p0…p11: ten more alerts
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("care:alert_list"))
    assert response.content.decode().count("alert-row") == 12


def test_the_psych_teacher_acknowledges_an_alert_from_its_page(people, raise_red, login):
    alert = raise_red(now=timezone.now())
    client = login(people.psych)
    page = client.get(reverse("care:alert_detail", args=[alert.pk])).content.decode()
    assert "ASQ" in page  # the reason, in the reader's language
    response = client.post(reverse("care:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == people.psych
    assert AuditEvent.objects.filter(action="care.alert.view", student_id=people.student_a1.pk).exists()
    assert AuditEvent.objects.filter(action="care.alert.acknowledge", actor=people.psych).count() == 1


def test_the_school_leader_acts_on_an_alert_without_reading_its_reasons(people, raise_red, login):
    """Issue 19 build 4: the tier tour found the leader reading an alert's reasons (critical items, totals) on its
    page; a leader's T3 is the name, level and status of a red/orange student (DESIGN.md), so the reasons stay with
    the psychological teacher, as on the file page."""
    alert = raise_red(now=timezone.now())
    client = login(people.leader)
    page = client.get(reverse("care:alert_detail", args=[alert.pk])).content.decode()
    assert "ASQ" not in page and "原因仅心理教师可见" in page
    assert client.post(reverse("care:alert_acknowledge", args=[alert.pk])).status_code == 302
    assert Alert.objects.get(pk=alert.pk).acknowledged_by == people.leader


def test_acknowledging_needs_a_post(people, raise_red, login):
    alert = raise_red(now=timezone.now())
    response = login(people.psych).get(reverse("care:alert_acknowledge", args=[alert.pk]))
    assert response.status_code == 405
    assert Alert.objects.get(pk=alert.pk).acknowledged_at is None


def test_a_class_teacher_is_refused_the_alert_pages(people, raise_red, login):
    alert = raise_red(now=timezone.now())
    client = login(people.class_teacher)
    assert client.get(reverse("care:alert_list")).status_code == 403
    assert client.get(reverse("care:alert_detail", args=[alert.pk])).status_code == 403
    assert client.post(reverse("care:alert_acknowledge", args=[alert.pk])).status_code == 403


def test_the_home_page_shows_the_alerts_waiting_for_the_psych_teacher(people, raise_red, login):
    raise_red(now=timezone.now() - 20 * MIN)
    body = login(people.psych).get(reverse("web:home")).content.decode()
    assert "card-alerts" in body and reverse("care:alert_list") in body
    assert "card-alerts" not in login(people.class_teacher).get(reverse("web:home")).content.decode()


def test_notifications_are_listed_and_marked_read(people, raise_red, login):
    raise_red(now=timezone.now())
    client = login(people.psych)
    body = client.get(reverse("care:notifications")).content.decode()
    assert "notification unread" in body and people.student_a1.name not in body
    client.post(reverse("care:notifications_read"))
    assert "notification unread" not in client.get(reverse("care:notifications")).content.decode()


def test_the_student_page_shows_a_class_teacher_the_colour_and_a_psych_teacher_the_history(people, login):
    confirm_level(
        student=people.student_a1, level="orange", by=people.psych, reason="谈话记录：失眠两周",
        source_type="screening.review", source_id="9",
    )  # fmt: skip
    url = reverse("org:student_detail", args=[people.student_a1.pk])
    seen_by_class_teacher = login(people.class_teacher).get(url).content.decode()
    assert "level level-orange" in seen_by_class_teacher
    assert "失眠" not in seen_by_class_teacher and "level-history" not in seen_by_class_teacher
    seen_by_psych = login(people.psych).get(url).content.decode()
    assert "失眠" in seen_by_psych and "level-history" in seen_by_psych
    views = AuditEvent.objects.filter(action="care.level.view", student_id=people.student_a1.pk)
    assert {(e.actor_id, e.detail["tier"]) for e in views} == {
        (people.class_teacher.pk, 2),
        (people.psych.pk, 3),
    }
    # A plain teacher (T1: name and class only) sees no level section at all.
    assert "level level-" not in login(people.teacher).get(url).content.decode()
