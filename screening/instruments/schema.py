"""The instrument definition format (测评量表定义) — one versioned YAML file per instrument (issue 3, deliverable 1).

A definition says everything scoring needs: items and response sets, reverse keying, conditional items, scores
(sum or mean, multiplier, subscales by item list, what to do with missing answers), bands per score, positive
thresholds with named variants (adult vs adolescent cut-offs), critical-item rules (refusal included), and
validity rules (too many missing, too fast, straight-lining, a lie scale). Licensed instruments (MHT, C-SSRS,
…) are expressible without their item texts, so a district holding a licence can load its own file.

The models are frozen: a loaded definition is shared by every request and must never change under them.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

LANGS = ("zh-hans", "en")
Text = dict[str, str]
Op = Literal[">=", ">", "<=", "<", "=="]
ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def compare(value: float, op: str, bound: float) -> bool:
    if op == ">=":
        return value >= bound
    if op == ">":
        return value > bound
    if op == "<=":
        return value <= bound
    if op == "<":
        return value < bound
    return value == bound


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _bilingual(value: Text, what: str) -> Text:
    missing = [lang for lang in LANGS if not value.get(lang, "").strip()]
    if missing:
        raise ValueError(f"{what} needs text in {', '.join(missing)}")
    return value


class Option(_Frozen):
    """One answer of a response set: the stored value and its label."""

    value: int
    label: Text

    @field_validator("label")
    @classmethod
    def _both_languages(cls, v: Text) -> Text:
        return _bilingual(v, "an option label")


class Condition(_Frozen):
    """show_if: the item is shown only when ANY of `items` satisfies `op value` (or was refused, when
    `or_refused`). ASQ Q5: any of q1–q4 ≥ 1, or refused."""

    items: list[str] = Field(min_length=1)
    op: Op = ">="
    value: int = 1
    or_refused: bool = False


class Item(_Frozen):
    id: str
    text: Text = Field(default_factory=dict)  # empty for licensed definitions
    label: Text = Field(
        default_factory=dict
    )  # how reasons name it ("第9题" / "item 9"); derived from id if empty
    response_set: list[Option] = Field(min_length=2)
    required: bool = False
    refusable: bool = False
    reverse: bool = False
    show_if: Condition | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not ITEM_ID.match(v):
            raise ValueError(f"item id {v!r} must be lowercase letters, digits and _ (e.g. q1)")
        return v

    @model_validator(mode="after")
    def _options(self) -> Item:
        values = [o.value for o in self.response_set]
        if len(set(values)) != len(values):
            raise ValueError(f"item {self.id}: response values repeat")
        if self.reverse and sorted(values) != list(range(min(values), max(values) + 1)):
            raise ValueError(f"item {self.id}: a reverse item needs consecutive response values")
        return self

    @property
    def values(self) -> list[int]:
        return [o.value for o in self.response_set]

    @property
    def low(self) -> int:
        return min(self.values)

    @property
    def high(self) -> int:
        return max(self.values)

    def keyed(self, value: int) -> int:
        """The value as it counts in scores (reverse items flipped)."""
        return self.low + self.high - value if self.reverse else value

    def option_label(self, value: int) -> Text:
        for o in self.response_set:
            if o.value == value:
                return o.label
        return {}

    def name(self) -> Text:
        if self.label:
            return self.label
        digits = re.sub(r"\D", "", self.id)
        if digits:
            return {"zh-hans": f"第{int(digits)}题", "en": f"item {int(digits)}"}
        return {"zh-hans": self.id, "en": self.id}


class Band(_Frozen):
    code: str
    label: Text
    min: float
    max: float


class Score(_Frozen):
    """A total or subscale. method sum|mean over the keyed values of `items`, times `multiplier`.
    missing: "none" → the score is None when any of its items is unanswered; "zero" → blanks count 0
    (PSC-17); "prorate" → the mean of the answered items × the item count, rounded half up (CES-DC).
    Whether a sheet with that many blanks is scorable at all is the validity rule `max_missing`."""

    id: str
    label: Text
    items: list[str] = Field(min_length=1)
    method: Literal["sum", "mean"] = "sum"
    multiplier: float = 1
    missing: Literal["none", "zero", "prorate"] = "none"
    bands: list[Band] = Field(default_factory=list)


class Threshold(_Frozen):
    """A positive screen: score `op value`. `variants` empty → applies whatever variant the campaign chose."""

    id: str
    score: str
    op: Op
    value: float
    variants: list[str] = Field(default_factory=list)
    label: Text = Field(default_factory=dict)  # e.g. {"en": "adolescent cut-off"}


class CriticalRule(_Frozen):
    """A critical answer: any of `items` with a keyed value `op value` (or refused, or — for an item the
    student was shown — left blank). `acute` marks an imminent-risk answer (ASQ Q5); `marks_positive` makes a hit
    a positive screen in itself (ASQ)."""

    id: str
    items: list[str] = Field(min_length=1)
    op: Op = ">="
    value: int = 1
    on_refused: bool = False
    on_missing: bool = False
    acute: bool = False
    marks_positive: bool = False


class InvalidIf(_Frozen):
    """The sheet is invalid when score `op value` — e.g. an MHT lie scale ≥ 7."""

    id: str
    score: str
    op: Op
    value: float
    reason: Text

    @field_validator("reason")
    @classmethod
    def _both_languages(cls, v: Text) -> Text:
        return _bilingual(v, "an invalid-if reason")


class StraightLine(_Frozen):
    """Straight-lining: the same raw answer on every answered item, over at least `min_items` items. Declared only
    where reverse-keyed items make identical raw answers contradictory (CES-DC): on PHQ-9 an all-0 sheet is a
    healthy student, not a careless one."""

    min_items: int = Field(ge=2)


class Validity(_Frozen):
    max_missing: int | None = None  # more unanswered scored items than this → not scorable
    min_median_seconds: float | None = None  # median seconds per answered item below this → too fast
    straight_line: StraightLine | None = None
    invalid_if: list[InvalidIf] = Field(default_factory=list)


class Instrument(_Frozen):
    id: str
    version: str
    abbr: str  # as reasons name it: "PHQ-A"
    title: Text  # the clinical title, for staff ("青少年患者健康问卷（PHQ-A）")
    # What a student reads (issue 15): a neutral title ("心情小问卷") on every student-facing page and in the
    # student API, never the clinical one — a child is not told they are being screened for a disorder.
    student_title: Text
    licence: Literal["free", "confirm", "licensed"]
    attribution: Text
    source: str = ""
    translation_status: dict[str, Literal["original", "official", "unvalidated", "none"]] = Field(
        default_factory=dict
    )
    min_grade: int = Field(ge=1, le=12)
    max_grade: int = Field(ge=1, le=12)
    min_age: int = Field(ge=5, le=99)
    max_age: int = Field(ge=5, le=99)
    recall: Text
    instructions: Text = Field(default_factory=dict)
    items: list[Item] = Field(min_length=1)
    scores: list[Score] = Field(default_factory=list)
    variants: dict[str, Text] = Field(default_factory=dict)
    default_variant: str | None = None
    thresholds: list[Threshold] = Field(default_factory=list)
    critical: list[CriticalRule] = Field(default_factory=list)
    validity: Validity = Field(default_factory=Validity)
    response_sets: dict[str, list[Option]] = Field(default_factory=dict)  # shared sets items name by key

    @model_validator(mode="before")
    @classmethod
    def _resolve_response_sets(cls, data: object) -> object:
        """Items may name a shared `response_sets:` entry instead of repeating the options."""
        if isinstance(data, dict) and "response_sets" in data:
            sets = data["response_sets"] or {}
            items = []
            for item in data.get("items", []):
                if isinstance(item, dict) and isinstance(item.get("response_set"), str):
                    name = item["response_set"]
                    if name not in sets:
                        raise ValueError(f"item {item.get('id')}: unknown response set {name!r}")
                    item = {**item, "response_set": sets[name]}
                items.append(item)
            data = {**data, "items": items}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        _bilingual(self.title, "title")
        _bilingual(self.student_title, "student title")
        _bilingual(self.attribution, "attribution")
        _bilingual(self.recall, "recall period")
        if self.min_grade > self.max_grade or self.min_age > self.max_age:
            raise ValueError("grade and age ranges must run low to high")
        ids = [i.id for i in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError("item ids repeat")
        known = set(ids)
        by_id = {i.id: i for i in self.items}
        for item in self.items:
            if self.licence != "licensed":
                _bilingual(item.text, f"item {item.id}")
            if item.show_if:
                unknown = set(item.show_if.items) - known
                if unknown:
                    raise ValueError(f"item {item.id}: show_if names unknown items {sorted(unknown)}")
        score_ids = [s.id for s in self.scores]
        if len(set(score_ids)) != len(score_ids):
            raise ValueError("score ids repeat")
        for s in self.scores:
            unknown = set(s.items) - known
            if unknown:
                raise ValueError(f"score {s.id}: unknown items {sorted(unknown)}")
            if len(set(s.items)) != len(s.items):
                raise ValueError(f"score {s.id}: an item is listed twice")
            _check_bands(s, score_range(s, by_id))
        if self.variants and self.default_variant not in self.variants:
            raise ValueError("default_variant must name one of the variants")
        for t in self.thresholds:
            if t.score not in score_ids:
                raise ValueError(f"threshold {t.id}: unknown score {t.score!r}")
            bad = set(t.variants) - set(self.variants)
            if bad:
                raise ValueError(f"threshold {t.id}: unknown variants {sorted(bad)}")
        for c in self.critical:
            unknown = set(c.items) - known
            if unknown:
                raise ValueError(f"critical rule {c.id}: unknown items {sorted(unknown)}")
            if c.on_refused and not any(by_id[i].refusable for i in c.items):
                raise ValueError(f"critical rule {c.id}: on_refused but none of its items is refusable")
        for rule in self.validity.invalid_if:
            if rule.score not in score_ids:
                raise ValueError(f"invalid_if {rule.id}: unknown score {rule.score!r}")
        return self

    # -- lookups ---------------------------------------------------------------------------------------------
    def item(self, item_id: str) -> Item:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)

    def score_def(self, score_id: str) -> Score:
        for s in self.scores:
            if s.id == score_id:
                return s
        raise KeyError(score_id)

    def score_range(self, score_id: str) -> tuple[float, float]:
        return score_range(self.score_def(score_id), {i.id: i for i in self.items})

    @property
    def scored_item_ids(self) -> list[str]:
        """Items that count in some score, in item order."""
        used = {i for s in self.scores for i in s.items}
        return [i.id for i in self.items if i.id in used]

    def thresholds_for(self, variant: str | None) -> list[Threshold]:
        chosen = variant or self.default_variant
        if variant is not None and variant not in self.variants:
            known = ", ".join(self.variants) or "none"
            raise ValueError(f"{self.id}: unknown variant {variant!r} (known: {known})")
        return [t for t in self.thresholds if not t.variants or chosen in t.variants]


def score_range(score: Score, by_id: dict[str, Item]) -> tuple[float, float]:
    items = [by_id[i] for i in score.items]
    if score.method == "mean":
        lo, hi = min(i.low for i in items), max(i.high for i in items)
    else:
        lo, hi = sum(i.low for i in items), sum(i.high for i in items)
    return lo * score.multiplier, hi * score.multiplier


def _check_bands(score: Score, rng: tuple[float, float]) -> None:
    bands = score.bands
    if not bands:
        return
    if any(b.min > b.max for b in bands):
        raise ValueError(f"score {score.id}: a band runs high to low")
    if [b.min for b in bands] != sorted(b.min for b in bands):
        raise ValueError(f"score {score.id}: bands must be listed low to high")
    if bands[0].min > rng[0] or bands[-1].max < rng[1]:
        raise ValueError(f"score {score.id}: bands must cover {rng[0]:g}–{rng[1]:g}")
    for a, b in zip(bands, bands[1:], strict=False):
        if b.min <= a.max:
            raise ValueError(f"score {score.id}: bands {a.code} and {b.code} overlap")
        if score.method == "sum" and b.min - a.max > 1:
            raise ValueError(f"score {score.id}: a gap between bands {a.code} and {b.code}")


def json_schema() -> dict:
    """The definition format as JSON Schema (draft 2020-12), as `schema.json` ships it. An item's response_set may
    also name an entry of `response_sets`."""
    schema = Instrument.model_json_schema()
    prop = schema["$defs"]["Item"]["properties"]["response_set"]
    schema["$defs"]["Item"]["properties"]["response_set"] = {
        "anyOf": [prop, {"type": "string", "description": "the key of a response_sets entry"}],
        "title": "Response Set",
    }
    schema["title"] = "Xinyu screening instrument definition"
    return schema
