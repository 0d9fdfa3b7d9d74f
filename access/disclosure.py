"""Statistical disclosure control for every published table (R5.3, R-7.6; issue 19, build 1).

Every table of counts that leaves the school level — supervision pages, their Excel, PDF, API and trends, the
screening coverage and result tables — goes through :func:`protect` before anything is shown. It does what
τ-ARGUS does with a table:

1. **Primary suppression.** A *sensitive* count (a count of students' mental-health status, or of a screening
   group) under ``XINYU_MIN_CELL`` (k = 5) is published as ``"<5"`` — zero included, so a hidden cell may be 0
   and "hidden" never means "at least 1".
2. **Audit.** The published table is a set of linear relations: a total equals the sum of its parts (row,
   column and grand totals; a city equals its districts, a district its schools), and optionally a part is at
   most another (a numerator is at most its denominator). For each hidden cell two linear programs
   (``scipy.optimize.linprog``, HiGHS) over everything published find the cell's feasible range
   [min, max]: shown cells are fixed, a cell shown as ``"<5"`` lies in 0..k−1, a cell shown as ``"×"``
   (hidden to protect another) is any count ≥ 0.
3. **Secondary suppression** continues, cheapest cell first (the smallest count sharing a relation with the
   exposed cell or a hidden cell linked to it; totals last; of the six cheapest, the first that protects it on
   its own, else the one that widens its range most), until every hidden cell is *protected*:

   **The protection rule.** A hidden cell is protected when its feasible range holds at least k values
   (``max − min ≥ k − 1``), which for a ``"<5"`` cell means the whole of 0..k−1: the published table tells
   nobody more than "fewer than 5" — neither that it is not 0 nor that it is at most 2. A ``"×"`` cell can
   never be narrowed to fewer than k values (one small cell and one "×" beside it under a total: the "×"
   has exactly k possible values, like the "<5" it hides).

   Hiding one more cell only relaxes the programs (a fixed value becomes a variable whose range contains it),
   so a protected cell stays protected: each hidden cell is audited until it passes, once.
4. **Attribute disclosure** (:func:`one_category_holds_all`): a distribution row (levels green … red of one
   school × grade × gender) where one category holds everyone tells the level of every member without any
   small cell; such a row is not published at all (:data:`WITHHELD`, with a note on the page).

``fixed`` cells were already published elsewhere (another page's table): the audit may not hide them, only
account for them. ``forced`` cells are hidden because another page hid them.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

SECONDARY = "×"  # a count hidden so that no "<5" can be worked out from the others
WITHHELD = "—"  # a row not published (attribute disclosure)
_EPS = 1e-6
_TRIES = 6  # candidates tried per step of secondary suppression
CACHE_SECONDS = 24 * 3600  # an audit depends only on the table: cached by its contents


def min_cell() -> int:
    """k: sensitive counts below it are published as "<k" above school level (DESIGN.md, Access)."""
    return int(getattr(settings, "XINYU_MIN_CELL", 5))


def primary_mark() -> str:
    return f"<{min_cell()}"


@dataclass(frozen=True)
class Table:
    """A table of counts as linear relations. ``values[i]`` is cell i; ``sums`` are ``(total, parts)``:
    ``values[total] == sum(values[p] for p in parts)``; ``at_most`` are ``(a, b)``: ``values[a] <= values[b]``.
    ``sensitive`` (one flag for all, or one per cell): counts of students' status, suppressed under k."""

    values: Sequence[int]
    sums: Sequence[tuple[int, Sequence[int]]] = ()
    at_most: Sequence[tuple[int, int]] = ()
    sensitive: bool | Sequence[bool] = True

    def is_sensitive(self, i: int) -> bool:
        return self.sensitive if isinstance(self.sensitive, bool) else bool(self.sensitive[i])


@dataclass
class Protected:
    """The outcome: which cells are hidden, and why; ``ranges`` holds for each hidden cell a part of its
    feasible range wide enough to protect it (values it is shown to reach), or its exact range."""

    values: Sequence[int]
    primary: set[int]
    secondary: set[int]
    ranges: dict[int, tuple[float, float]] = field(default_factory=dict)
    programs: int = 0  # linear programs solved

    @property
    def hidden(self) -> set[int]:
        return self.primary | self.secondary

    def shown(self, i: int) -> int | None:
        """The cell as a number, or None when hidden."""
        return None if i in self.primary or i in self.secondary else self.values[i]

    def mark(self, i: int) -> str:
        """How a hidden cell is written: "<5" (a small count) or "×" (hidden to protect another); "" if shown."""
        if i in self.primary:
            return primary_mark()
        return SECONDARY if i in self.secondary else ""

    def text(self, i: int) -> int | str:
        """What a page, a sheet or a PDF prints: the count, or its mark."""
        return self.mark(i) or self.values[i]


def protected_range(lo: float, hi: float, k: int | None = None) -> bool:
    """The protection rule (see the module's docstring): at least k possible values."""
    k = min_cell() if k is None else k
    return hi - lo >= k - 1 - _EPS


def feasible_range(
    table: Table, hidden: set[int], primary: set[int], cell: int, k: int | None = None
) -> tuple[float, float]:
    """The [min, max] of ``cell`` given everything else the table publishes (two HiGHS programs over the
    hidden cells linked to it)."""
    k = min_cell() if k is None else k
    return _Auditor(table, k).range(hidden, primary, cell, exact=True)


class _Auditor:
    def __init__(self, table: Table, k: int) -> None:
        # Only relations that hold are relations: a figure that is not the sum of its rows (a rollup that does
        # not add up, a district-level duty) gives nothing away through them.
        v = table.values
        table = Table(
            v,
            [(t, ps) for t, ps in table.sums if v[t] == sum(v[p] for p in ps)],
            [(a, b) for a, b in table.at_most if v[a] <= v[b]],
            table.sensitive,
        )
        self.t = table
        self.k = k
        self.programs = 0
        self.rel_of: dict[int, list[int]] = defaultdict(list)  # cell -> indices of sums it takes part in
        for r, (total, parts) in enumerate(table.sums):
            for c in {total, *parts}:
                self.rel_of[c].append(r)
        self.le_of: dict[int, list[int]] = defaultdict(list)
        for r, (a, b) in enumerate(table.at_most):
            self.le_of[a].append(r)
            self.le_of[b].append(r)
        # Values each cell is known to reach in some table consistent with what is published (the true table
        # is one; every solution of a program is another). The true range holds [lo, hi] of them, so when
        # these already span k values the cell is protected without a program of its own. Hiding more cells
        # only relaxes the programs, so a point found once stays feasible.
        self.seen: dict[int, list[float]] = {i: [float(x), float(x)] for i, x in enumerate(v)}
        self.probed: set[tuple] = set()

    def component(self, hidden: set[int], cell: int) -> set[int]:
        """The hidden cells linked to ``cell`` through relations that hold more than one hidden cell."""
        seen, todo = {cell}, [cell]
        while todo:
            c = todo.pop()
            linked: set[int] = set()
            for r in self.rel_of[c]:
                total, parts = self.t.sums[r]
                linked.update(x for x in (total, *parts) if x in hidden)
            for r in self.le_of[c]:
                linked.update(x for x in self.t.at_most[r] if x in hidden)
            for x in linked - seen:
                seen.add(x)
                todo.append(x)
        return seen

    def known(self, cell: int) -> tuple[float, float]:
        lo, hi = self.seen[cell]
        return lo, hi

    def range(
        self, hidden: set[int], primary: set[int], cell: int, *, record: bool = True, exact: bool = False
    ) -> tuple[float, float]:
        """The cell's feasible range, or — unless ``exact`` — a part of it already wide enough to protect it.
        ``record``: the hidden set is the real one (not a candidate tried), so solutions are kept as points."""
        if not exact and protected_range(*self.known(cell), self.k):
            return self.known(cell)
        comp = sorted(self.component(hidden, cell))
        quick = self._closed_form(comp, hidden, primary, cell)
        if quick is not None:
            return quick
        if not exact and record and len(comp) > 2:
            # Two programs over the whole group first, pushing its "<5" cells to opposite ends at random: one
            # pair of solutions usually shows most of them reaching both 0 and 4 (a program per cell otherwise).
            key = (frozenset(comp), len(hidden))
            if key not in self.probed:
                self.probed.add(key)
                rnd = random.Random(len(comp) * 7919 + cell)
                signs = {c: rnd.choice((1.0, -1.0)) for c in comp if c in primary}
                for flip in (1.0, -1.0):
                    self._solve(comp, hidden, primary, {c: flip * x for c, x in signs.items()}, record=True)
                if protected_range(*self.known(cell), self.k):
                    return self.known(cell)
        out = []
        for sign in (1.0, -1.0):
            fun = self._solve(comp, hidden, primary, {cell: sign}, record=record)
            if fun is None:  # unbounded: only a maximum can be
                out.append(math.inf)
                if record:
                    self.seen[cell][1] = math.inf
            else:
                out.append(sign * fun)
            if not exact and sign > 0 and record and protected_range(*self.known(cell), self.k):
                return self.known(cell)
        return out[0], out[1]

    def _closed_form(
        self, comp: list[int], hidden: set[int], primary: set[int], cell: int
    ) -> tuple[float, float] | None:
        """The exact range without a program when the linked cells hold no relation (the cell's own bounds) or
        exactly one sum and nothing else (a row and its total: the other cells' bounds give it); else None."""
        rels = {r for c in comp for r in self.rel_of[c]}
        if any(self.le_of[c] for c in comp) or len(rels) > 1:
            return None

        def upper(c: int) -> float:
            return float(self.k - 1) if c in primary else math.inf

        if not rels:
            return 0.0, upper(cell)
        (r,) = rels
        total, parts = self.t.sums[r]
        v = self.t.values
        # sum(sign * x) over hidden cells == const, sign +1 for parts, -1 for the total
        sign = {p: 1.0 for p in parts if p in hidden}
        if total in hidden:
            sign[total] = sign.get(total, 0.0) - 1.0
        const = float(v[total] if total not in hidden else 0) - sum(v[p] for p in parts if p not in hidden)
        if sign.get(cell, 0.0) == 0.0:
            return None
        # x_cell = (const - sum(others)) / sign[cell]; others range over [0, upper]
        lo_rest = sum(min(0.0, s * upper(c)) if upper(c) < math.inf else (-math.inf if s < 0 else 0.0)
                      for c, s in sign.items() if c != cell)  # fmt: skip
        hi_rest = sum(max(0.0, s * upper(c)) if upper(c) < math.inf else (math.inf if s > 0 else 0.0)
                      for c, s in sign.items() if c != cell)  # fmt: skip
        a, b = const - hi_rest, const - lo_rest  # range of sign[cell] * x_cell
        if sign[cell] < 0:
            a, b = -b, -a
        return max(0.0, a), min(upper(cell), b)

    def _solve(
        self,
        comp: list[int],
        hidden: set[int],
        primary: set[int],
        objective: dict[int, float],
        *,
        record: bool,
    ) -> float | None:
        """Minimise ``objective`` over the hidden cells ``comp``; None when unbounded. Solutions are kept as
        points when ``record``."""
        from scipy.optimize import linprog

        v = self.t.values
        col = {c: j for j, c in enumerate(comp)}
        bounds = [(0.0, float(self.k - 1)) if c in primary else (0.0, None) for c in comp]
        eq_rows, eq_b = [], []
        rels = sorted({r for c in comp for r in self.rel_of[c]})
        for r in rels:
            total, parts = self.t.sums[r]
            row = [0.0] * len(comp)
            const = 0.0
            for p in parts:
                if p in col:
                    row[col[p]] += 1.0
                else:
                    const -= v[p]
            if total in col:
                row[col[total]] -= 1.0
            else:
                const += v[total]
            eq_rows.append(row)
            eq_b.append(const)
        ub_rows, ub_b = [], []
        for r in sorted({r for c in comp for r in self.le_of[c]}):
            a, b = self.t.at_most[r]
            row = [0.0] * len(comp)
            const = 0.0
            if a in col:
                row[col[a]] += 1.0
            else:
                const -= v[a]
            if b in col:
                row[col[b]] -= 1.0
            else:
                const += v[b]
            ub_rows.append(row)
            ub_b.append(const)
        c = [0.0] * len(comp)
        for cell, weight in objective.items():
            c[col[cell]] = weight
        res = linprog(
            c,
            A_ub=ub_rows or None,
            b_ub=ub_b or None,
            A_eq=eq_rows or None,
            b_eq=eq_b or None,
            bounds=bounds,
            method="highs",
        )
        self.programs += 1
        if res.status == 3:
            return None
        if res.status != 0:  # the published table contradicts itself: never happens with true counts
            raise ValueError(f"disclosure audit: infeasible table ({res.message})")
        if record:
            for cell, x in zip(comp, res.x, strict=True):
                seen = self.seen[cell]
                seen[0], seen[1] = min(seen[0], x), max(seen[1], x)
        return float(res.fun)

    def candidates(self, hidden: set[int], fixed: set[int], cell: int) -> list[int]:
        """Shown cells that may be hidden to protect ``cell``, cheapest first: those sharing a relation with any
        hidden cell linked to it. Cost: the count (totals after every part)."""
        is_total = {total for total, _parts in self.t.sums}
        near: set[int] = set()
        for c in self.component(hidden, cell):
            for r in self.rel_of[c]:
                total, parts = self.t.sums[r]
                near.update(x for x in (total, *parts) if x not in hidden and x not in fixed)
            for r in self.le_of[c]:
                near.update(x for x in self.t.at_most[r] if x not in hidden and x not in fixed)
        return sorted(near, key=lambda x: (x in is_total, self.t.values[x], x))

    def choose(self, hidden: set[int], primary: set[int], fixed: set[int], cell: int) -> int | None:
        """The cheapest of the few cheapest candidates that protects ``cell`` on its own; else the one that
        widens its range most (τ-ARGUS's "hypercube" idea, greedily)."""
        options = self.candidates(hidden, fixed, cell)
        best: tuple[float, int] | None = None
        for x in options[:_TRIES]:
            lo, hi = self.range(hidden | {x}, primary, cell, record=False)
            if protected_range(lo, hi, self.k):
                return x
            if best is None or hi - lo > best[0] + _EPS:
                best = (hi - lo, x)
        return best[1] if best is not None else None


def protect(
    table: Table,
    *,
    forced: Iterable[int] = (),
    fixed: Iterable[int] = (),
    k: int | None = None,
    use_cache: bool = True,
) -> Protected:
    """Primary suppression, then audit and secondary suppression until every hidden cell is protected.
    ``forced``: hidden because another page hid them; ``fixed``: already published, may not be hidden."""
    k = min_cell() if k is None else k
    fixed_set = set(fixed)
    forced = sorted(set(forced))
    key = None
    if use_cache:  # the same table is audited once: pages, exports, the API and trends print the same figures
        raw = repr((k, list(table.values), [(t, list(p)) for t, p in table.sums], list(table.at_most),
                    table.sensitive if isinstance(table.sensitive, bool) else list(table.sensitive),
                    forced, sorted(fixed_set)))  # fmt: skip
        key = "access:disclosure:" + hashlib.sha256(raw.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            return hit
    primary = {
        i for i, x in enumerate(table.values) if table.is_sensitive(i) and x < k and i not in fixed_set
    }
    secondary = {i for i in forced if i not in primary}
    auditor = _Auditor(table, k)
    ranges: dict[int, tuple[float, float]] = {}
    todo = sorted(primary | secondary)
    while todo:
        cell = todo.pop(0)
        while True:
            hidden = primary | secondary
            lo, hi = auditor.range(hidden, primary, cell)
            if protected_range(lo, hi, k):
                ranges[cell] = (lo, hi)
                break
            choice = auditor.choose(hidden, primary, fixed_set, cell)
            if choice is None:  # nothing left to hide: everything it links to is published elsewhere
                log.warning(
                    "disclosure audit: a hidden cell stays narrower than %s values (%s..%s)", k, lo, hi
                )
                ranges[cell] = (lo, hi)
                break
            secondary.add(choice)
            todo.append(choice)
    out = Protected(list(table.values), primary, secondary, ranges, auditor.programs)
    if key is not None:
        cache.set(key, out, CACHE_SECONDS)
    return out


def audit(table: Table, hidden: set[int], primary: set[int], k: int | None = None) -> dict[int, tuple]:
    """Each hidden cell's exact feasible range under a given pattern (two programs per cell)."""
    k = min_cell() if k is None else k
    auditor = _Auditor(table, k)
    return {c: auditor.range(hidden, primary, c, exact=True) for c in sorted(hidden)}


# --- common shapes -------------------------------------------------------------------------------------------


def row_with_total(cells: Sequence[int], *, sensitive: bool = True) -> Table:
    """One row and its total: cells 0..n−1, the total at n."""
    n = len(cells)
    return Table([*cells, sum(cells)], [(n, tuple(range(n)))], sensitive=sensitive)


def two_way(cells: Sequence[Sequence[int]], *, sensitive: bool = True) -> tuple[Table, dict]:
    """A rows × columns table with row totals, column totals and the grand total. Returns the table and
    ``{"cell": (r, c) -> i, "row": r -> i, "col": c -> i, "grand": i}``."""
    rows, cols = len(cells), len(cells[0]) if cells else 0
    values: list[int] = []
    idx: dict = {"cell": {}, "row": {}, "col": {}}
    for r in range(rows):
        for c in range(cols):
            idx["cell"][(r, c)] = len(values)
            values.append(int(cells[r][c]))
    for r in range(rows):
        idx["row"][r] = len(values)
        values.append(sum(int(x) for x in cells[r]))
    for c in range(cols):
        idx["col"][c] = len(values)
        values.append(sum(int(cells[r][c]) for r in range(rows)))
    idx["grand"] = len(values)
    values.append(sum(values[idx["row"][r]] for r in range(rows)))
    sums = [(idx["row"][r], tuple(idx["cell"][(r, c)] for c in range(cols))) for r in range(rows)]
    sums += [(idx["col"][c], tuple(idx["cell"][(r, c)] for r in range(rows))) for c in range(cols)]
    sums.append((idx["grand"], tuple(idx["row"].values())))
    sums.append((idx["grand"], tuple(idx["col"].values())))
    return Table(values, sums, sensitive=sensitive), idx


def hierarchy(tree: dict, values: dict, *, sensitive: bool = True) -> tuple[Table, dict]:
    """A hierarchical table (city → districts → schools): ``tree`` maps a node key to its children's keys,
    ``values`` every node's count. Returns the table and ``{key: index}``."""
    keys = list(values)
    index = {key: i for i, key in enumerate(keys)}
    sums = [(index[p], tuple(index[c] for c in kids)) for p, kids in tree.items() if kids]
    return Table([int(values[key]) for key in keys], sums, sensitive=sensitive), index


def one_category_holds_all(cells: Sequence[int]) -> bool:
    """Attribute disclosure: everyone in the row is in one category (a level, a band)."""
    total = sum(cells)
    return total > 0 and max(cells) == total
