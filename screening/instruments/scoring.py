"""Scoring one answer sheet (计分): scores, bands, validity, positive screens, critical items and a suggested risk
level with human-readable reasons (issue 3, deliverable 6; R5.3).

Pure functions over an `Instrument` definition and a mapping item id → value (an int from the item's response
set, `REFUSED`, or None for unanswered). No database: campaigns call `score()` inside the submit's transaction;
`screening.instruments.batch.score_many` is the vectorized twin for re-scoring (the two agree; a property test checks it).

Rules the definitions cannot change:
- Critical rules apply to every sheet, valid or not: a suicide-risk answer on a sheet answered too fast is still
  a suicide-risk answer.
- Positive thresholds apply only to valid sheets; an invalid sheet says why in `invalid_reasons`.
- Items hidden by `show_if` are not asked: answers to them are ignored, they count as their lowest value and
  never as missing.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from screening.instruments import Instrument, Item
from screening.instruments.schema import Op, compare

REFUSED = "refused"
LEVELS = ("none", "yellow", "orange", "red")  # low to high
OP_SIGN = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}

Answer = int | None | str


@dataclass(frozen=True)
class Reason:
    """Why: a stable code for machines and the same sentence in Chinese and English for people."""

    code: str
    text: dict[str, str]

    def to_json(self) -> dict:
        return {"code": self.code, "text": dict(self.text)}


@dataclass(frozen=True)
class ScoreResult:
    instrument_id: str
    version: str
    valid: bool
    invalid_reasons: tuple[Reason, ...]
    scores: dict[str, float | None]
    bands: dict[str, str]
    positive: bool
    flags: tuple[Reason, ...]
    critical: tuple[Reason, ...]
    acute: bool
    level: str
    level_reasons: tuple[Reason, ...]
    variant: str | None = None
    critical_rules: tuple[str, ...] = field(default=())  # ids of the critical rules that fired

    def to_json(self) -> dict:
        return {
            "instrument_id": self.instrument_id,
            "version": self.version,
            "variant": self.variant,
            "valid": self.valid,
            "invalid_reasons": [r.to_json() for r in self.invalid_reasons],
            "scores": dict(self.scores),
            "bands": dict(self.bands),
            "positive": self.positive,
            "flags": [r.to_json() for r in self.flags],
            "critical": [r.to_json() for r in self.critical],
            "critical_rules": list(self.critical_rules),
            "acute": self.acute,
            "level": self.level,
            "level_reasons": [r.to_json() for r in self.level_reasons],
        }


# -- risk level rules (DESIGN.md "Risk levels"), data a district may override ----------------------------------


class LevelRule(BaseModel):
    """One way a result raises a level.

    when: "acute" — an acute critical answer (ASQ Q5); "critical" — any critical answer (optionally only the rules
    named in `critical`); "critical_count" — at least `min_count` different critical rules fired on the same sheet
    (counted among `critical`, or among all the instrument's critical rules when empty; issue 15: several
    independent signals together); "positive" — a positive screen; "score" — `score op value` on a valid sheet.
    `instruments` empty → any instrument. Whether a district's rules fit the instruments is checked by
    `screening.rules.level_rules.problems` (Chinese messages for the editor)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    level: Literal["red", "orange", "yellow"]
    when: Literal["acute", "critical", "critical_count", "positive", "score"]
    instruments: list[str] = Field(default_factory=list)
    critical: list[str] = Field(default_factory=list)
    score: str | None = None
    op: Op = ">="
    value: float | None = None
    min_count: int | None = Field(default=None, ge=2)


class LevelRules(BaseModel):
    """预警规则 — the suggested-level rules. `LevelRules.default()` is DESIGN.md's table; a district stores its own
    as JSON (`LevelRules.model_validate(data)`). A human confirms every level: these only suggest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[LevelRule]

    @classmethod
    def default(cls) -> LevelRules:
        return _DEFAULT_RULES


_DEFAULT_RULES = LevelRules(
    rules=[
        # red: ASQ acute positive (NIMH ASQ toolkit: imminent risk, STAT safety evaluation)
        LevelRule(level="red", when="acute"),
        # red: PHQ-A past-month serious thoughts of ending one's life AND a lifetime attempt on the same sheet —
        # current ideation in a student who has acted before. The C-SSRS screener rates ideation with intent or
        # plan in the past month, or behaviour in the past 3 months, high risk; the PHQ-A cannot rule either out
        # (it asks neither intent nor when the attempt was, and has no "right now" question like ASQ Q5), so the
        # pair is treated as possible imminent risk until a safety evaluation says otherwise (docs/alerts.md).
        LevelRule(
            level="red",
            when="critical_count",
            instruments=["phq-a"],
            critical=["past_month_thoughts", "ever_attempted"],
            min_count=2,
        ),
        # orange: any other critical answer (ASQ non-acute positive or refusal; PHQ-9/PHQ-A item 9 ≥ 1;
        # PHQ-A past-month thoughts or past attempt) and the severe bands
        LevelRule(level="orange", when="critical"),
        LevelRule(
            level="orange", when="score", instruments=["phq-9", "phq-a"], score="total", op=">=", value=20
        ),
        LevelRule(level="orange", when="score", instruments=["gad-7"], score="total", op=">=", value=15),
        # yellow: a positive screen without critical answers. The cut-offs are the instruments' thresholds:
        # PHQ-A ≥ 11, GAD-7 ≥ 10, CES-DC > 15, SCARED ≥ 25, WHO-5 ≤ 50, PSC-17 ≥ 15, K6 ≥ 13 (and PHQ-2/GAD-2 ≥ 3).
        LevelRule(level="yellow", when="positive"),
    ]
)


# -- answers ---------------------------------------------------------------------------------------------------


def _item(instrument: Instrument, item_id: str) -> Item:
    try:
        return instrument.item(item_id)
    except KeyError:
        raise ValueError(f"{instrument.id} {instrument.version} has no item {item_id!r}") from None


def validate_answer(instrument: Instrument, item_id: str, value: object) -> None:
    """Raise ValueError with a clear message for an unknown item, a value outside the item's response set, or a
    refusal where the item cannot be refused. None (unanswered) is always allowed."""
    item = _item(instrument, item_id)
    if value is None:
        return
    if value == REFUSED:
        if not item.refusable:
            raise ValueError(f"{instrument.abbr} {item.id} cannot be refused")
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(
            f"{instrument.abbr} {item.id}: answer must be one of {item.values} or null, not {value!r}"
        )
    if value not in item.values:
        raise ValueError(f"{instrument.abbr} {item.id}: {value} is out of range (allowed: {item.values})")


def _is_shown(item: Item, answers: Mapping[str, Answer]) -> bool:
    cond = item.show_if
    if cond is None:
        return True
    for other in cond.items:
        v = answers.get(other)
        if v == REFUSED:
            if cond.or_refused:
                return True
        elif isinstance(v, int) and compare(v, cond.op, cond.value):
            return True
    return False


def visible_items(instrument: Instrument, answers: Mapping[str, Answer]) -> list[Item]:
    """The items a student is shown given the answers so far (ASQ Q5 only after a positive Q1–Q4)."""
    return [i for i in instrument.items if _is_shown(i, answers)]


# -- scoring ---------------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _en_lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label[:2] != label[:2].upper() else label


def _item_reason(code: str, instrument: Instrument, item: Item, value: Answer) -> Reason:
    name = item.name()
    if value == REFUSED:
        return Reason(
            code,
            {
                "zh-hans": f"{instrument.abbr} {name['zh-hans']} 拒绝回答",
                "en": f"{instrument.abbr} {name['en']}: refused to answer",
            },
        )
    if value is None:
        return Reason(
            code,
            {
                "zh-hans": f"{instrument.abbr} {name['zh-hans']} 未作答",
                "en": f"{instrument.abbr} {name['en']}: left blank",
            },
        )
    label = item.option_label(int(value))
    return Reason(
        code,
        {
            "zh-hans": f"{instrument.abbr} {name['zh-hans']} = {value}（{label.get('zh-hans', '')}）",
            "en": f"{instrument.abbr} {name['en']} = {value}: {_en_lower(label.get('en', ''))}",
        },
    )


def _score_reason(
    code: str, instrument: Instrument, score_id: str, value: float, op: str, bound: float, note: dict
) -> Reason:
    label = instrument.score_def(score_id).label
    zh = f"{instrument.abbr} {label['zh-hans']} {_num(value)} {OP_SIGN[op]} {_num(bound)}"
    en = f"{instrument.abbr} {label['en']} {_num(value)} {OP_SIGN[op]} {_num(bound)}"
    if note:
        zh += f"（{note.get('zh-hans', '')}）"
        en += f" ({note.get('en', '')})"
    return Reason(code, {"zh-hans": zh, "en": en})


def compute_score(instrument: Instrument, score_id: str, keyed: Mapping[str, int | None]) -> float | None:
    """One score from keyed values (None = unanswered). Shared by `score()`; `batch` mirrors it."""
    s = instrument.score_def(score_id)
    vals = [keyed[i] for i in s.items if keyed.get(i) is not None]
    n, k = len(s.items), len(vals)
    total = sum(vals)
    if k == n or s.missing == "zero":
        raw = total / n if s.method == "mean" else total
    elif s.missing == "prorate" and k > 0:
        raw = total / k if s.method == "mean" else math.floor(total * n / k + 0.5)
    else:
        return None
    value = raw * s.multiplier
    if s.method == "sum" and float(value).is_integer():
        return int(value)
    return value


def band_of(instrument: Instrument, score_id: str, value: float) -> str | None:
    code = None
    for b in instrument.score_def(score_id).bands:
        if value >= b.min:
            code = b.code
    return code


def score(
    instrument: Instrument,
    answers: Mapping[str, Answer],
    *,
    variant: str | None = None,
    seconds_per_item: Mapping[str, float] | None = None,
    rules: LevelRules | None = None,
) -> ScoreResult:
    """Score one sheet. Raises ValueError for an unknown item, an out-of-range value, a refusal where not allowed
    or an unknown variant — never a half-scored result."""
    for item_id, value in answers.items():
        validate_answer(instrument, item_id, value)
    thresholds = instrument.thresholds_for(variant)
    shown = {i.id for i in visible_items(instrument, answers)}
    raw: dict[str, Answer] = {i.id: (answers.get(i.id) if i.id in shown else None) for i in instrument.items}
    keyed: dict[str, int | None] = {}
    for item in instrument.items:
        v = raw[item.id]
        if item.id not in shown:
            keyed[item.id] = item.low  # not asked: never missing
        else:
            keyed[item.id] = item.keyed(v) if isinstance(v, int) else None

    abbr = instrument.abbr
    invalid: list[Reason] = []
    scored = [i for i in instrument.scored_item_ids if i in shown]
    missing = sum(1 for i in scored if not isinstance(raw[i], int))
    validity = instrument.validity
    scorable = validity.max_missing is None or missing <= validity.max_missing
    if not scorable:
        invalid.append(
            Reason(
                "not_scorable",
                {
                    "zh-hans": f"{abbr} 有 {missing} 题未作答（最多允许 {validity.max_missing} 题），无法计分",
                    "en": f"{abbr}: {missing} items unanswered (at most {validity.max_missing} allowed): not scorable",
                },
            )
        )
    if validity.min_median_seconds is not None and seconds_per_item:
        times = [
            float(seconds_per_item[i]) for i in shown if i in seconds_per_item and raw.get(i) is not None
        ]
        if times and statistics.median(times) < validity.min_median_seconds:
            med = statistics.median(times)
            invalid.append(
                Reason(
                    "too_fast",
                    {
                        "zh-hans": f"{abbr} 作答过快：每题用时中位数 {med:.1f} 秒，低于 {validity.min_median_seconds:g} 秒",
                        "en": f"{abbr} answered too fast: median {med:.1f} s per item, under {validity.min_median_seconds:g} s",
                    },
                )
            )
    if validity.straight_line is not None:
        given = [raw[i] for i in scored if isinstance(raw[i], int)]
        if len(given) >= validity.straight_line.min_items and len(set(given)) == 1:
            invalid.append(
                Reason(
                    "straight_line",
                    {
                        "zh-hans": f"{abbr} {len(given)} 题答案完全相同（含反向计分题），答卷不可信",
                        "en": f"{abbr}: the same answer on all {len(given)} items, reverse-keyed ones included: not credible",
                    },
                )
            )

    scores: dict[str, float | None] = {}
    bands: dict[str, str] = {}
    for s in instrument.scores:
        value = compute_score(instrument, s.id, keyed) if scorable else None
        scores[s.id] = value
        if value is not None and s.bands:
            code = band_of(instrument, s.id, value)
            if code is not None:
                bands[s.id] = code
    for rule in validity.invalid_if:
        v = scores.get(rule.score)
        if v is not None and compare(v, rule.op, rule.value):
            invalid.append(Reason(f"invalid:{rule.id}", dict(rule.reason)))
    valid = not invalid

    flags: list[Reason] = []
    if valid:
        for t in thresholds:
            v = scores.get(t.score)
            if v is not None and compare(v, t.op, t.value):
                flags.append(
                    _score_reason(f"threshold:{t.id}", instrument, t.score, v, t.op, t.value, t.label)
                )

    critical: list[Reason] = []
    fired: list[str] = []
    acute = False
    for rule in instrument.critical:
        hits = []
        for item_id in rule.items:
            if item_id not in shown:
                continue
            v = raw[item_id]
            hit = (
                (v == REFUSED and rule.on_refused)
                or (v is None and rule.on_missing)
                or (isinstance(v, int) and compare(v, rule.op, rule.value))
            )
            if hit:
                hits.append(
                    _item_reason(f"critical:{rule.id}:{item_id}", instrument, instrument.item(item_id), v)
                )
        if hits:
            fired.append(rule.id)
            critical.extend(hits)
            acute = acute or rule.acute
            if rule.marks_positive:
                flags.extend(hits)
    positive = bool(flags)

    result = ScoreResult(
        instrument_id=instrument.id,
        version=instrument.version,
        variant=variant or instrument.default_variant,
        valid=valid,
        invalid_reasons=tuple(invalid),
        scores=scores,
        bands=bands,
        positive=positive,
        flags=tuple(flags),
        critical=tuple(critical),
        critical_rules=tuple(fired),
        acute=acute,
        level="none",
        level_reasons=(),
    )
    level, reasons = suggest_level(instrument, result, rules or LevelRules.default())
    return ScoreResult(**{**result.__dict__, "level": level, "level_reasons": reasons})


def _applies(rule: LevelRule, instrument_id: str) -> bool:
    return not rule.instruments or instrument_id in rule.instruments


def suggest_level(
    instrument: Instrument, result: ScoreResult, rules: LevelRules
) -> tuple[str, tuple[Reason, ...]]:
    """The highest level any rule raises, with the reasons of the rules at that level (DESIGN.md: the system only
    suggests, and says why)."""
    best = 0
    reasons: list[Reason] = []
    for rule in rules.rules:
        if not _applies(rule, instrument.id):
            continue
        got: Iterable[Reason] = ()
        if rule.when == "acute" and result.acute:
            got = [r for r in result.critical if _rule_of(r) in _acute_rules(instrument)]
        elif rule.when == "critical" and result.critical:
            got = [r for r in result.critical if not rule.critical or _rule_of(r) in rule.critical]
        elif rule.when == "critical_count" and result.critical_rules:
            counted = {c for c in result.critical_rules if not rule.critical or c in rule.critical}
            if len(counted) >= (rule.min_count or 2):
                got = [r for r in result.critical if _rule_of(r) in counted]
        elif rule.when == "positive" and result.positive:
            got = result.flags
        elif rule.when == "score" and result.valid and rule.score is not None and rule.value is not None:
            v = result.scores.get(rule.score)
            if v is not None and compare(v, rule.op, rule.value):
                got = [
                    _score_reason(f"level:{rule.score}", instrument, rule.score, v, rule.op, rule.value, {})
                ]
        got = list(got)
        if not got:
            continue
        rank = LEVELS.index(rule.level)
        if rank > best:
            best, reasons = rank, []
        if rank == best:
            reasons.extend(r for r in got if r.code not in {x.code for x in reasons})
    return LEVELS[best], tuple(reasons)


def _rule_of(reason: Reason) -> str:
    return reason.code.split(":")[1] if reason.code.startswith("critical:") else ""


def _acute_rules(instrument: Instrument) -> set[str]:
    return {c.id for c in instrument.critical if c.acute}
