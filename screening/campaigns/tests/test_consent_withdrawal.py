"""Consent withdrawal (issue 8 item 6, PIPL): unsubmitted answers go at once, the student cannot start again, and a
submitted sheet stays only where safety rests on it (an alert already raised stays with its basis)."""

from __future__ import annotations

import pytest

from access.models import AuditEvent
from screening.campaigns import services
from screening.campaigns.services import ScreeningError
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Answer, ConsentRule, Response, ResponseStatus, Result


@pytest.fixture
def consented(world):
    campaign = launched_campaign(world, consent_rule=ConsentRule.ACTIVE_UNDER_AGE)
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="consent"
    )
    a = assignment_of(campaign, world.student_a1)
    responses = {
        r.instrument_id: r for r in services.record_assent(user=world.student, assignment=a, agreed=True)
    }
    return campaign, a, responses


def _answer(world, response, item, value):
    services.save_answer(user=world.student, response_id=response.pk, item_id=item, value=value)


def _withdraw(world, campaign):
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="withdraw"
    )


def test_a_withdrawal_deletes_unsubmitted_and_unflagged_answers_and_stops_the_start(world, consented):
    campaign, a, r = consented
    _answer(world, r["asq"], "q1", 0)  # answering, not submitted
    for i in range(1, 8):
        _answer(world, r["gad-7"], f"q{i}", 0)
    services.submit_response(user=world.student, response_id=r["gad-7"].pk, idempotency_key="gad")
    assert Result.objects.get(response=r["gad-7"]).level == "none"

    _withdraw(world, campaign)

    assert not Response.objects.filter(assignment=a).exists()
    assert not Answer.objects.filter(response__assignment=a).exists()
    assert not Result.objects.filter(response__assignment=a).exists()
    assert not services.may_start(a)
    with pytest.raises(ScreeningError) as exc:
        services.record_assent(user=world.student, assignment=a, agreed=True)
    assert exc.value.status == 403
    assert not Response.objects.filter(assignment=a).exists()
    event = AuditEvent.objects.get(action="screening.consent_withdrawn")
    assert event.student_id == world.student_a1.pk
    assert (
        event.detail["open_deleted"],
        event.detail["submitted_deleted"],
        event.detail["kept_for_safety"],
    ) == (
        1,
        1,
        0,
    )


def test_an_answer_saved_after_the_withdrawal_is_not_stored(world, consented):
    campaign, a, r = consented
    _answer(world, r["asq"], "q1", 0)
    _withdraw(world, campaign)
    with pytest.raises(ScreeningError) as exc:
        _answer(world, r["asq"], "q2", 0)
    assert exc.value.status == 404
    assert not Answer.objects.filter(response__assignment=a).exists()


def test_a_sheet_that_raised_an_alert_stays_with_its_alert(world, consented):
    from care.models import Alert

    campaign, a, r = consented
    _answer(world, r["asq"], "q1", 1)
    _answer(world, r["asq"], "q5", 1)
    services.submit_response(user=world.student, response_id=r["asq"].pk, idempotency_key="asq")
    _answer(world, r["gad-7"], "q1", 2)  # the other sheet, still open
    assert Alert.objects.filter(student=world.student_a1).count() == 1

    _withdraw(world, campaign)

    kept = Response.objects.get(assignment=a)
    assert kept.instrument_id == "asq" and kept.status == ResponseStatus.SUBMITTED
    assert Result.objects.get(response=kept).level == "red"
    assert Answer.objects.filter(response=kept).count() == 2  # the basis of the alert
    assert Alert.objects.filter(student=world.student_a1).count() == 1
    assert not services.may_start(a)


def test_the_guardian_withdraws_from_the_consent_page(world, consented, login):
    from django.urls import reverse

    campaign, a, r = consented
    _answer(world, r["asq"], "q1", 0)
    got = login(world.guardian).post(
        reverse("screening:guardian_consent"), {"assignment": a.pk, "decision": "withdraw"}
    )
    assert got.status_code == 302
    assert not Answer.objects.filter(response__assignment=a).exists()
    assert services.consent_state(a) == "refused"
