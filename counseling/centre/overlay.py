"""区级研判词条 — a district's own slang and lexicon phrases laid over the shipped triage files (R4.2, issue 16
build 2: "the lexicon is a file a district counselor can extend on a page, audited").

The shipped ``triage_slang.yaml`` and ``triage_lexicon.yaml`` stay the base for every district. A district's live
``TriageTerm`` rows are added to them:

- a *slang* term (a written form → its plain meaning) is read before the base slang, so "飞升" → "自杀" turns the
  message into the lexicon's words; an emoji of one character is added to the emoji table;
- a *phrase* term flags a message on its own: weight 1.0 (a crisis), 1.3 and imminent if marked so. The hits
  name them ``district`` / ``district-imminent`` (all of a district's phrases are one pattern of each kind);
- (v10) an *off* term switches off one shipped entry for the district — a lexicon phrase, an imminent rule, a slang
  form, an emoji or a key phrase's pinyin (``shipped_entries``: its key is the term's form); retiring it is the undo.

A counselor writes words, never regular expressions: every form is matched literally (Latin-letter forms as whole
words, any case, like the shipped English and pinyin forms).

``tables(district_id)`` gives the composed tables, compiled once per process and district and kept until the
district's terms change (the stamp in Django's cache is dropped on every change, and lives at most
``STAMP_SECONDS`` so a process on a per-process cache catches up within a minute). ``preview`` tests a draft term
against the repository's labelled rows before it is saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from django.core.cache import cache
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from counseling.centre import triage
from counseling.centre.models import TermKind, TriageTerm
from counseling.centre.normalise import _INVISIBLE, _LATIN, SLANG_PATH, Slang, _latin_word, normalise, slang

STAMP_SECONDS = 60
PHRASE_WEIGHT = 1.0  # alone a crisis (the lexicon's threshold)
IMMINENT_WEIGHT = 1.3  # the shipped imminent phrases' weight
# "我今天很开心" style sentences no term may flag: a term that does is refused, whatever the preview says.
BENIGN_CONTROLS = (
    "我今天很开心",
    "今天天气真好，放学去打球",
    "作业写完了，准备睡觉",
    "明天要考数学，有点紧张",
    "周末和同学去公园玩了",
    "谢谢老师，我明白了",
    "妈妈做的红烧肉很好吃",
    "我们班篮球赛赢了！",
    "老师好，请问下周几点上课",
    "我喜欢画画和看书",
)
EXAMPLES = 5  # rows shown in a preview, of each kind

_lock = threading.Lock()
_compiled: dict[int, tuple[str, triage.Lexicon, Slang]] = {}


@dataclass(frozen=True)
class Draft:
    """A term as the form gives it (not yet saved)."""

    kind: str
    form: str
    meaning: str
    imminent: bool


def _stamp_key(district_id: int) -> str:
    return f"centre:triage-terms:{district_id}"


def _stamp(district_id: int) -> str:
    key = _stamp_key(district_id)
    found = cache.get(key)
    if found is None:
        agg = TriageTerm.objects.filter(district_id=district_id).aggregate(
            n=Count("pk"), last=Max("updated_at")
        )
        found = f"{agg['n']}:{agg['last'].isoformat() if agg['last'] else '-'}"
        cache.set(key, found, STAMP_SECONDS)
    return found


def invalidate(district_id: int) -> None:
    """A district's terms changed: every process compiles its tables again at its next message."""
    cache.delete(_stamp_key(district_id))
    with _lock:
        _compiled.pop(district_id, None)


def is_emoji(form: str) -> bool:
    plain = form.translate(_INVISIBLE)
    return len(plain) == 1 and unicodedata.category(plain) == "So"


# --- v10: switching a shipped entry off for a district ------------------------------------------------------


@dataclass(frozen=True)
class Shipped:
    """One entry of the shipped files a district may switch off: ``key`` is stored as the term's form."""

    key: str
    label: str


def _digest(pattern: str) -> str:
    return hashlib.sha256(pattern.encode("utf-8")).hexdigest()[:12]


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def shipped_entries() -> list[Shipped]:
    """Every shipped entry a district may switch off, keyed as its ``off`` term stores it."""
    lex = triage.lexicon()
    # Shown by number and by what they match (the Chinese a counselor reads), never by their code ids.
    out = [
        Shipped(
            f"lexicon:{p.id}",
            _short(_("Lexicon phrase %(id)s: %(pattern)s") % {"id": n, "pattern": p.pattern.pattern}),
        )
        for n, p in enumerate(lex.phrases, 1)
    ]
    out += [
        Shipped(
            f"rule:{r.id}",
            _short(
                _("Imminent rule %(id)s: %(signals)s")
                % {
                    "id": n,
                    "signals": " + ".join(
                        _short(lex.signals[s].pattern, 12) if s in lex.signals else s for s in r.signals
                    ),
                }
            ),
        )
        for n, r in enumerate(lex.imminent_rules, 1)
    ]
    data = _slang_file()
    for e in data.get("emoji", ()):
        emoji = e["emoji"].translate(_INVISIBLE)
        out.append(Shipped(f"emoji:{emoji}", f"{emoji} → {e['meaning']}"))
    for e in data.get("phrases", ()):
        form = str(e["form"])
        out.append(Shipped(f"slang:{_digest(_slang_pattern(form))}", _short(f"{form} → {e['meaning']}")))
    for e in data.get("pinyin", ()):
        out.append(Shipped(f"pinyin:{e['phrase']}", _("Pinyin of %(phrase)s") % {"phrase": e["phrase"]}))
    return out


@lru_cache(maxsize=1)
def _slang_file() -> dict:
    return yaml.safe_load(SLANG_PATH.read_text(encoding="utf-8"))


def _slang_pattern(form: str) -> str:
    """The compiled pattern's text of a shipped slang form (normalise.load_slang compiles it so)."""
    return _latin_word(form).pattern if _LATIN.search(form) else form


def shipped_entry(key: str) -> Shipped | None:
    return next((e for e in shipped_entries() if e.key == key), None)


def _switch_off(off: set[str], lex: triage.Lexicon, data: Slang) -> tuple[triage.Lexicon, Slang]:
    """The shipped tables without the entries a district switched off."""
    lex = dataclasses.replace(
        lex,
        phrases=tuple(p for p in lex.phrases if f"lexicon:{p.id}" not in off),
        imminent_rules=tuple(r for r in lex.imminent_rules if f"rule:{r.id}" not in off),
    )
    data = dataclasses.replace(
        data,
        emoji={k: v for k, v in data.emoji.items() if f"emoji:{k}" not in off},
        chinese=tuple(pair for pair in data.chinese if f"slang:{_digest(pair[0].pattern)}" not in off),
        latin=tuple(pair for pair in data.latin if f"slang:{_digest(pair[0].pattern)}" not in off),
        pinyin=tuple(pair for pair in data.pinyin if f"pinyin:{pair[1]}" not in off),
    )
    return lex, data


def compose(terms: Iterable[Draft | TriageTerm]) -> tuple[triage.Lexicon, Slang]:
    """The shipped tables with ``terms`` laid over them (the district's slang read first; its switched-off shipped
    entries left out)."""
    base_lex, base_slang = triage.lexicon(), slang()
    terms = list(terms)
    off = {t.form for t in terms if t.kind == TermKind.OFF}
    if off:
        base_lex, base_slang = _switch_off(off, base_lex, base_slang)
    emoji = dict(base_slang.emoji)
    chinese: dict[str, str] = {}
    latin: dict[str, str] = {}
    for t in terms:
        if t.kind != TermKind.SLANG:
            continue
        form = unicodedata.normalize("NFKC", t.form).translate(_INVISIBLE)
        if is_emoji(form):
            emoji[form] = t.meaning
        elif _LATIN.search(form):
            latin[form.casefold()] = t.meaning
        else:
            chinese[form] = t.meaning
    # One pattern for all of the district's forms (one pass over a message, however many terms), longest first.
    own_chinese: tuple[tuple[re.Pattern, Any], ...] = ()
    own_latin: list[tuple[re.Pattern, Any]] = []
    if chinese:
        either = "|".join(re.escape(f) for f in sorted(chinese, key=len, reverse=True))
        own_chinese = ((re.compile(either), lambda m: chinese[m.group(0)]),)
    if latin:
        either = "|".join(re.escape(f) for f in sorted(latin, key=len, reverse=True))
        own_latin.append((_latin_word(either), lambda m: latin[m.group(0).casefold()]))
    # the district's Latin forms before the shipped ones ("sorted" is stable: same-length shipped forms follow)
    data = dataclasses.replace(
        base_slang,
        emoji=emoji,
        chinese=own_chinese + base_slang.chinese,
        latin=tuple(own_latin) + base_slang.latin,
    )
    # The district's phrases, read as the lexicon reads a message (simplified, half-width, slang already read),
    # in two patterns — imminent or not — so a long list costs two passes per clause; each alone is a crisis.
    plain: dict[bool, set[str]] = {True: set(), False: set()}
    for t in terms:
        if t.kind == TermKind.PHRASE and (read := normalise(t.form, data).strip()):
            plain[bool(t.imminent)].add(read)
    phrases = tuple(
        triage.Phrase(
            id="district-imminent" if imminent else "district",
            pattern=re.compile("|".join(re.escape(p) for p in sorted(found, key=len, reverse=True)), re.I),
            weight=IMMINENT_WEIGHT if imminent else PHRASE_WEIGHT,
            imminent=imminent,
        )
        for imminent, found in plain.items()
        if found
    )
    return dataclasses.replace(base_lex, phrases=base_lex.phrases + phrases), data


def tables(district_id: int | None) -> tuple[triage.Lexicon | None, Slang | None]:
    """The tables ``triage.score`` reads a district's messages with; (None, None) — the shipped files — for a
    district without live terms."""
    if district_id is None:
        return None, None
    stamp = _stamp(district_id)
    found = _compiled.get(district_id)
    if found is not None and found[0] == stamp:
        return found[1], found[2]
    live = list(TriageTerm.objects.filter(district_id=district_id, retired_at__isnull=True))
    if not live:
        lex, data = None, None
    else:
        lex, data = compose(live)
    with _lock:
        _compiled[district_id] = (stamp, lex, data)  # type: ignore[assignment]
    return lex, data


def score(text: str, district_id: int | None) -> triage.Triage:
    """``triage.score`` of a message of this district."""
    lex, data = tables(district_id)
    return triage.score(text, lex, slang=data)


# --- preview: what a draft term would change, on the repository's labelled rows ---------------------------------


@lru_cache(maxsize=1)
def labelled_rows() -> tuple[triage.Labelled, ...]:
    """Every labelled row shipped under counseling/data/ (each text once)."""
    seen: dict[str, triage.Labelled] = {}
    for path in sorted(triage.DATA_DIR.glob("triage_*.tsv")):
        for row in triage.read_labelled(path):
            seen.setdefault(row.text, row)
    return tuple(seen.values())


def _lexicon_flag(text: str, lex: triage.Lexicon, data: Slang) -> bool:
    return triage.score(text, lex, use_model=False, slang=data).crisis


@dataclass
class Preview:
    """What saving a draft would change for the district: benign controls it flags (then it is refused), the
    repository's not-at-risk rows it newly flags, and its crisis rows it newly finds."""

    controls: list[str]
    none_rows: int
    newly_flagged: list[str]
    crisis_rows: int
    newly_found: list[str]
    # the triage's class of the meaning alone (a slang term whose meaning the lexicon does not read does nothing)
    meaning_class: str = "none"
    # v10, switching a shipped entry off: crisis rows no longer found, not-at-risk rows no longer flagged
    newly_missed: list[str] = dataclasses.field(default_factory=list)
    newly_cleared: list[str] = dataclasses.field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.controls)


def preview(draft: Draft, current: Iterable[TriageTerm]) -> Preview:
    """Score the labelled rows and the benign controls with the district's live terms, then with the draft too;
    what changes is the draft's doing."""
    current = list(current)
    before_lex, before_slang = compose(current)
    after_lex, after_slang = compose([*current, draft])
    controls = [
        c
        for c in BENIGN_CONTROLS
        if _lexicon_flag(c, after_lex, after_slang) and not _lexicon_flag(c, before_lex, before_slang)
    ]
    newly_flagged, newly_found, newly_missed, newly_cleared = [], [], [], []
    none_rows = crisis_rows = 0
    model = triage.ngram_model()
    for row in labelled_rows():
        if row.crisis:
            crisis_rows += 1
        else:
            none_rows += 1
        after, before = (
            _lexicon_flag(row.text, after_lex, after_slang),
            _lexicon_flag(row.text, before_lex, before_slang),
        )
        if after == before:
            continue
        if model is not None and model.probability(row.text) >= model.threshold:
            continue  # the model flags it either way (a term never changes the model: it reads the shipped form)
        if after:
            (newly_found if row.crisis else newly_flagged).append(row.text)
        else:
            (newly_missed if row.crisis else newly_cleared).append(row.text)
    if draft.kind == TermKind.OFF:
        meaning_class = "off"
    else:
        meaning = draft.meaning if draft.kind == TermKind.SLANG else draft.form
        meaning_class = triage.score(meaning, after_lex, use_model=False, slang=after_slang).risk_class
    return Preview(
        controls=controls,
        none_rows=none_rows,
        newly_flagged=newly_flagged,
        crisis_rows=crisis_rows,
        newly_found=newly_found,
        meaning_class=meaning_class,
        newly_missed=newly_missed,
        newly_cleared=newly_cleared,
    )
