from __future__ import annotations

import datetime as dt

from django.utils import timezone

from counseling.centre.models import DutyShift


def put_on_duty(world, user=None, now=None, hours: int = 4) -> DutyShift:
    now = now or timezone.now()
    return DutyShift.objects.create(
        district=world.haidian,
        counselor=user or world.district_counselor,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=hours),
        created_at=now,
    )
