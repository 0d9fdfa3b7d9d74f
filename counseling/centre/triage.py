"""危机分诊 — crisis triage of 24-hour messages (R4.2).

The message is first read in plain simplified Chinese (``normalise.py``: traditional characters, emoji, pinyin,
English and slang, issue 16). A maintained Chinese lexicon (``counseling/data/triage_lexicon.yaml``: weighted phrases, negation cues,
benign idioms) scores each message; at or above the threshold the message is a crisis. The rules live in the
data file, not here: this module only applies them. Measured on a labelled set by
``counseling/centre/tests/test_triage.py`` and ``bench/triage_bench.py`` (docs/performance.md, Crisis triage).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from counseling.centre.normalise import Slang, normalise

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "triage_lexicon.yaml"
# The character n-gram model beside the lexicon (bench/triage_train.py writes it from the training sets only).
MODEL_PATH = LEXICON_PATH.parent / "triage_ngram.json"
CLAUSE_SPLIT = re.compile(r"[，,。.!！?？;；…~～\n\r、]+|\s{2,}")
MASK_CHAR = "□"
BARE_DROP = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Phrase:
    id: str
    pattern: re.Pattern
    weight: float
    # an act in progress or within hours, means at hand, someone harming the child (issue 16)
    imminent: bool = False
    # matched against the whole message, punctuation and spaces dropped: a bare cry for help ("救命！！")
    whole: bool = False


@dataclass(frozen=True)
class Lexicon:
    version: int
    threshold: float
    negation_window: int
    negation_cues: tuple[str, ...]
    negation_except: tuple[str, ...]
    distance_factor: float
    distance_cues: tuple[str, ...]
    masks: tuple[re.Pattern, ...]
    phrases: tuple[Phrase, ...]


@dataclass
class Triage:
    score: float
    crisis: bool
    hits: list[str] = field(default_factory=list)  # phrase ids that counted (never the message's words)
    negated: list[str] = field(default_factory=list)  # phrase ids found but negated
    model: float = 0.0  # the n-gram model's probability of a crisis (0–1)
    # 紧急危险 — imminent danger (issue 16): an un-negated phrase marked ``imminent`` outside a story or the news.
    # Always also a crisis; the rest of the crisis class is *risk* (ideation, self-harm, a plan without a time).
    imminent: bool = False

    @property
    def risk_class(self) -> str:
        """The class of issue 16: ``imminent``, ``risk`` or ``none``."""
        return "imminent" if self.imminent else "risk" if self.crisis else "none"


@dataclass(frozen=True)
class NgramModel:
    """Logistic regression over the message's character 1–3-grams (binary), stored as data."""

    threshold: float
    bias: float
    weights: dict[str, float]

    def probability(self, text: str) -> float:
        z = self.bias + sum(self.weights.get(g, 0.0) for g in grams(text))
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))


def _masked(text: str, lex: Lexicon) -> str:
    masked = text or ""
    for mask in lex.masks:
        masked = mask.sub(lambda m: MASK_CHAR * len(m.group(0)), masked)
    return masked


def _unnegated(clause: str, lex: Lexicon) -> str:
    """The clause with every negated lexicon phrase blanked ("我不是不想活" keeps no "不想活" for the model)."""
    chars = list(clause)
    for phrase in lex.phrases:
        for m in phrase.pattern.finditer(clause):
            if m.end() > m.start() and _negated(clause, m.start(), lex):
                chars[m.start() : m.end()] = MASK_CHAR * (m.end() - m.start())
    return "".join(chars)


def grams(text: str, lex: Lexicon | None = None) -> set[str]:
    """The model's features: character 1–3-grams of each clause of the masked text (benign idioms and negated
    lexicon phrases blanked, so the model gets the lexicon's negation handling too)."""
    lex = lex or lexicon()
    out: set[str] = set()
    for clause in CLAUSE_SPLIT.split(_masked(normalise(text), lex)):
        for part in _unnegated(clause, lex).split(MASK_CHAR):  # no n-gram bridges a blanked span
            part = part.strip()
            for n in (1, 2, 3):
                out.update(part[i : i + n] for i in range(len(part) - n + 1))
    return out


@lru_cache(maxsize=1)
def ngram_model() -> NgramModel | None:
    if not MODEL_PATH.exists():
        return None
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return NgramModel(float(data["threshold"]), float(data["bias"]), dict(data["weights"]))


def load_lexicon(path: Path | str = LEXICON_PATH) -> Lexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Lexicon(
        version=int(data["version"]),
        threshold=float(data["threshold"]),
        negation_window=int(data["negation"]["window"]),
        negation_cues=tuple(data["negation"]["cues"]),
        negation_except=tuple(data["negation"].get("except", ())),
        distance_factor=float(data["distance"]["factor"]),
        distance_cues=tuple(data["distance"]["cues"]),
        masks=tuple(re.compile(m) for m in data["masks"]),
        phrases=tuple(
            Phrase(
                id=p["id"],
                pattern=re.compile(p["pattern"]),
                weight=float(p["weight"]),
                imminent=bool(p.get("imminent", False)),
                whole=bool(p.get("whole", False)),
            )
            for p in data["phrases"]
        ),
    )


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load_lexicon()


def _negated(clause: str, start: int, lex: Lexicon) -> bool:
    """Is there a negation cue ending at most ``window`` characters before ``start`` in the clause?"""
    lo = max(0, start - lex.negation_window - 6)
    for cue in lex.negation_cues:
        i = clause.find(cue, lo, start)
        while i != -1:
            gap = start - (i + len(cue))
            if 0 <= gap <= lex.negation_window and not any(
                clause.startswith(x, i) or clause.startswith(x, max(0, i - len(x) + len(cue)))
                for x in lex.negation_except
            ):
                return True
            i = clause.find(cue, i + 1, start)
    return False


def score(
    text: str, lex: Lexicon | None = None, *, use_model: bool = True, slang: Slang | None = None
) -> Triage:
    """Score one message, read in plain simplified Chinese (``normalise``: traditional characters, emoji, pinyin,
    English and slang). Each phrase counts once (its best, un-negated occurrence). ``lex`` and ``slang`` are a
    district's tables (``overlay.tables``: the shipped files with the district's own terms laid over them); the
    n-gram model reads the shipped tables' form, as it was trained."""
    lex = lex or lexicon()
    masked = _masked(normalise(text, slang), lex)
    best: dict[str, float] = {}
    negated: set[str] = set()
    imminent = False
    bare = BARE_DROP.sub("", masked)
    for phrase in lex.phrases:
        if phrase.whole and phrase.pattern.fullmatch(bare):
            best[phrase.id] = phrase.weight
            imminent = imminent or phrase.imminent
    for clause in CLAUSE_SPLIT.split(masked):
        if not clause:
            continue
        factor = lex.distance_factor if any(c in clause for c in lex.distance_cues) else 1.0
        for phrase in lex.phrases:
            if phrase.whole:
                continue
            for m in phrase.pattern.finditer(clause):
                if _negated(clause, m.start(), lex):
                    negated.add(phrase.id)
                    continue
                best[phrase.id] = max(best.get(phrase.id, 0.0), phrase.weight * factor)
                imminent = imminent or (phrase.imminent and factor == 1.0)
    total = round(sum(best.values()), 3)
    # R4.2, recall first: the lexicon OR the n-gram model (wording the lexicon has no phrase for).
    model = ngram_model() if use_model else None
    p = round(model.probability(text), 3) if model else 0.0
    by_model = model is not None and p >= model.threshold
    return Triage(
        score=total,
        crisis=total >= lex.threshold or by_model or imminent,
        hits=sorted(best) + (["ngram-model"] if by_model else []),
        negated=sorted(negated - set(best)),
        model=p,
        imminent=imminent,
    )


# --- measurement (the labelled sets under counseling/data/) ---------------------------------------------------

DATA_DIR = LEXICON_PATH.parent
DEV_SET = DATA_DIR / "triage_labelled.tsv"
HELDOUT_SET = DATA_DIR / "triage_heldout.tsv"


@dataclass(frozen=True)
class Labelled:
    crisis: bool
    category: str
    text: str
    # issue 16's class: "imminent", "risk" or "none"; "" in the older sets labelled only 1 (crisis) or 0
    risk_class: str = ""

    @property
    def imminent(self) -> bool:
        return self.risk_class == "imminent"


LABELS = {"1": (True, ""), "0": (False, "none"), "imminent": (True, "imminent"), "risk": (True, "risk")}
LABELS["none"] = (False, "none")


@dataclass
class Measure:
    n: int
    tp: int
    fp: int
    fn: int
    tn: int
    misses: list[Labelled]  # crisis messages not flagged
    false_alarms: list[Labelled]

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0


def read_labelled(path: Path | str) -> list[Labelled]:
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        label, category, text = line.split("\t", 2)
        crisis, risk_class = LABELS[label.strip()]
        rows.append(Labelled(crisis, category.strip(), text.strip(), risk_class))
    return rows


def _tally(pairs) -> Measure:
    """The confusion table of (row, truth, flagged) triples."""
    m = Measure(n=0, tp=0, fp=0, fn=0, tn=0, misses=[], false_alarms=[])
    for row, truth, flagged in pairs:
        m.n += 1
        if truth and flagged:
            m.tp += 1
        elif truth:
            m.fn += 1
            m.misses.append(row)
        elif flagged:
            m.fp += 1
            m.false_alarms.append(row)
        else:
            m.tn += 1
    return m


def measure(rows: list[Labelled], lex: Lexicon | None = None, *, use_model: bool = True) -> Measure:
    return _tally((row, row.crisis, score(row.text, lex, use_model=use_model).crisis) for row in rows)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95% interval of a proportion k/n (issue 16: every figure with its interval)."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def measure_imminent(rows: list[Labelled], lex: Lexicon | None = None) -> Measure:
    """Recall and precision of the imminent class on the rows labelled with three classes."""
    return _tally((row, row.imminent, score(row.text, lex).imminent) for row in rows if row.risk_class)
