"""Deadlines of each step of a referral (R13). Settings with these defaults (overridable):

    XINYU_REFERRAL_STEP_DAYS = {"proposed": 5, "consented": 2, "sent": 14, "appointment": 1, "seen": 14,
                                "feedback": 10}                             # calendar days in each step

Referral steps count calendar days (the institution's time is not the school's); the "appointment" step counts
from the appointment itself.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from care.models import Referral, ReferralStatus

DEFAULT_REFERRAL_STEP_DAYS: dict[str, int] = {
    ReferralStatus.PROPOSED: 5,  # to get the guardians' consent
    ReferralStatus.CONSENTED: 2,  # to send it
    ReferralStatus.SENT: 14,  # for the institution to give an appointment
    ReferralStatus.APPOINTMENT: 1,  # after the appointment, to record that the student was seen
    ReferralStatus.SEEN: 14,  # for the institution's feedback
    ReferralStatus.FEEDBACK: 10,  # to be back at school with a support plan
}


def referral_step_due(referral: Referral) -> dt.datetime | None:
    """When the referral's current step should be over (``None``: finished or cancelled)."""
    table = {**DEFAULT_REFERRAL_STEP_DAYS, **getattr(settings, "XINYU_REFERRAL_STEP_DAYS", {})}
    days = table.get(referral.status)
    if days is None:
        return None
    start = referral.status_at
    if referral.status == ReferralStatus.APPOINTMENT and referral.appointment_at:
        start = referral.appointment_at
    return start + dt.timedelta(days=int(days))


def referral_overdue(referral: Referral, now: dt.datetime | None = None) -> bool:
    due = referral_step_due(referral)
    return due is not None and due < (now or timezone.now())
