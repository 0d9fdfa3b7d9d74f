"""Demo rows of the district centre for ``seed_demo`` (issue 15: a newcomer sees the off-hours route working after
``make run``): every district centre's duty roster from today for eight days — the district counselor on duty
16:00 to 08:00 the next morning, and all day at weekends. A step registered by ``counseling.centre.providers``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from counseling.centre.models import DutyShift
from org.models import NodeKind, Post, Role

DAYS = 8


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def seed(now: dt.datetime) -> str:
    today = timezone.localdate(now)
    shifts = []
    counselors = Post.objects.active(today).filter(role=Role.DISTRICT_COUNSELOR, node__kind=NodeKind.DISTRICT)
    for post in counselors.select_related("node"):
        for k in range(-1, DAYS):  # from last night, so that the roster covers the early morning too
            day = today + dt.timedelta(days=k)
            if day.weekday() >= 5:  # weekends: the day shift too
                shifts.append((post, _at(day, 8), _at(day, 16)))
            shifts.append((post, _at(day, 16), _at(day + dt.timedelta(days=1), 8)))
    DutyShift.objects.bulk_create(
        [
            DutyShift(district=p.node, counselor_id=p.user_id, starts_at=s, ends_at=e, created_at=now)
            for p, s, e in shifts
        ]
    )
    return f"{len(shifts)} district duty shifts"
