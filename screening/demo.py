"""Screening's demo rows (seed_demo, issue 15): what a district meets before its first campaign.

The demo district (海淀) has recorded the WHO-5 licence, so its administrator's home card counts the licensed
instruments still missing and the licence page shows both states; its officer has a draft campaign with the
default battery (the ASQ from grade 5), whose launch is blocked with a link to the licence page; and its level
rules have a history of two versions with their reasons (the 预警规则 page)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from org.demo.logins import DEMO_DISTRICT_CODE
from org.models import Node, NodeKind, SchoolYear, User


def seed(*, progress=lambda _m: None) -> None:
    from screening.campaigns import services

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


def seed_level_rules(*, progress=lambda _m: None) -> None:
    """海淀 (the demo district) has customised its level rules twice, so the 预警规则 page shows a real history:
    the district counselor made PHQ-A 中重度 orange, then the district officer did the same for PHQ-9."""
    from org.demo.logins import DEMO_DISTRICT_CODE
    from org.models import Node, User
    from screening.instruments.scoring import LevelRule, LevelRules
    from screening.models import LevelRuleSet
    from screening.rules.level_rules import parse, rules_json

    district = Node.objects.get(code=DEMO_DISTRICT_CODE)
    counselor = User.objects.get(username="district_counselor")
    officer = User.objects.get(username="district_officer")
    phq_a = LevelRule(level="orange", when="score", instruments=["phq-a"], score="total", op=">=", value=15)
    phq_9 = LevelRule(level="orange", when="score", instruments=["phq-9"], score="total", op=">=", value=15)
    first = LevelRules(rules=[*LevelRules.default().rules, phq_a])
    second = LevelRules(rules=[*first.rules, phq_9])
    now = timezone.now()
    # Rows of the past (40 and 12 days ago), written directly: the seed did not make these changes today, so it
    # writes no audit event claiming it; the rules pass the editor's checks all the same.
    for version, rules, by, days, reason in (
        (
            1,
            first,
            counselor,
            40,
            "上学期二阶段访谈复盘：PHQ-A 中重度（≥15）的学生多数需要当天安全评估，改为橙色预警。",
        ),
        (
            2,
            second,
            officer,
            12,
            "与 PHQ-A 保持一致：使用 PHQ-9 的高中同样按总分 ≥15 提示橙色预警（区心理咨询中心同意）。",
        ),
    ):
        parsed, errors = parse(rules_json(rules))
        if parsed is None:
            raise ValueError(f"demo level rules refused: {errors}")
        LevelRuleSet.objects.create(
            district=district,
            version=version,
            rules=rules_json(parsed),
            reason=reason,
            created_by=by,
            created_at=now - dt.timedelta(days=days),
        )
