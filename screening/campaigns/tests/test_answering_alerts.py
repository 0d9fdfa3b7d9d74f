"""Scoring and the alert in the submit's transaction: all or nothing (R5.3, DESIGN.md alerts)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from screening.campaigns.tests.campaign_helpers import launched_campaign, started
from screening.models import Answer, ResponseStatus, Result


def _post(client, name, pk, body):
    return client.post(
        reverse(name, kwargs={"pk": pk}), data=json.dumps(body), content_type="application/json"
    )


@pytest.fixture
def asq(world):
    campaign = launched_campaign(world)
    _a, responses = started(world, campaign)
    return _a, next(r for r in responses if r.instrument_id == "asq")


def test_an_acute_asq_positive_alerts_in_the_submit_and_shows_the_stay_here_screen(world, login, asq):
    from care.models import Alert

    a, r = asq
    client = login(world.student)
    _post(client, "screening:save_answer", r.pk, {"item": "q1", "value": 1})
    _post(client, "screening:save_answer", r.pk, {"item": "q5", "value": 1})
    got = _post(client, "screening:submit", r.pk, {"key": "acute"})
    assert got.json()["acute"] is True
    result = Result.objects.get(response=r)
    assert result.level == "red" and result.acute
    assert Alert.objects.filter(student=world.student_a1).count() == 1
    page = client.get(got.json()["next"])
    assert (
        "Please tell the teacher in the room now." in page.content.decode()
        or "请现在" in page.content.decode()
    )
    assert "12356" in page.content.decode()


def test_scoring_and_alert_are_all_or_nothing(world, login, asq, monkeypatch):
    """An exception after scoring (the alert fails) leaves no Result, no Alert and the response open."""
    from care.models import Alert
    from screening.campaigns import services

    a, r = asq
    client = login(world.student)
    _post(client, "screening:save_answer", r.pk, {"item": "q1", "value": 1})

    def boom(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("care.alerts.services.raise_alert", boom)
    with pytest.raises(RuntimeError):
        services.submit_response(user=world.student, response_id=r.pk, idempotency_key="boom")
    assert not Result.objects.filter(response=r).exists()
    assert not Alert.objects.exists()
    r.refresh_from_db()
    assert r.status == ResponseStatus.OPEN and r.idempotency_key is None
    assert Answer.objects.filter(response=r).count() == 1  # the autosaved answer survives
