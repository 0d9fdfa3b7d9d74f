"""Screening's demo rows (seed_demo, issue 15): what a district meets before its first campaign.

The demo district (海淀) has recorded the WHO-5 licence, so its administrator's home card counts the licensed
instruments still missing and the licence page shows both states; its officer has a draft campaign with the
default battery (the ASQ from grade 5), whose launch is blocked with a link to the licence page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from org.demo.logins import DEMO_DISTRICT_CODE
from org.models import Node, NodeKind, SchoolYear, User


def seed(*, progress=lambda _m: None) -> None:
    from screening import services

    district = Node.objects.filter(kind=NodeKind.DISTRICT, code=DEMO_DISTRICT_CODE).first()
    admin = User.objects.filter(username="district_admin").first()
    officer = User.objects.filter(username="district_officer").first()
    if district is None or admin is None or officer is None:
        return
    from screening.models import InstrumentLicence

    # Written as data, not through record_licence: seeding is no one's action, so it leaves no audit event.
    InstrumentLicence.objects.create(
        district=district,
        instrument_id="who-5",
        recorded_by=admin,
        note="演示：区教委已确认 WHO-5 的使用授权",
    )
    year = SchoolYear.objects.order_by("-start_year").first()
    starts = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    services.create_campaign(
        by=officer,
        organiser=district,
        name="心理健康测评（演示草稿）",
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=5, hours=9),
        school_year=year,
    )
    progress("screening: the WHO-5 licence and a draft campaign with the default battery")
