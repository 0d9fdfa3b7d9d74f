"""The screening flow over the JSON API: the same rules as the pages (issue 3, deliverable 10)."""

from __future__ import annotations

import pytest

from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import Answer, Result

API = "/api/screening"


@pytest.fixture
def flow(world, login):
    campaign = launched_campaign(world, instruments=("gad-7",))
    return assignment_of(campaign, world.student_a1), login(world.student)


def test_a_student_lists_assents_answers_and_submits_once(world, flow):
    a, client = flow
    mine = client.get(f"{API}/assignments").json()
    assert [(x["id"], x["may_start"], x["assented"]) for x in mine] == [(a.pk, True, None)]
    opened = client.post(
        f"{API}/assignments/{a.pk}/assent", {"agreed": True}, content_type="application/json"
    )
    assert opened.status_code == 200
    rid = opened.json()[0]["id"]
    form = client.get(f"{API}/responses/{rid}").json()
    assert [i["id"] for i in form["items"]] == [f"q{n}" for n in range(1, 8)]
    for n in range(1, 8):
        got = client.put(
            f"{API}/responses/{rid}/answers/q{n}", {"value": 1, "seconds": 2}, content_type="application/json"
        )
        assert got.status_code == 200
    assert client.get(f"{API}/responses/{rid}").json()["items"][0]["answer"] == 1
    first = client.post(
        f"{API}/responses/{rid}/submit", {"key": "api-1"}, content_type="application/json"
    ).json()
    again = client.post(
        f"{API}/responses/{rid}/submit", {"key": "api-1"}, content_type="application/json"
    ).json()
    assert first["result"] == again["result"] and first["created"] and not again["created"]
    assert Result.objects.filter(response_id=rid).count() == 1


@pytest.mark.parametrize(
    ("item", "body"),
    [("q99", {"value": 1}), ("q1", {"value": 9}), ("q1", {"value": "yes"}), ("q1", {"value": "refused"})],
)
def test_bad_answers_are_4xx_and_nothing_is_stored(world, flow, item, body):
    a, client = flow
    rid = client.post(
        f"{API}/assignments/{a.pk}/assent", {"agreed": True}, content_type="application/json"
    ).json()[0]["id"]
    got = client.put(f"{API}/responses/{rid}/answers/{item}", body, content_type="application/json")
    assert 400 <= got.status_code < 500
    assert not Answer.objects.exists()


def test_another_student_gets_404_for_someone_elses_response(world, flow, client):
    a, student_client = flow
    rid = student_client.post(
        f"{API}/assignments/{a.pk}/assent", {"agreed": True}, content_type="application/json"
    ).json()[0]["id"]
    client.force_login(world.guardian)
    assert client.get(f"{API}/responses/{rid}").status_code == 404
    assert (
        client.put(
            f"{API}/responses/{rid}/answers/q1", {"value": 1}, content_type="application/json"
        ).status_code
        == 404
    )
    assert not Answer.objects.exists()
