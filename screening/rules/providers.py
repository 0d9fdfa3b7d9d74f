"""What the level rules register at start-up: the editors' navigation item and the demo's rule history."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from screening.campaigns.providers import nav_item
from xinyu.web.navigation import NavItem


# issue 15: the district's clinical leads edit its level rules (预警规则)
def nav_level_rules(request: HttpRequest) -> NavItem | None:
    from screening.rules.selectors import RULE_EDITOR_ROLES

    return nav_item(request, set(RULE_EDITOR_ROLES), _("Level rules"), "screening:level_rules_home", 45)


def seed_level_rules(*, progress=lambda _m: None) -> None:
    """海淀 (the demo district) has customised its level rules twice, so the 预警规则 page shows a real history:
    the district counselor made PHQ-A 中重度 orange, then the district officer did the same for PHQ-9."""
    from org.demo.logins import DEMO_DISTRICT_CODE
    from org.models import Node, User
    from screening.instruments.scoring import LevelRule, LevelRules
    from screening.rules.level_rules import parse, rules_json
    from screening.rules.models import LevelRuleSet

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


def register() -> None:
    from org.demo.seed import register_demo_step
    from xinyu.web.navigation import register_nav_item

    register_nav_item(nav_level_rules)
    register_demo_step(seed_level_rules)  # the demo district's level rules have a history (issue 15)
