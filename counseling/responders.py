"""Who is on duty now, told to care (issue 15 Build 2): ``care.alerts.responders`` asks, counseling knows. Registered in
``CounselingConfig.ready()`` so that care (a lower layer) never imports counseling.

- a school's psychological teachers on its counseling rooms' weekly duty roster (``RoomDutyShift``) at a moment,
  or ``None`` when the school keeps no roster at all that day (care then counts the teachers in post);
- the district counseling centre's counselors on duty (``DutyShift``);
- the district's own help lines: the numbers of the district's ``DistrictLinks`` (set on the links page).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from care.alerts.responders import DutyProvider, register_duty_provider
from counseling.centre.services import on_duty
from counseling.rooms.links import links_for
from counseling.rooms.models import RoomDutyShift
from org.models import Node, User


def school_on_duty(school: Node, at: dt.datetime) -> list[User] | None:
    """The psychological teachers on duty in the school's rooms at ``at``; ``None``: no roster kept that day."""
    local = timezone.localtime(at)
    day = local.date()
    shifts = RoomDutyShift.objects.filter(
        room__school=school, room__is_active=True, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    if not shifts.exists():
        return None
    now = shifts.filter(weekday=day.weekday(), starts__lte=local.time(), ends__gt=local.time())
    return list(User.objects.filter(pk__in=now.values("counselor_id"), is_active=True).order_by("pk"))


def district_lines(node: Node) -> list[dict]:
    return list(links_for(node).hotlines)


def register() -> None:
    register_duty_provider(
        DutyProvider(school_on_duty=school_on_duty, district_on_duty=on_duty, district_lines=district_lines)
    )
