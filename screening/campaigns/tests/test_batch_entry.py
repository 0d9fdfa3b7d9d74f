"""A batch of keyed-in paper sheets (issue 18: the demo's campaign): ``open_responses_batch`` opens what
``open_responses`` would; ``key_in_sheets`` refuses a bad answer with nothing stored, and stores the same results
as a submit's ``score_response``, raising the same alerts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Answer, Response, ResponseStatus, Result


@pytest.fixture
def sheets(world):
    campaign = launched_campaign(world)
    a1, a1b = assignment_of(campaign, world.student_a1), assignment_of(campaign, world.student_a1b)
    opened = services.open_responses_batch([a1, a1b])
    return campaign, a1, a1b, opened


def test_the_batch_opens_each_students_battery_once(world, sheets):
    campaign, a1, a1b, opened = sheets
    assert [r.instrument_id for r in opened[a1.pk]] == ["asq", "gad-7"]
    assert services.open_responses_batch([a1, a1b]) == opened  # again: nothing new
    assert Response.objects.filter(assignment__campaign=campaign).count() == 4


def test_a_scored_batch_stores_what_a_submit_stores_and_raises_the_alert(world, sheets):
    from care.models import Alert

    campaign, a1, a1b, opened = sheets
    asq_a1 = next(r for r in opened[a1.pk] if r.instrument_id == "asq")
    asq_b = next(r for r in opened[a1b.pk] if r.instrument_id == "asq")
    gad_b = next(r for r in opened[a1b.pk] if r.instrument_id == "gad-7")
    positive = {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0}  # positive, not acute
    now = timezone.now()
    batch = services.key_in_sheets(
        [(asq_a1, positive, now), (gad_b, {f"q{i}": 0 for i in range(1, 8)}, now)],
        district_id=world.haidian.pk,
    )
    assert Response.objects.get(pk=asq_a1.pk).status == ResponseStatus.SUBMITTED
    Answer.objects.bulk_create(
        Answer(response=asq_b, item_id=k, value=v, answered_at=now) for k, v in positive.items()
    )
    by_submit = services.score_response(Response.objects.get(pk=asq_b.pk))  # the same sheet, the submit's way
    assert (batch[0].level, batch[0].scores, batch[0].bands, batch[0].flags) == (
        by_submit.level, by_submit.scores, by_submit.bands, by_submit.flags,
    )  # fmt: skip
    assert batch[0].level in ("red", "orange") and batch[1].level == "none"
    assert Alert.objects.filter(student=world.student_a1).count() == 1  # as the submit raised it for A1b
    assert Alert.objects.filter(student=world.student_a1b).count() == 1
    assert Result.objects.filter(response__assignment__campaign=campaign).count() == 3


def test_a_value_outside_the_options_refuses_the_batch_and_stores_nothing(world, sheets):
    _campaign, a1, a1b, opened = sheets
    good, bad = opened[a1.pk][0], opened[a1b.pk][0]
    with pytest.raises(services.ScreeningError):
        services.key_in_sheets(
            [(good, {"q1": 0}, timezone.now()), (bad, {"q1": 9}, timezone.now())],
            district_id=world.haidian.pk,
        )
    assert not Answer.objects.exists() and not Result.objects.exists()
    assert Response.objects.get(pk=good.pk).status == ResponseStatus.OPEN
