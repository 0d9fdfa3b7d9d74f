"""Writes of a district's level rules (预警规则, issue 15; docs/alerts.md): the next version, policy-checked,
validated, audited."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from org.models import Node, User
from screening.campaigns.services import ScreeningError
from screening.rules.models import LevelRuleSet
from screening.rules.selectors import rule_districts, rule_sets_in_force


class RuleSetProblems(ScreeningError):
    """The rules or the reason were refused: every message, nothing saved."""

    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages), 400)
        self.messages = messages


def change_level_rules(
    *,
    by: User,
    district: Node,
    rules: object,
    reason: str,
    based_on: int | None,
    restore_defaults: bool = False,
    request: HttpRequest | None = None,
) -> LevelRuleSet:
    """Save the next version of a district's level rules (it is in force at once, for new results only).

    ``rules``: the JSON of ``LevelRules`` (ignored with ``restore_defaults``: a copy of the built-in defaults);
    ``based_on``: the version the editor showed (0 or None: none) — a save over a newer version is refused, so
    two leads never overwrite each other unseen. Bad rules or no reason: ``RuleSetProblems``, nothing saved.
    Audited (``screening.level_rules.change``)."""
    from access import audit
    from screening.instruments.scoring import LevelRules
    from screening.rules.level_rules import parse, rules_json

    if district.pk not in {d.pk for d in rule_districts(by)}:
        raise ScreeningError(
            _("Only the district's counselors and officers may change its level rules."), 403
        )
    reason = (reason or "").strip()
    errors = [] if reason else [_("Give a reason for the change.")]
    if restore_defaults:
        parsed, rule_errors = LevelRules.default(), []
    else:
        parsed, rule_errors = parse(rules)
    if errors or rule_errors:
        raise RuleSetProblems(rule_errors + errors)
    with transaction.atomic():
        current = (
            rule_sets_in_force(district.pk).select_for_update().values_list("version", flat=True).first()
        )
        if (current or 0) != (based_on or 0):
            raise ScreeningError(
                _(
                    "Someone saved a newer version of these rules meanwhile. Please look at it and edit again."
                ),
                409,
            )
        try:
            with transaction.atomic():
                saved = LevelRuleSet.objects.create(
                    district=district,
                    version=(current or 0) + 1,
                    rules=rules_json(parsed),
                    reason=reason[:2000],
                    is_default=restore_defaults,
                    created_by=by,
                )
        except IntegrityError:  # a concurrent first version (nothing to lock yet)
            raise ScreeningError(
                _(
                    "Someone saved a newer version of these rules meanwhile. Please look at it and edit again."
                ),
                409,
            ) from None
        audit.record(
            actor=by,
            action="screening.level_rules.change",
            obj=saved,
            request=request,
            reason=reason[:500],
            detail={"district": district.pk, "version": saved.version, "defaults": restore_defaults},
        )
    return saved
