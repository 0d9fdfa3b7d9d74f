"""Risk levels (预警等级): red / orange / yellow / none (DESIGN.md, Risk levels).

The system only suggests a level and says why; a human confirms it (``care.alerts.services.confirm_level``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    RED = "red", _("Red")  # 红
    ORANGE = "orange", _("Orange")  # 橙
    YELLOW = "yellow", _("Yellow")  # 黄
    NONE = "none", _("None")  # 无


# Most urgent first: used to order queues and to compare levels.
RANK: dict[str, int] = {RiskLevel.RED: 3, RiskLevel.ORANGE: 2, RiskLevel.YELLOW: 1, RiskLevel.NONE: 0}

# Levels that raise an alert (outbox row, notifications, escalation). Yellow goes to the review queue only.
ALERT_LEVELS: frozenset[str] = frozenset({RiskLevel.RED, RiskLevel.ORANGE})


def rank(level: str) -> int:
    return RANK.get(level, 0)


def reason_texts(reasons: list[dict] | None) -> list[str]:
    """Reasons ``[{"code", "text": {"zh-hans", "en"}}]`` in the reader's language (else the other, else the code)."""
    lang = (get_language() or "zh-hans").lower()
    out = []
    for r in reasons or []:
        text = r.get("text") or {}
        if isinstance(text, str):
            out.append(text)
            continue
        picked = text.get(lang) or text.get("zh-hans" if lang.startswith("zh") else "en")
        out.append(picked or text.get("en") or text.get("zh-hans") or str(r.get("code", "")))
    return out
