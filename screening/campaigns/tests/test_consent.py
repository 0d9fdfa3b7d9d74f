"""Consent: under-14s need a guardian's consent; refusal and withdrawal stop the start; one-time links die on use."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from org.models import Guardian
from screening.campaigns import services
from screening.campaigns.services import ScreeningError
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Assent, Consent, ConsentRequest, ConsentRule


@pytest.fixture
def campaign(world):
    return launched_campaign(world, consent_rule=ConsentRule.ACTIVE_UNDER_AGE)


def test_a_student_under_14_cannot_start_without_guardian_consent(world, campaign, login):
    a = assignment_of(campaign, world.student_a1)
    assert a.needs_consent  # born 2015: under 14
    with pytest.raises(ScreeningError) as exc:
        services.record_assent(user=world.student, assignment=a, agreed=True)
    assert exc.value.status == 403
    page = login(world.student).get(reverse("screening:answer", kwargs={"pk": a.pk}))
    assert "consent" in page.content.decode().lower() or "同意" in page.content.decode()
    assert not Assent.objects.exists()


def test_after_the_guardian_consents_from_their_account_the_student_may_start(world, campaign, login):
    a = assignment_of(campaign, world.student_a1)
    client = login(world.guardian)
    got = client.post(reverse("screening:guardian_consent"), {"assignment": a.pk, "decision": "consent"})
    assert got.status_code == 302
    c = Consent.objects.get()
    assert (c.decision, c.via, c.notice_version) == ("consent", "account", 1)
    assert c.notice_hash == services.notice_hash(campaign)
    assert len(services.record_assent(user=world.student, assignment=a, agreed=True)) == 2


def test_a_refusal_or_a_withdrawal_stops_the_start(world, campaign):
    a = assignment_of(campaign, world.student_a1)
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="consent"
    )
    assert services.may_start(a)
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="withdraw"
    )
    assert not services.may_start(a)
    assert services.consent_state(a) == "refused"


def test_another_guardian_cannot_consent_for_a_child_not_theirs(world, campaign, login):
    a = assignment_of(campaign, world.student_a1)
    got = login(world.other_guardian).post(
        reverse("screening:guardian_consent"), {"assignment": a.pk, "decision": "consent"}
    )
    assert got.status_code == 404
    assert not Consent.objects.exists()


def test_from_14_a_notice_is_enough_unless_the_guardian_opts_out(world):
    world.student_a1.birth_date = dt.date(2000, 1, 1)
    world.student_a1.save()
    campaign = launched_campaign(world, consent_rule=ConsentRule.ACTIVE_UNDER_AGE)
    a = assignment_of(campaign, world.student_a1)
    assert not a.needs_consent and services.may_start(a)
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="refuse"
    )
    assert not services.may_start(a)


def test_a_one_time_link_records_the_decision_and_then_is_dead(world, campaign, client):
    guardian = Guardian.objects.get(user=world.guardian)
    _req, token = services.issue_consent_request(
        campaign=campaign, student=world.student_a1, guardian=guardian
    )
    url = reverse("screening:consent_link", kwargs={"token": token})
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "consent"}).status_code == 200
    assert Consent.objects.get().via == "link"
    assert client.get(url).status_code == 410
    assert client.post(url, {"decision": "refuse"}).status_code == 410
    assert Consent.objects.count() == 1
    assert token not in ConsentRequest.objects.get().token_hash


def test_an_expired_or_unknown_link_is_refused(world, campaign, client):
    guardian = Guardian.objects.get(user=world.guardian)
    req, token = services.issue_consent_request(
        campaign=campaign, student=world.student_a1, guardian=guardian
    )
    req.expires_at = timezone.now() - dt.timedelta(seconds=1)
    req.save()
    assert (
        client.post(
            reverse("screening:consent_link", kwargs={"token": token}), {"decision": "consent"}
        ).status_code
        == 410
    )
    assert client.get(reverse("screening:consent_link", kwargs={"token": "nope"})).status_code == 404
    assert not Consent.objects.exists()


def test_a_student_who_declines_assent_does_not_start(world):
    campaign = launched_campaign(world)
    a = assignment_of(campaign, world.student_a1)
    assert services.record_assent(user=world.student, assignment=a, agreed=False) == []
    assert not a.responses.exists()


def test_home_cards_ask_the_guardian_for_consent_and_tell_the_student_to_answer(world, campaign, login):
    from django.urls import reverse as url

    # Issue 20: the request waits on the guardian's home page (等您处理), one link to it on the consent page.
    waiting = (
        url("screening:guardian_consent") + f"#assignment-{assignment_of(campaign, world.student_a1).pk}"
    )
    assert waiting in login(world.guardian).get(url("web:home")).content.decode()
    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="consent"
    )
    assert waiting not in login(world.guardian).get(url("web:home")).content.decode()
    assert "screening-todo" in login(world.student).get(url("web:home")).content.decode()


def test_consent_links_are_issued_only_where_consent_is_still_needed(world, campaign):
    import csv
    from io import StringIO

    from django.core.management import call_command

    services.consent_by_account(
        user=world.guardian, campaign=campaign, student=world.student_a1, decision="refuse"
    )
    out = StringIO()
    call_command("consent_links", "--campaign", str(campaign.pk), "--base", "https://x.test", stdout=out)
    rows = list(csv.DictReader(StringIO(out.getvalue())))
    assert [r["student"] for r in rows] == ["赵小丽"]  # student_a1's guardian already answered
    token = rows[0]["link"].rstrip("/").rsplit("/", 1)[1]
    assert ConsentRequest.objects.filter(token_hash=services._token_hash(token)).exists()
    assert not ConsentRequest.objects.filter(token_hash=token).exists()
