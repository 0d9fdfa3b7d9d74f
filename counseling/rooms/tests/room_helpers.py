"""Objects of the counseling-room tests: a room on school A's main campus open every day 07:00–21:00, psych on
duty, slots tomorrow."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from counseling.rooms import services
from counseling.rooms.models import CounselingRoom, OpeningHours, Slot

OPEN, CLOSE = dt.time(7, 0), dt.time(21, 0)


def tomorrow_at(hour: int, minute: int = 0, days: int = 1) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def make_room(campus, name: str = "心理辅导室", hours: bool = True) -> CounselingRoom:
    room = CounselingRoom.objects.create(
        school_id=campus.parent_id, campus=campus, name=name, slot_minutes=40
    )
    if hours:
        OpeningHours.objects.bulk_create(
            OpeningHours(room=room, weekday=d, opens=OPEN, closes=CLOSE) for d in range(7)
        )
    return room


def make_slot(room, counselor, starts_at: dt.datetime, minutes: int = 40) -> Slot:
    return Slot.objects.create(
        room=room, counselor=counselor, starts_at=starts_at, ends_at=starts_at + dt.timedelta(minutes=minutes)
    )


def book(world, slot, student=None, by=None):
    student = student or world.student_a1
    return services.book(by=by or student.user or world.student, student=student, slot=slot)
