"""Absence (缺席): the psychological teacher or the class teacher marks an assigned student absent, and the
coverage page counts it (issue 3, progress: "assigned, consented, refused, started, submitted, absent")."""

from __future__ import annotations

import pytest
from django.urls import reverse

from screening.campaigns import selectors
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import CampaignStatus


@pytest.fixture
def campaign(world):
    return launched_campaign(world, instruments=("gad-7",))


def _absent_in_a1(world, campaign) -> int:
    rows, _suppressed = selectors.coverage(world.psych, campaign)
    return sum(r.counts["absent"] for r in rows if r.school_class == world.a1.name)


def test_a_class_teacher_marks_a_student_absent_and_coverage_counts_it(world, login, campaign):
    a = assignment_of(campaign, world.student_a1)
    got = login(world.class_teacher).post(
        reverse("screening:mark_absent", kwargs={"pk": a.pk}), {"absent": "1"}
    )
    assert got.status_code == 302
    a.refresh_from_db()
    assert a.absent
    assert _absent_in_a1(world, campaign) == 1
    page = login(world.psych).get(reverse("screening:coverage", kwargs={"pk": campaign.pk}))
    assert page.status_code == 200


def test_a_psych_teacher_marks_a_student_present_again(world, login, campaign):
    a = assignment_of(campaign, world.student_a1)
    client = login(world.psych)
    url = reverse("screening:mark_absent", kwargs={"pk": a.pk})
    client.post(url, {"absent": "1"})
    got = client.post(url, {"absent": "0"})
    assert got.status_code == 302 and got["Location"] == reverse(
        "screening:coverage", kwargs={"pk": campaign.pk}
    )
    a.refresh_from_db()
    assert not a.absent
    assert _absent_in_a1(world, campaign) == 0


def test_another_class_s_teacher_cannot_mark_the_student_absent(world, login, campaign):
    a = assignment_of(campaign, world.student_a1)
    got = login(world.other_class_teacher).post(reverse("screening:mark_absent", kwargs={"pk": a.pk}))
    assert got.status_code == 404
    a.refresh_from_db()
    assert not a.absent


def test_a_plain_teacher_may_not_mark_absence(world, login, campaign):
    a = assignment_of(campaign, world.student_a1)
    got = login(world.teacher).post(reverse("screening:mark_absent", kwargs={"pk": a.pk}))
    assert got.status_code == 403


def test_absence_is_refused_once_the_campaign_is_closed(world, login, campaign):
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    a = assignment_of(campaign, world.student_a1)
    got = login(world.class_teacher).post(reverse("screening:mark_absent", kwargs={"pk": a.pk}))
    assert got.status_code == 409
    a.refresh_from_db()
    assert not a.absent
