"""Helpers for the campaign, consent, answering, review and coverage tests: a launched campaign for school A."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from screening import services
from screening.models import AnswerHours, Assignment, BatteryEntry, Campaign, CampaignStatus, ConsentRule


def launched_campaign(world, *, organiser=None, consent_rule=ConsentRule.NOTICE_ALL, instruments=("asq", "gad-7"),
                      starts=None, ends=None, answer_hours=AnswerHours.ALWAYS) -> Campaign:  # fmt: skip
    """These tests answer at the wall clock of the run, so the campaign opens critical questionnaires at any time
    (``answer_hours``); the window rule itself is tested with a frozen clock in test_answer_hours.py."""
    now = timezone.now()
    campaign = services.create_campaign(
        by=world.district_officer,
        organiser=organiser or world.haidian,
        name="2025 秋季测评",
        starts_at=starts or now - dt.timedelta(hours=1),
        ends_at=ends or now + dt.timedelta(days=7),
        consent_rule=consent_rule,
        default_battery=False,
        school_year=world.year,
        answer_hours=answer_hours,
    )
    for order, inst in enumerate(instruments):
        BatteryEntry.objects.create(
            campaign=campaign,
            grade_from=4,
            grade_to=12,
            instrument_id=inst,
            instrument_version="1.0",
            order=order,
        )
    services.launch_campaign(by=world.district_officer, campaign=campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.LAUNCHED
    return campaign


def assignment_of(campaign, student) -> Assignment:
    return Assignment.objects.get(campaign=campaign, student=student)


def started(world, campaign, student=None, user=None):
    """The student agreed and their responses are open; returns (assignment, responses)."""
    a = assignment_of(campaign, student or world.student_a1)
    responses = services.record_assent(user=user or world.student, assignment=a, agreed=True)
    return a, responses
