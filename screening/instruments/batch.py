"""Vectorized scoring (批量重新计分): the same rules as `screening.instruments.scoring.score`, over a numpy matrix of answer
sheets — rows are responses, columns the instrument's items in definition order. `NaN` is unanswered and
`REFUSED_CODE` (-1) a refusal. Used by re-scoring (`manage.py rescore`) to re-score a year's responses under a
new instrument version in seconds (issue 3, deliverable 6; bench/rescore_bench.py).

A property test checks that `score_many` and `score` agree on random sheets; when you change one, change both.
Reasons (the bilingual sentences) are not built here: they are per row and cheap to get from `score()` for the
rows that need them (the flagged ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from screening.instruments import Instrument
from screening.instruments.scoring import LEVELS, REFUSED, LevelRules

REFUSED_CODE = -1.0


def _cmp(values: np.ndarray, op: str, bound: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if op == ">=":
            return values >= bound
        if op == ">":
            return values > bound
        if op == "<=":
            return values <= bound
        if op == "<":
            return values < bound
        return values == bound


@dataclass(frozen=True)
class BatchResult:
    instrument_id: str
    version: str
    variant: str | None
    valid: np.ndarray  # bool (n,)
    scores: dict[str, np.ndarray]  # float (n,), NaN where the score is None
    bands: dict[str, np.ndarray]  # str (n,), "" where no band
    positive: np.ndarray  # bool (n,)
    critical: np.ndarray  # bool (n,): any critical rule fired
    critical_rules: dict[str, np.ndarray]  # rule id → bool (n,)
    acute: np.ndarray  # bool (n,)
    level_rank: np.ndarray  # int8 (n,): index into LEVELS

    @property
    def levels(self) -> np.ndarray:
        """Suggested level per row as strings ("none" | "yellow" | "orange" | "red")."""
        return np.asarray(LEVELS)[self.level_rank]

    def __len__(self) -> int:
        return int(self.valid.shape[0])


def answers_to_row(instrument: Instrument, answers: Mapping[str, int | None | str]) -> np.ndarray:
    """One answer sheet as a matrix row (unknown items are ignored here; `score()` rejects them)."""
    row = np.full(len(instrument.items), np.nan)
    for j, item in enumerate(instrument.items):
        v = answers.get(item.id)
        if v == REFUSED:
            row[j] = REFUSED_CODE
        elif v is not None:
            row[j] = float(v)
    return row


def matrix_from_answers(
    instrument: Instrument, sheets: Iterable[Mapping[str, int | None | str]]
) -> np.ndarray:
    rows = [answers_to_row(instrument, a) for a in sheets]
    if not rows:
        return np.empty((0, len(instrument.items)))
    return np.vstack(rows)


def score_many(
    instrument: Instrument,
    matrix: np.ndarray,
    *,
    variant: str | None = None,
    seconds: np.ndarray | None = None,
    rules: LevelRules | None = None,
) -> BatchResult:
    """Score every row of `matrix` (n × items). `seconds` (same shape, NaN = not recorded) enables the too-fast
    rule. Raises ValueError naming the first bad cell (out of range, or a refusal where not refusable)."""
    items = instrument.items
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != len(items):
        raise ValueError(f"{instrument.id}: expected a matrix of n × {len(items)} items, got shape {m.shape}")
    n = m.shape[0]
    thresholds = instrument.thresholds_for(variant)
    col = {item.id: j for j, item in enumerate(items)}

    isnan = np.isnan(m)
    refused = m == REFUSED_CODE
    for j, item in enumerate(items):
        ok = isnan[:, j] | np.isin(m[:, j], item.values)
        if item.refusable:
            ok |= refused[:, j]
        if not ok.all():
            i = int(np.argmin(ok))
            raise ValueError(
                f"{instrument.abbr} row {i} {item.id}: {float(m[i, j]):g} is out of range (allowed: {item.values})"
            )

    answered = ~isnan & ~refused
    shown = np.ones_like(answered)
    for j, item in enumerate(items):
        cond = item.show_if
        if cond is None:
            continue
        vis = np.zeros(n, dtype=bool)
        for other in cond.items:
            k = col[other]
            vis |= answered[:, k] & _cmp(m[:, k], cond.op, cond.value)
            if cond.or_refused:
                vis |= refused[:, k]
        shown[:, j] = vis
    answered &= shown

    keyed = np.where(answered, m, 0.0)
    present = answered.copy()
    for j, item in enumerate(items):
        if item.reverse:
            keyed[:, j] = np.where(answered[:, j], item.low + item.high - m[:, j], 0.0)
        hidden = ~shown[:, j]
        if hidden.any():
            keyed[hidden, j] = item.low  # not asked: counts as its lowest value, never as missing
            present[hidden, j] = True

    scored_cols = [col[i] for i in instrument.scored_item_ids]
    validity = instrument.validity
    if scored_cols:
        missing = (shown[:, scored_cols] & ~answered[:, scored_cols]).sum(axis=1)
    else:
        missing = np.zeros(n, dtype=np.int64)
    scorable = np.ones(n, dtype=bool) if validity.max_missing is None else missing <= validity.max_missing
    valid = scorable.copy()

    if validity.min_median_seconds is not None and seconds is not None:
        sec = np.asarray(seconds, dtype=np.float64)
        timed = np.where(shown & ~isnan & ~np.isnan(sec), sec, np.nan)
        has = ~np.isnan(timed).all(axis=1)
        med = np.full(n, np.inf)
        if has.any():
            med[has] = np.nanmedian(timed[has], axis=1)
        valid &= ~(med < validity.min_median_seconds)

    if validity.straight_line is not None and scored_cols:
        given = answered[:, scored_cols]
        vals = m[:, scored_cols]
        count = given.sum(axis=1)
        hi = np.where(given, vals, -np.inf).max(axis=1)
        lo = np.where(given, vals, np.inf).min(axis=1)
        valid &= ~((count >= validity.straight_line.min_items) & (hi == lo))

    scores: dict[str, np.ndarray] = {}
    bands: dict[str, np.ndarray] = {}
    for s in instrument.scores:
        idx = [col[i] for i in s.items]
        k = present[:, idx].sum(axis=1)
        total = keyed[:, idx].sum(axis=1)
        size = len(idx)
        full = k == size
        if s.missing == "zero":
            raw = total / size if s.method == "mean" else total
        else:
            raw = np.full(n, np.nan)
            raw[full] = total[full] / size if s.method == "mean" else total[full]
            if s.missing == "prorate":
                part = ~full & (k > 0)
                if s.method == "mean":
                    raw[part] = total[part] / k[part]
                else:
                    raw[part] = np.floor(total[part] * size / k[part] + 0.5)
        value = raw * s.multiplier
        value[~scorable] = np.nan
        scores[s.id] = value
        if s.bands:
            mins = np.asarray([b.min for b in s.bands])
            codes = np.asarray([""] + [b.code for b in s.bands])
            pos = np.searchsorted(mins, np.nan_to_num(value, nan=-np.inf), side="right")
            pos[np.isnan(value)] = 0
            bands[s.id] = codes[pos]

    for rule in validity.invalid_if:
        valid &= ~_cmp(scores[rule.score], rule.op, rule.value)

    positive = np.zeros(n, dtype=bool)
    for t in thresholds:
        positive |= valid & _cmp(scores[t.score], t.op, t.value)

    unanswered_shown = isnan & shown
    crit: dict[str, np.ndarray] = {}
    acute = np.zeros(n, dtype=bool)
    for rule in instrument.critical:
        hit = np.zeros(n, dtype=bool)
        for item_id in rule.items:
            j = col[item_id]
            hit |= answered[:, j] & _cmp(m[:, j], rule.op, rule.value)
            if rule.on_refused:
                hit |= refused[:, j] & shown[:, j]
            if rule.on_missing:
                hit |= unanswered_shown[:, j]
        crit[rule.id] = hit
        if rule.acute:
            acute |= hit
        if rule.marks_positive:
            positive |= hit
    any_critical = np.zeros(n, dtype=bool)
    for hit in crit.values():
        any_critical |= hit

    rank = np.zeros(n, dtype=np.int8)
    for lr in (rules or LevelRules.default()).rules:
        if lr.instruments and instrument.id not in lr.instruments:
            continue
        if lr.when == "acute":
            mask = acute
        elif lr.when == "critical":
            mask = np.zeros(n, dtype=bool)
            for rule_id, hit in crit.items():
                if not lr.critical or rule_id in lr.critical:
                    mask |= hit
        elif lr.when == "critical_count":
            counts = np.zeros(n, dtype=np.int16)
            for rule_id, hit in crit.items():
                if not lr.critical or rule_id in lr.critical:
                    counts += hit
            mask = counts >= (lr.min_count or 2)
        elif lr.when == "positive":
            mask = positive
        elif lr.score is not None and lr.value is not None and lr.score in scores:
            mask = valid & _cmp(scores[lr.score], lr.op, lr.value)
        else:
            continue
        np.maximum(rank, np.where(mask, np.int8(LEVELS.index(lr.level)), np.int8(0)), out=rank)

    return BatchResult(
        instrument_id=instrument.id,
        version=instrument.version,
        variant=variant or instrument.default_variant,
        valid=valid,
        scores=scores,
        bands=bands,
        positive=positive,
        critical=any_critical,
        critical_rules=crit,
        acute=acute,
        level_rank=rank,
    )
