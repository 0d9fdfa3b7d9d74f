"""Privacy of aggregates (T0, issue 7 deliverable 6): above school level, any count about students'
mental-health status is shown only from ``XINYU_MIN_CELL`` (5) up, with complementary suppression so that a
total minus the shown cells never gives a hidden one back.

The rule for one drill-down table (the children of a node, with the node's own figure as the total) of one
``sensitive`` indicator: numerators and denominators are suppressed column by column with
``screening.campaigns.selectors.suppress_row`` (cells 1–4 hidden; when exactly one is hidden the next smallest is hidden
too); a row whose denominator is hidden has its numerator hidden as well; a share is shown only when both are.
Zero is shown: it identifies nobody. Non-sensitive indicators (staffing, classes, meetings) are never suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from screening.campaigns.selectors import suppress_row


def min_cell() -> int:
    return int(getattr(settings, "XINYU_MIN_CELL", 5))


@dataclass(frozen=True)
class Shown:
    """A figure as shown: numerator and denominator, None where suppressed."""

    numerator: int | None
    denominator: int | None

    @property
    def suppressed(self) -> bool:
        return self.numerator is None or self.denominator is None

    @property
    def share(self) -> float | None:
        if self.suppressed or not self.denominator:
            return None
        return self.numerator / self.denominator


def suppress_table(
    cells: list[tuple[int, int]], total: tuple[int, int], sensitive: bool
) -> tuple[list[Shown], Shown]:
    """Suppress one indicator's children (``cells``) and their parent's figure (``total``) for a viewer above
    school level. The parent's figure is the sum of the children's for every indicator the rollup sums."""
    if not sensitive:
        return [Shown(n, d) for n, d in cells], Shown(*total)
    k = min_cell()
    nums, num_total, _ = suppress_row([n for n, _d in cells], k)
    dens, den_total, _ = suppress_row([d for _n, d in cells], k)
    # A hidden denominator hides its numerator; the numerators' complementary suppression is redone if that
    # left exactly one numerator hidden.
    nums = [None if d is None else n for n, d in zip(nums, dens, strict=True)]
    hidden = [i for i, n in enumerate(nums) if n is None]
    if len(hidden) == 1 and num_total is not None:
        others = [(cells[i][0], i) for i, n in enumerate(nums) if n]
        if others:
            nums[min(others)[1]] = None
        else:
            num_total = None
    out = [Shown(n, d) for n, d in zip(nums, dens, strict=True)]
    return out, Shown(num_total if den_total is not None else None, den_total)


def shown_single(cell: tuple[int, int], sensitive: bool) -> Shown:
    """One figure on its own (a node's headline) for a viewer above school level."""
    if not sensitive:
        return Shown(*cell)
    k = min_cell()
    n, d = cell
    d_shown = None if 0 < d < k else d
    n_shown = None if (0 < n < k or d_shown is None) else n
    return Shown(n_shown, d_shown)
