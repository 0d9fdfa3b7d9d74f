"""``manage.py rescore``: stored responses re-scored under another version; the old results are kept."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from screening.campaigns import services
from screening.campaigns.tests.campaign_helpers import launched_campaign, started
from screening.models import Result


def test_rescore_writes_new_results_next_to_the_old_ones_and_agrees_with_score(world):
    campaign = launched_campaign(world, instruments=("gad-7",))
    _a, (r,) = started(world, campaign)
    for n, v in enumerate([3, 3, 2, 2, 1, 1, 0], start=1):
        services.save_answer(user=world.student, response_id=r.pk, item_id=f"q{n}", value=v)
    services.submit_response(user=world.student, response_id=r.pk, idempotency_key="k")
    live = Result.objects.get(response=r)
    Result.objects.filter(pk=live.pk).update(instrument_version="0.9")  # as if scored under an older version

    out = StringIO()
    call_command("rescore", "--instrument", "gad-7", "--to-version", "1.0", stdout=out)
    assert "re-scored 1 responses" in out.getvalue()
    old, new = Result.objects.filter(response=r).order_by("pk")
    assert old.instrument_version == "0.9" and new.instrument_version == "1.0"
    assert new.scores == live.scores and new.bands == live.bands and new.level == live.level
    # A re-scored result explains its level in the same words as the submitted one.
    assert live.level == "yellow" and live.flags["reasons"]
    for key in ("reasons", "flags", "critical", "invalid_reasons", "positive"):
        assert new.flags[key] == live.flags[key], key

    call_command("rescore", "--instrument", "gad-7", "--to-version", "1.0", stdout=StringIO())
    assert Result.objects.filter(response=r).count() == 2  # nothing left to re-score


def test_rescore_names_an_unknown_version(world):
    with pytest.raises(CommandError):
        call_command("rescore", "--instrument", "gad-7", "--to-version", "9.9", stdout=StringIO())
