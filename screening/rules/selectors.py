"""Reads of a district's level rules (预警规则, issue 15): who edits them, the versions in force."""

from __future__ import annotations

from access.policy import posts_of
from org.models import Node, NodeKind, Role, User
from screening.rules.models import LevelRuleSet


def rule_sets_in_force(district):
    """The district's rule-set versions, newest (the one in force) first. ``district``: a pk or an expression."""
    return LevelRuleSet.objects.filter(district_id=district).order_by("-version")


# The district's clinical leads: its counselors (区心理咨询中心, who take escalated alerts) and its officers
# (心理教研员, who run its screening). Nobody else edits a district's rules (docs/alerts.md).
RULE_EDITOR_ROLES = frozenset({Role.DISTRICT_COUNSELOR, Role.DISTRICT_OFFICER})


def rule_districts(user: User) -> list[Node]:
    """The districts whose level rules ``user`` may edit (a post of an editor role at the district)."""
    seen: dict[int, Node] = {}
    for p in posts_of(user):
        if p.role in RULE_EDITOR_ROLES and p.node.kind == NodeKind.DISTRICT:
            seen.setdefault(p.node_id, p.node)
    return list(seen.values())


def level_rule_history(district) -> list:
    """Every version of the district's level rules, newest (in force) first, each with ``parsed`` (its
    ``LevelRules``) and who saved it. No one's personal data; the caller has checked the user edits the district."""
    from screening.rules.level_rules import rules_of

    rows = list(
        LevelRuleSet.objects.filter(district=district).select_related("created_by").order_by("-version")
    )
    for rs in rows:
        rs.parsed = rules_of(rs.pk, rs.rules)
    return rows
