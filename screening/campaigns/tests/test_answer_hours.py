"""When questionnaires with critical items may be answered (issue 15 Build 2): the district chooses it for a draft
campaign, the campaign page says which rule applies, and a launched campaign's rule no longer changes."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from access.models import AuditEvent
from screening.campaigns import services
from screening.models import AnswerHours


def _draft(world, **kw):
    now = timezone.now()
    return services.create_campaign(
        by=world.district_officer, organiser=world.haidian, name="秋季测评", starts_at=now,
        ends_at=now + dt.timedelta(days=7), school_year=world.year, **kw,
    )  # fmt: skip


def test_a_new_campaign_opens_critical_questionnaires_only_while_a_responder_is_at_the_school(world, login):
    campaign = _draft(world)
    assert campaign.answer_hours == AnswerHours.RESPONDER
    page = login(world.district_officer).get(reverse("screening:campaign", args=[campaign.pk]))
    assert "含自杀风险题的问卷只在学校有人值守时开放：上学日 08:00–17:30" in page.content.decode()


def test_the_district_opens_a_draft_campaign_to_evenings_and_the_page_says_so(world, login):
    campaign = _draft(world)
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[campaign.pk])
    got = client.post(url, {"action": "answer_hours", "answer_hours": "evenings"}, follow=True)
    campaign.refresh_from_db()
    assert campaign.answer_hours == AnswerHours.EVENINGS
    text = got.content.decode()
    assert "每天 07:00–23:00" in text and "区心理中心值班咨询师" in text
    assert AuditEvent.objects.filter(action="screening.campaign.answer_hours").count() == 1


def test_a_bad_choice_or_a_launched_campaign_leaves_the_rule_as_it_was(world, login):
    campaign = _draft(world, answer_hours=AnswerHours.ALWAYS)
    client = login(world.district_officer)
    url = reverse("screening:campaign", args=[campaign.pk])
    assert client.post(url, {"action": "answer_hours", "answer_hours": "midnight"}).status_code == 400
    campaign.refresh_from_db()
    assert campaign.answer_hours == AnswerHours.ALWAYS
    campaign.status = "launched"
    campaign.save(update_fields=["status"])
    assert client.post(url, {"action": "answer_hours", "answer_hours": "responder"}).status_code == 409
    campaign.refresh_from_db()
    assert campaign.answer_hours == AnswerHours.ALWAYS


def test_the_create_form_takes_the_answering_hours(world, login):
    client = login(world.district_officer)
    now = timezone.localtime()
    client.post(
        reverse("screening:campaigns"),
        {"organiser": world.haidian.pk, "name": "夜间开放", "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
         "ends_at": (now + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "answer_hours": "always"},
    )  # fmt: skip
    from screening.models import Campaign

    assert Campaign.objects.get(name="夜间开放").answer_hours == AnswerHours.ALWAYS


def test_the_students_list_tells_the_hours_of_a_campaign_that_does_not_open_at_any_time(world, login):
    from screening.campaigns.tests.campaign_helpers import launched_campaign

    launched_campaign(world, instruments=("asq",), answer_hours=AnswerHours.RESPONDER)
    page = login(world.student).get(reverse("screening:mine")).content.decode()
    assert "部分问卷只在上学日 08:00–17:30、学校有老师值守时开放" in page
    assert "自杀" not in page  # the student's words: no clinical label


def test_the_students_list_says_nothing_of_hours_when_the_campaign_opens_at_any_time(world, login):
    from screening.campaigns.tests.campaign_helpers import launched_campaign

    launched_campaign(world, instruments=("asq",), answer_hours=AnswerHours.ALWAYS)
    page = login(world.student).get(reverse("screening:mine")).content.decode()
    assert "部分问卷只在" not in page
