"""Care-pathway indicators (R12, R13): red and orange cases whose guardians were reached in time, referrals whose
outcome is tracked. Both count students' mental-health status: ``sensitive`` in the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Min, Q
from django.utils import timezone

from care.alerts.deadlines import SchoolCalendar
from care.alerts.levels import ALERT_LEVELS
from care.contacts import deadlines
from care.contacts.selectors import contact_state
from care.models import Case, GuardianContact, Referral, ReferralStatus
from care.referrals.deadlines import referral_overdue
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import bounds, ids_filter
from supervision.indicators.models import Period

SENT_ON = [
    ReferralStatus.SENT, ReferralStatus.APPOINTMENT, ReferralStatus.SEEN, ReferralStatus.FEEDBACK,
    ReferralStatus.RETURNED,
]  # fmt: skip
OUTCOME_KNOWN = {ReferralStatus.FEEDBACK, ReferralStatus.RETURNED}


def guardians_contacted(
    period: Period, node_ids: Iterable[int] | None, now: dt.datetime | None = None
) -> dict[int, Cell]:
    """R12 (sensitive): red and orange cases opened in the period whose guardians were first reached by the
    level's deadline, over those cases reached or past their deadline — the rule of
    ``care.contacts.selectors.guardian_contact_timeliness`` (the same deadlines, ``care.contacts.deadlines
    .contact_deadline`` with one school calendar, and states "in_time" / "late" / "overdue"; "waiting" is not
    counted yet), narrowed to red and orange. Two queries."""
    lo, hi = bounds(period)
    now = now or timezone.now()
    rows = list(
        Case.objects.filter(
            opened_at__gte=lo,
            opened_at__lt=hi,
            level__in=list(ALERT_LEVELS),
            **ids_filter("school_id", node_ids),
        )
        .annotate(first_reached=Min("guardian_contacts__at", filter=Q(guardian_contacts__reached=True)))
        .values_list("school_id", "school__district__code", "level", "opened_at", "first_reached")
    )
    calendar = SchoolCalendar(period.starts_on, days=(period.ends_on - period.starts_on).days + 120)
    out: dict[int, list[int]] = {}
    for school_id, code, level, opened_at, reached in rows:
        deadline = deadlines.contact_deadline(level, opened_at, code, calendar)
        state = contact_state(deadline, reached, now)
        if state in ("none", "waiting"):
            continue
        cell = out.setdefault(school_id, [0, 0])
        cell[0] += state == "in_time"
        cell[1] += 1
    return {pk: (n, d) for pk, (n, d) in out.items()}


def referrals_tracked(
    period: Period, node_ids: Iterable[int] | None, now: dt.datetime | None = None
) -> dict[int, Cell]:
    """R13 (sensitive): referrals proposed in the period and sent to an institution whose outcome is tracked —
    the institution's feedback received (or the student back at school), or the current step still within its
    days (``care.referrals.deadlines.referral_overdue``) — over the referrals sent. One query."""
    lo, hi = bounds(period)
    now = now or timezone.now()
    out: dict[int, list[int]] = {}
    for r in Referral.objects.filter(
        proposed_at__gte=lo, proposed_at__lt=hi, status__in=SENT_ON, **ids_filter("school_id", node_ids)
    ).only("pk", "school_id", "status", "status_at", "appointment_at"):
        cell = out.setdefault(r.school_id, [0, 0])
        cell[0] += r.status in OUTCOME_KNOWN or not referral_overdue(r, now)
        cell[1] += 1
    return {pk: (n, d) for pk, (n, d) in out.items()}


def _contact_school(contact: GuardianContact) -> list[int]:
    return list(Case.objects.filter(pk=contact.case_id).values_list("school_id", flat=True))


WATCHES = {
    "care.Case": lambda c: [c.school_id],
    "care.GuardianContact": _contact_school,
    "care.Referral": lambda r: [r.school_id],
}
