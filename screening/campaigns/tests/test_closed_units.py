"""Closed units (撤销, issue 18): a campaign launched after a school or campus was closed targets none of its
students (still on the roll because the roster was not updated), and the other schools' students as before."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from org.models import Node
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.models import Assignment

pytestmark = pytest.mark.django_db


def test_a_campaign_launched_after_a_closing_targets_no_student_of_the_closed_units(world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Node.objects.subtree(world.school_b).update(closed_on=yesterday)
    Node.objects.subtree(world.campus_a_east).update(closed_on=yesterday)
    campaign = launched_campaign(world)
    targeted = set(Assignment.objects.filter(campaign=campaign).values_list("student_id", flat=True))
    assert world.student_a1.pk in targeted and world.student_a1b.pk in targeted
    assert world.student_b1.pk not in targeted  # the closed school
    assert world.student_a2.pk not in targeted  # the closed east campus
