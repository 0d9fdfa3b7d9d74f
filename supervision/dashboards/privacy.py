"""Privacy of aggregates (T0, issue 7 deliverable 6; issue 19 build 1): above school level, a count about
students' mental-health status under ``XINYU_MIN_CELL`` (5) is shown as "<5" — zero included — and every table
is audited by ``access.disclosure`` before it is shown: a linear program per hidden cell over the published
totals, and secondary suppression ("×") until no hidden cell can be narrowed below the protection interval.

One indicator's drill-down table (the children of a node, with the node's own figure as the total) is two
additive tables, numerators and denominators, linked by "a numerator is at most its denominator"; both are
audited together. A row whose denominator is hidden has its numerator hidden as well; a share is shown only
when both are. Non-sensitive indicators (staffing, classes, meetings) are never suppressed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from access.disclosure import SECONDARY, Protected, Table, min_cell, primary_mark, protect

__all__ = ["Shown", "min_cell", "protect_pairs", "shown_single", "suppress_table"]


@dataclass(frozen=True)
class Shown:
    """A figure as shown: numerator and denominator, None where suppressed, with how each hidden one is
    written ("<5" or "×")."""

    numerator: int | None
    denominator: int | None
    num_mark: str = ""
    den_mark: str = ""

    @property
    def suppressed(self) -> bool:
        return self.numerator is None or self.denominator is None

    @property
    def share(self) -> float | None:
        if self.suppressed or not self.denominator:
            return None
        return self.numerator / self.denominator

    @property
    def num_text(self) -> str:
        return str(self.numerator) if self.numerator is not None else (self.num_mark or primary_mark())

    @property
    def den_text(self) -> str:
        return str(self.denominator) if self.denominator is not None else (self.den_mark or primary_mark())


def _shown(p: Protected, n: int, d: int) -> Shown:
    num, den = p.shown(n), p.shown(d)
    num_mark = p.mark(n)
    if den is None and num is not None:  # a hidden denominator hides its numerator (hiding more is safe)
        num, num_mark = None, SECONDARY
    return Shown(num, den, num_mark, p.mark(d))


def protect_pairs(
    cells: Sequence[tuple[int, int]],
    groups: Sequence[tuple[tuple[int, int] | int, Sequence[int]]],
    *,
    forced: Sequence[Shown | None] = (),
    fixed: Sequence[Shown | None] = (),
    forced_groups: Sequence[Shown | None] = (),
    fixed_groups: Sequence[Shown | None] = (),
) -> tuple[list[Shown], list[Shown]]:
    """A table of (numerator, denominator) cells and totals, audited by ``access.disclosure.protect``.
    ``groups``: (the total, the indexes of the cells it sums); the total is a figure of its own, or the index of
    one of the cells (a district is a row of the city's table and the total of its schools). ``forced``/``fixed``
    per cell: how another page already shows it (its hidden parts stay hidden; its shown parts are published
    and may not be hidden again); ``forced_groups``/``fixed_groups`` the same for the totals. Returns the cells
    and the totals as shown."""
    m = len(cells)
    own = [j for j, (t, _parts) in enumerate(groups) if not isinstance(t, int)]
    g = len(own)
    values = [n for n, _d in cells] + [d for _n, d in cells]
    values += [groups[j][0][0] for j in own] + [groups[j][0][1] for j in own]  # type: ignore[index]
    num = list(range(m)) + [2 * m + j for j in range(g)]
    den = [m + i for i in range(m)] + [2 * m + g + j for j in range(g)]
    at: list[int] = []  # the position of each group's total among num/den
    for j, (t, _parts) in enumerate(groups):
        at.append(t if isinstance(t, int) else m + own.index(j))
    sums = []
    for j, (_t, parts) in enumerate(groups):
        sums.append((num[at[j]], tuple(num[i] for i in parts)))
        sums.append((den[at[j]], tuple(den[i] for i in parts)))
    at_most = list(zip(num, den, strict=True))
    hide: list[int] = []
    keep: list[int] = []
    for given, is_fixed, where in (
        (_pad(forced, m), False, list(range(m))),
        (_pad(fixed, m), True, list(range(m))),
        (_pad(forced_groups, len(groups)), False, at),
        (_pad(fixed_groups, len(groups)), True, at),
    ):
        for j, s in enumerate(given):
            if s is None:
                continue
            for idx, value in ((num[where[j]], s.numerator), (den[where[j]], s.denominator)):
                if value is None:
                    hide.append(idx)
                elif is_fixed:
                    keep.append(idx)
    p = protect(Table(values, sums, at_most, sensitive=True), forced=hide, fixed=keep)
    shown = [_shown(p, num[i], den[i]) for i in range(m + g)]
    return shown[:m], [shown[a] for a in at]


def _pad(xs: Sequence[Shown | None], n: int) -> list[Shown | None]:
    return [*xs, *([None] * (n - len(xs)))][:n]


def suppress_table(
    cells: list[tuple[int, int]], total: tuple[int, int], sensitive: bool
) -> tuple[list[Shown], Shown]:
    """Suppress one indicator's children (``cells``) and their parent's figure (``total``) for a viewer above
    school level, audited as one table (the parent's figure is the sum of the children's for every indicator
    the rollup sums). Tables linked to others go through :func:`protect_pairs`."""
    if not sensitive:
        return [Shown(n, d) for n, d in cells], Shown(*total)
    rows, (shown_total,) = protect_pairs(cells, [(total, range(len(cells)))])
    return rows, shown_total


def shown_single(cell: tuple[int, int], sensitive: bool) -> Shown:
    """One figure on its own (a node's headline) for a viewer above school level."""
    if not sensitive:
        return Shown(*cell)
    (shown,), _ = protect_pairs([cell], [])
    return shown
