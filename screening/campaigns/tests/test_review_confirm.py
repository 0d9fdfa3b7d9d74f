"""Recording the second-stage talk confirms the level through care (R5.3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from screening.campaigns import selectors
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Result, Review


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


def test_recording_the_talk_confirms_the_level_and_takes_the_student_off_the_queue(world, queue, login):
    from care.models import LevelRecord

    client = login(world.psych)
    url = reverse("screening:review", kwargs={"pk": queue["orange"].pk})
    assert "原因" in client.get(url).content.decode()
    got = client.post(url, {"outcome": "谈话后情绪稳定", "confirmed_level": "yellow", "next_step": "monitor"})
    assert got.status_code == 302
    review = Review.objects.get()
    assert review.outcome == "谈话后情绪稳定" and review.confirmed_level == "yellow"
    assert LevelRecord.objects.filter(student=world.student_a1b).exists()
    assert queue["orange"] not in [r.assignment for r in selectors.review_queue(world.psych)]
