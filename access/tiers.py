"""Data tiers T0–T4 (DESIGN.md, Access)."""

from __future__ import annotations

from enum import IntEnum

from django.utils.translation import gettext_lazy as _


class Tier(IntEnum):
    T0 = 0  # aggregates; cells under XINYU_MIN_CELL suppressed
    T1 = 1  # roster: name, class, student number
    T2 = 2  # attention flag: level colour, no score
    T3 = 3  # clinical: answers, scores, cases, plans, referrals
    T4 = 4  # counseling session notes: the author only

    @property
    def label(self) -> str:
        return str(TIER_LABELS[self])


TIER_LABELS = {
    Tier.T0: _("T0 aggregates"),
    Tier.T1: _("T1 roster"),
    Tier.T2: _("T2 attention flag"),
    Tier.T3: _("T3 clinical"),
    Tier.T4: _("T4 counseling notes"),
}
