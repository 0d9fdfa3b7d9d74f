"""Second stage: the psych teacher's queue is most urgent first; recording a talk confirms the level (R5.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from screening.campaigns import selectors, services
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Result


def _result(world, campaign, student, level, minutes_ago):
    a = assignment_of(campaign, student)
    r = a.responses.create(instrument_id="gad-7", instrument_version="1.0", status="submitted",
                           submitted_at=timezone.now() - dt.timedelta(minutes=minutes_ago))  # fmt: skip
    Result.objects.create(response=r, instrument_id="gad-7", instrument_version="1.0", valid=True, level=level,
                          flags={"reasons": [{"code": "x", "text": {"zh-hans": "原因", "en": "reason"}}]})  # fmt: skip
    return a


@pytest.fixture
def queue(world):
    campaign = launched_campaign(world)
    return {
        "yellow_old": _result(world, campaign, world.student_a1, "yellow", 300),
        "orange": _result(world, campaign, world.student_a1b, "orange", 10),
        "red": _result(world, campaign, world.student_a2, "red", 1),
        "other_school": _result(world, campaign, world.student_b1, "red", 500),
    }


def test_the_queue_is_red_then_orange_then_yellow_and_only_the_teachers_school(world, queue):
    rows = selectors.review_queue(world.psych)
    assert [r.assignment for r in rows] == [queue["red"], queue["orange"], queue["yellow_old"]]


def test_a_campus_psych_teacher_sees_only_their_campus(world, queue):
    assert [r.assignment for r in selectors.review_queue(world.psych_east)] == [queue["red"]]


def test_a_psych_teacher_of_another_school_gets_404(world, queue, login):
    got = login(world.psych).get(reverse("screening:review", kwargs={"pk": queue["other_school"].pk}))
    assert got.status_code == 404


def test_the_queue_page_does_not_grow_queries_with_rows(world, queue, login, django_assert_max_num_queries):
    client = login(world.psych)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("screening:review_queue")).status_code == 200


def test_review_outside_scope_cannot_be_recorded_by_service(world, queue):
    with pytest.raises(services.ScreeningError):
        services.record_review(by=world.psych, assignment=queue["other_school"], talked_at=timezone.now(),
                               outcome="x", confirmed_level="red", next_step="close")  # fmt: skip
