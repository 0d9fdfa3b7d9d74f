"""Helpers for the campaign, consent, answering, review and coverage tests: a launched campaign for school A."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from screening.campaigns import services
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
    services.launch_campaign(
        by=world.district_officer, campaign=campaign, confirmed=services.launch_summary(campaign).fingerprint
    )
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


ASQ_REASONS = [{"code": "asq.q1", "text": {"zh-hans": "ASQ 第1题：是", "en": "ASQ question 1: yes"}}]


def orange_asq_sheet(world):
    """Student A1's submitted ASQ sheet suggested orange and raised its alert, as the submit does (issue 15's
    review → level → case tests start here). Returns (assignment, alert)."""
    from care.alerts.services import raise_alert
    from screening.models import Result

    a = assignment_of(launched_campaign(world), world.student_a1)
    r = a.responses.create(
        instrument_id="asq", instrument_version="1.0", status="submitted", submitted_at=timezone.now()
    )
    result = Result.objects.create(
        response=r, instrument_id="asq", instrument_version="1.0", valid=True, level="orange", critical=True,
        flags={"reasons": ASQ_REASONS},
    )  # fmt: skip
    alert = raise_alert(
        student=world.student_a1, level="orange", reasons=ASQ_REASONS, source_type="screening.result",
        source_id=str(result.pk), school=world.school_a,
    )  # fmt: skip
    return a, alert
