"""危机研判 — crisis triage of 24-hour messages (R4.2).

The message is first read in plain simplified Chinese (``normalise.py``: traditional characters, emoji, pinyin,
English and slang, issue 16). A maintained Chinese lexicon (``counseling/data/triage_lexicon.yaml``: weighted phrases, negation cues,
benign idioms) scores each message; at or above the threshold the message is a crisis. The rules live in the
data file, not here: this module only applies them. Imminent danger (issue 16, lexicon v9) is a phrase marked
``imminent``, or every signal of one of the lexicon's ``imminent_rules`` (means at hand + now, an act + the body's
state, a height + being there, harm by another + now, a parent + a warning act …), or, for a crisis no rule covers,
a second n-gram model (imminent vs the rest); a recovered frame ("我现在好多了") lowers the class. Measured on a
labelled set by
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
# v9 (issue 16): a second model of the same kind, imminent danger vs the rest, trained on the three-class training
# sets; it makes a crisis message imminent when the composed rules have no rule for its wording
IMMINENT_MODEL_PATH = LEXICON_PATH.parent / "triage_imminent.json"
CLAUSE_SPLIT = re.compile(r"[，,。.!！?？;；…~～\n\r、]+|\s{2,}|但是|可是|但(?!愿)|(?=现在|如今|最近|这几天)")
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
class ImminentRule:
    id: str
    signals: tuple[
        str, ...
    ]  # all must be found; "crisis" = the message is a crisis by the lexicon or the model
    anywhere: bool = False  # signals count in a story clause too (a parent's report beside "游戏账号")
    none: tuple[str, ...] = ()  # ... and none of these may be found ("在楼顶拍了晚霞" is an outing)


@dataclass(frozen=True)
class Recovery:
    cues: re.Pattern  # the sender is better now, or speaks of a time that has passed
    relapse: re.Pattern  # ... but it is back ("但最近又…", "还是想…"): no recovered frame
    unless: frozenset[
        str
    ]  # phrase ids that, said outside a story, cancel the frame (a farewell is no recovery)


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
    # v9 (issue 16): imminent danger composed of signals (means at hand, now, body state, farewell acts, harm by
    # another, a parent's report) — each rule names signals that must ALL be found outside a story, un-negated
    signals: dict[str, re.Pattern] = field(default_factory=dict)
    imminent_rules: tuple[ImminentRule, ...] = ()
    # a recovered / looking-back frame ("我现在好多了", "已经不想死了") lowers the class (issue 16, build 3)
    recovery: Recovery | None = None
    # v9: a message whose every clause is about a game, a book or a film gets no vote from the n-gram model
    fiction_cues: tuple[str, ...] = ()


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
    # the message is told from after: the sender is better now (issue 16) — weighed as a story, no model vote
    recovered: bool = False

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

    def probability(self, text: str, *, features: set[str] | None = None) -> float:
        """``features``: the text's ``grams`` if already computed (score computes them once for both models)."""
        z = self.bias + sum(self.weights.get(g, 0.0) for g in (grams(text) if features is None else features))
        z = max(-30.0, min(30.0, z))
        return 1.0 / (1.0 + math.exp(-z))


def _masked(text: str, lex: Lexicon) -> str:
    masked = text or ""
    for mask in lex.masks:
        masked = mask.sub(lambda m: MASK_CHAR * len(m.group(0)), masked)
    return masked


def _unnegated(clause: str, lex: Lexicon) -> str:
    """The clause with every negated lexicon phrase blanked ("我不是不想活" keeps no "不想活" for the model)."""
    if not any(cue in clause for cue in lex.negation_cues):
        return clause  # nothing can be negated (speed)
    chars = list(clause)
    for phrase in lex.phrases:
        for m in phrase.pattern.finditer(clause):
            if m.end() > m.start() and _negated(clause, m.start(), lex):
                chars[m.start() : m.end()] = MASK_CHAR * (m.end() - m.start())
    return "".join(chars)


def grams(text: str, lex: Lexicon | None = None, *, masked: str | None = None) -> set[str]:
    """The model's features: character 1–3-grams of each clause of the masked text (benign idioms and negated
    lexicon phrases blanked, so the model gets the lexicon's negation handling too). ``masked``: the text already
    normalised and masked (``score`` has it)."""
    lex = lex or lexicon()
    out: set[str] = set()
    for clause in CLAUSE_SPLIT.split(_masked(normalise(text), lex) if masked is None else masked):
        for part in _unnegated(clause, lex).split(MASK_CHAR):  # no n-gram bridges a blanked span
            part = part.strip()
            for n in (1, 2, 3):
                out.update(part[i : i + n] for i in range(len(part) - n + 1))
    return out


def _read_model(path: Path) -> NgramModel | None:
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return NgramModel(float(data["threshold"]), float(data["bias"]), dict(data["weights"]))


@lru_cache(maxsize=1)
def ngram_model() -> NgramModel | None:
    return _read_model(MODEL_PATH)


@lru_cache(maxsize=1)
def imminent_model() -> NgramModel | None:
    """Imminent danger vs the rest (v9, issue 16; ``bench/triage_train.py`` writes it)."""
    return _read_model(IMMINENT_MODEL_PATH)


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
        signals={name: re.compile(pattern) for name, pattern in (data.get("signals") or {}).items()},
        imminent_rules=tuple(
            ImminentRule(
                id=r["id"],
                signals=tuple(r["all"]),
                anywhere=bool(r.get("anywhere", False)),
                none=tuple(r.get("none", ())),
            )
            for r in data.get("imminent_rules", ())
        ),
        recovery=_recovery(data.get("recovery")),
        fiction_cues=tuple(data["distance"].get("fiction", ())),
    )


def _recovery(data: dict | None) -> Recovery | None:
    if not data:
        return None
    return Recovery(
        cues=re.compile("|".join(data["cues"])),
        relapse=re.compile("|".join(data["relapse"])),
        unless=frozenset(data.get("unless", ())),
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


@dataclass
class _Scan:
    best: dict[str, float]
    negated: set[str]
    imminent: bool  # an imminent phrase outside a story
    said: set[str]  # phrase ids found outside a story or a look back, in a clause with no recovery cue
    signals: set[str]  # imminent signals found outside a story, un-negated
    anywhere: set[str]  # imminent signals found un-negated in any clause (a story's too)


_LOOKAROUND = "(?"  # (?<!…) (?!…) (?=…); a non-capturing group "(?:" is counted too, which only costs time


def _scan(masked: str, lex: Lexicon, *, looking_back: bool = False, relapse: bool = False) -> _Scan:
    """The lexicon's phrases and the imminent signals in the masked text. ``looking_back``: the whole message is
    told from after (a recovered frame), so every clause weighs as a story does. ``relapse``: the message says it
    is back ("以前想过死 现在更想了"), so a look back weighs in full — only a game or a book still weighs less."""
    out = _Scan(best={}, negated=set(), imminent=False, said=set(), signals=set(), anywhere=set())
    bare = BARE_DROP.sub("", masked)
    for phrase in lex.phrases:
        if phrase.whole and phrase.pattern.fullmatch(bare):
            out.best[phrase.id] = phrase.weight
            out.said.add(phrase.id)
            out.imminent = out.imminent or phrase.imminent
    # speed: a pattern found nowhere in the message is found in no clause (patterns with a lookaround are tried
    # clause by clause anyway: at a clause's edge a lookaround can see what the whole text hides)
    phrases = [
        p
        for p in lex.phrases
        if not p.whole and (_LOOKAROUND in p.pattern.pattern or p.pattern.search(masked))
    ]
    signals = [
        (name, pattern)
        for name, pattern in lex.signals.items()
        if not looking_back and (_LOOKAROUND in pattern.pattern or pattern.search(masked))
    ]
    for clause in CLAUSE_SPLIT.split(masked):
        if not clause:
            continue
        cues = lex.fiction_cues if relapse else lex.distance_cues
        distant = looking_back or any(c in clause for c in cues)
        # "想死的念头很久没出现了": a phrase the clause then says is over does not count against the frame (a
        # recovery cue ends after the phrase starts); "我好多了 再见了大家" — the farewell comes after: it counts
        cue_ends = [m.end() for m in lex.recovery.cues.finditer(clause)] if lex.recovery else []
        factor = lex.distance_factor if distant else 1.0
        for phrase in phrases:
            for m in phrase.pattern.finditer(clause):
                if _negated(clause, m.start(), lex):
                    out.negated.add(phrase.id)
                    continue
                out.best[phrase.id] = max(out.best.get(phrase.id, 0.0), phrase.weight * factor)
                if not distant:
                    if not any(end > m.start() for end in cue_ends):
                        out.said.add(phrase.id)
                    out.imminent = out.imminent or phrase.imminent
        for name, pattern in signals:
            if name in out.signals or (distant and name in out.anywhere):
                continue
            if any(not _negated(clause, m.start(), lex) for m in pattern.finditer(clause)):
                out.anywhere.add(name)
                if not distant:
                    out.signals.add(name)
    return out


def _recovered(plain: str, scan: _Scan, lex: Lexicon) -> bool:
    """Issue 16, build 3: the message is told from after — the sender is better now ("现在好多了", "已经不想死了",
    "走出来了") and nothing says it is back ("但最近又…") or says goodbye or a danger now outside a story."""
    rec = lex.recovery
    if rec is None or not rec.cues.search(plain) or rec.relapse.search(plain):
        return False
    return not scan.imminent and not (scan.said & rec.unless)


def _fiction(masked: str, lex: Lexicon) -> bool:
    """Is every clause of the message about a game, a book, a poem or a film (``distance.fiction``)?"""
    clauses = [c for c in CLAUSE_SPLIT.split(masked) if c.strip(MASK_CHAR + " ")]
    return (
        bool(lex.fiction_cues)
        and bool(clauses)
        and all(any(f in c for f in lex.fiction_cues) for c in clauses)
    )


_IN_USE = object()  # score's default model: the one in counseling/data/triage_ngram.json


def score(
    text: str,
    lex: Lexicon | None = None,
    *,
    use_model: bool = True,
    model: NgramModel | None | object = _IN_USE,
    imminent_by: NgramModel | None | object = _IN_USE,
    slang: Slang | None = None,
) -> Triage:
    """Score one message, read in plain simplified Chinese (``normalise``: traditional characters, emoji, pinyin,
    English and slang). Each phrase counts once (its best, un-negated occurrence). ``model``: the n-gram model
    beside the lexicon — the one in use by default, another one (``manage.py triage_retrain`` compares a
    candidate), or None for the lexicon alone (as ``use_model=False``). ``imminent_by``: the imminent-vs-rest
    model, likewise (None: the lexicon's imminent phrases and rules alone). ``lex`` and ``slang`` may be a
    district's tables (``overlay.tables``: the shipped files with the district's own terms laid over them); the
    n-gram models read the shipped tables' form, as they were trained."""
    shipped = lex is None and slang is None
    lex = lex or lexicon()
    if model is _IN_USE:
        model = ngram_model() if use_model else None
    if imminent_by is _IN_USE:
        imminent_by = imminent_model() if use_model else None
    plain = normalise(text, slang)
    masked = _masked(plain, lex)
    relapse = lex.recovery is not None and bool(lex.recovery.relapse.search(plain))
    scan = _scan(masked, lex, relapse=relapse)
    recovered = _recovered(plain, scan, lex)
    if recovered:  # a recovered frame lowers the class: weighed as a story, the model does not vote
        scan = _scan(masked, lex, looking_back=True)
    total = round(sum(scan.best.values()), 3)
    # R4.2, recall first: the lexicon OR the n-gram model (wording the lexicon has no phrase for).
    features = (
        (grams(text, lex, masked=masked) if shipped else grams(text)) if (model or imminent_by) else set()
    )
    p = round(model.probability(text, features=features), 3) if model else 0.0
    by_model = model is not None and p >= model.threshold and not recovered and not _fiction(masked, lex)
    crisis = total >= lex.threshold or by_model or scan.imminent
    # Issue 16: imminent danger is an imminent phrase, or every signal of one of the composed rules.
    said = {"crisis"} if crisis else set()
    here, anywhere = scan.signals | said, scan.anywhere | said  # set operations: ~60 rules in microseconds
    rules = [
        r.id
        for r in lex.imminent_rules
        if set(r.signals) <= (anywhere if r.anywhere else here) and scan.anywhere.isdisjoint(r.none)
    ]
    # ... or, for a crisis the rules have no rule for, the imminent model (never in a recovered or fiction frame)
    by_imminent_model = (
        not (scan.imminent or rules)
        and crisis
        and not recovered
        and imminent_by is not None
        and imminent_by.probability(text, features=features) >= imminent_by.threshold
        and not _fiction(masked, lex)
    )
    imminent = scan.imminent or bool(rules) or by_imminent_model
    return Triage(
        score=total,
        crisis=crisis or imminent,
        hits=sorted(scan.best)
        + (["ngram-model"] if by_model else [])
        + [f"imminent:{r}" for r in rules]
        + (["imminent-model"] if by_imminent_model else []),
        negated=sorted(scan.negated - set(scan.best)),
        model=p,
        imminent=imminent,
        recovered=recovered,
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
