"""Demo rows of the school counseling room for ``seed_demo`` (issue 15: a newcomer sees the off-hours route working
after ``make run``): the demo district's own help line, and the demo school's counseling room with its
psychological teacher on duty in school hours, Monday to Friday. A step registered by
``counseling.rooms.providers`` (the district centre's duty roster: ``counseling.centre.demo``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from counseling.rooms.models import CounselingRoom, DistrictLinks, RoomDutyShift
from org.demo.logins import DEMO_DISTRICT_CODE, DEMO_SCHOOL_CODE
from org.models import Node, NodeKind, Post, Role

DEMO_DISTRICT_LINE = {"number": "010-62345678", "name": "海淀区心理咨询中心热线（演示号码）"}


def seed(now: dt.datetime) -> str:
    today = timezone.localdate(now)
    district = Node.objects.filter(kind=NodeKind.DISTRICT, code=DEMO_DISTRICT_CODE).first()
    if district is not None:
        DistrictLinks.objects.update_or_create(
            district=district,
            defaults={
                "platform_name": "海淀区中小学生心理服务平台（演示）",
                "hotlines": [
                    {"number": "12356", "name": "全国心理援助热线"},
                    {"number": "12355", "name": "青少年服务台"},
                    DEMO_DISTRICT_LINE,
                ],
            },
        )
    rooms = 0
    school = Node.objects.filter(kind=NodeKind.SCHOOL, code=DEMO_SCHOOL_CODE).first()
    if school is not None:
        for campus in Node.objects.filter(parent=school, kind=NodeKind.CAMPUS).order_by("pk"):
            # The campus's own psychological teacher, else the school's.
            teachers = Post.objects.active(today).filter(role=Role.PSYCH_TEACHER)
            psych = teachers.filter(node=campus).first() or teachers.filter(node=school).first()
            if psych is None:
                continue
            room = CounselingRoom.objects.create(school=school, campus=campus, name="心理辅导室")
            rooms += 1
            RoomDutyShift.objects.bulk_create(
                [
                    RoomDutyShift(
                        room=room,
                        counselor_id=psych.user_id,
                        weekday=weekday,
                        starts=dt.time(8, 0),
                        ends=dt.time(17, 30),
                        valid_from=today - dt.timedelta(days=1),
                    )
                    for weekday in range(5)
                ]
            )
    return f"the demo district's line, {rooms} counseling rooms on duty"
