"""读懂孩子的写法 — normalise a message before the crisis triage reads it (issue 16, R4.2).

Children write online in many ways the lexicon's plain simplified Chinese does not cover. One function,
``normalise``, turns a message into that plain form before the lexicon and the n-gram model see it:

1. NFKC: full-width letters, digits and punctuation become half-width ("ｗａｎｔ ｔｏ ｄｉｅ" → "want to die");
2. traditional → simplified characters with OpenCC (``opencc-python-reimplemented``, pure Python, its dictionaries in the wheel);
3. emoji → the word they stand for (🔪 → 刀, 💊 → 药);
4. English and code-switched phrases, homophones and slang → their meaning in the lexicon's words (kms → 自杀,
   紫砂 → 自杀), and romanised pinyin and initials of the lexicon's key phrases (buxianghuo, bu xiang huo, zs);
5. (lexicon v10) whole pinyin sentences ("wo xian zai zai lou ding", "wǒ zài tiān tái", "bu4 xiang3 huo2"): each run
   of Latin-letter words that are all pinyin syllables (joined or spaced, with tone marks or tone digits) is cut
   into syllables and read back as the words of ``pinyin_words`` (longest first), when those words cover most of it
   — so an English sentence is never read as pinyin.

The emoji, phrases, key phrases and pinyin words are data (``counseling/data/triage_slang.yaml``, each with its
source and date); the pinyin spellings are generated from the Chinese words with pypinyin when the file is loaded,
and the syllables are pypinyin's own table.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

SLANG_PATH = Path(__file__).resolve().parent.parent / "data" / "triage_slang.yaml"
# variation selectors and the zero-width joiner: "⚰️" and "⚰" are one emoji to the triage
# v10: and the skin-tone modifiers ("👋🏻" is "👋")
# and the gender signs and keycap of emoji sequences ("🧍‍♀️" is "🧍", "3️⃣" is "3")
_INVISIBLE = dict.fromkeys(
    [0xFE0E, 0xFE0F, 0x200D, 0x200B, 0x20E3, 0x2640, 0x2642, *range(0x1F3FB, 0x1F400)], None
)
_LATIN = re.compile(r"[A-Za-z]")
# pinyin written with tone marks ("bù xiǎng huó") reads as the plain letters
_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")


@dataclass(frozen=True)
class Slang:
    version: int
    emoji: dict[str, str]
    # (pattern, meaning): Chinese forms first, then Latin-letter forms (English and code-switching, abbreviations)
    chinese: tuple[tuple[re.Pattern, str], ...]
    latin: tuple[tuple[re.Pattern, str], ...]
    # v10: a pinyin syllable sequence ("lou", "ding") → the Chinese word it spells (楼顶); longest first
    pinyin_words: dict[tuple[str, ...], str] = field(default_factory=dict)
    # the key phrases' generated pinyin and initials, read after whole pinyin sentences ("zs", "bxh")
    pinyin: tuple[tuple[re.Pattern, str], ...] = ()


def pinyin_forms(phrase: str, *, initials: bool) -> list[str]:
    """Regular expressions for the romanised spellings of ``phrase``: its syllables joined or spaced
    ("bu ?xiang ?huo"), and, if asked, its initials ("bxh")."""
    from pypinyin import Style, lazy_pinyin  # loaded with the data file only

    syllables = lazy_pinyin(phrase)
    forms = [r"\s*".join(syllables)]
    if initials:
        forms.append("".join(lazy_pinyin(phrase, style=Style.FIRST_LETTER)))
    return forms


def _latin_word(form: str) -> re.Pattern:
    # whole words only: "kms" but not "kmsq"; Chinese characters next to it are a word's edge too
    return re.compile(rf"(?<![a-z])(?:{form})(?![a-z])", re.IGNORECASE)


def load_slang(path: Path | str = SLANG_PATH) -> Slang:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    emoji = {e["emoji"].translate(_INVISIBLE): str(e["meaning"]) for e in data.get("emoji", ())}
    chinese, latin = [], []
    for entry in data.get("phrases", ()):
        form, meaning = str(entry["form"]), str(entry["meaning"])
        if _LATIN.search(form):
            latin.append((_latin_word(form), meaning))
        else:
            chinese.append((re.compile(form), meaning))
    # v2: the English and code-switched forms in the file's order (a longer phrase is listed before the words in
    # it: "all my pills" before "pills"), then the key phrases' pinyin, longer forms first, so "bu xiang huo le"
    # wins over "bu xiang huo"
    generated = []
    for entry in data.get("pinyin", ()):
        phrase = str(entry["phrase"])
        for form in pinyin_forms(phrase, initials=bool(entry.get("initials", False))):
            generated.append((_latin_word(form), phrase))
    generated.sort(key=lambda pair: -len(pair[0].pattern))
    return Slang(
        int(data.get("version", 1)),
        emoji,
        tuple(chinese),
        tuple(latin),
        pinyin_words=_pinyin_words(data.get("pinyin_words", ())),
        pinyin=tuple(generated),
    )


def _pinyin_words(entries) -> dict[tuple[str, ...], str]:
    """The words of ``pinyin_words`` by their toneless syllables (the first of two words spelt alike wins)."""
    from pypinyin import lazy_pinyin

    out: dict[tuple[str, ...], str] = {}
    for entry in entries:
        for word in str(entry["words"]).split():
            out.setdefault(tuple(lazy_pinyin(word)), word)
    return out


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (pypinyin's table), without the bare consonant interjections (m, n, ng, hm)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = reading.translate(_TONES)
            if plain.isascii() and plain.isalpha() and re.search("[aeiouv]", plain):
                out.add(plain)
    return frozenset(out)


def _split_syllables(token: str) -> list[str] | None:
    """``token`` (lower-case letters) cut into the fewest pinyin syllables, or None if it is not pinyin."""
    syllables, n = _syllables(), len(token)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            if token[i:j] in syllables and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = [*best[i], token[i:j]]
    return best[n]


_LATIN_RUN = re.compile(r"[a-z]+[1-5]?(?:[\s']+[a-z]+[1-5]?)*", re.IGNORECASE)


# one-syllable runs that are also everyday English words are left as written ("我觉得 he 很好")
_ENGLISH_SYLLABLES = frozenset(
    [
        "a",
        "ah",
        "an",
        "ban",
        "bang",
        "bin",
        "bye",
        "can",
        "dan",
        "den",
        "die",
        "fan",
        "fun",
        "gun",
        "hang",
        "he",
        "hen",
        "hey",
        "hi",
        "lie",
        "long",
        "man",
        "me",
        "nan",
        "one",
        "pan",
        "pie",
        "pin",
        "ran",
        "run",
        "she",
        "sue",
        "sun",
        "tan",
        "tie",
        "ten",
        "yes",
        "zen",
    ]
)


def _between_hanzi(m: re.Match) -> bool:
    """Is the run written between Chinese characters ("我 tun 了")? Then one syllable is read too."""
    text = m.string
    before = text[: m.start()].rstrip()[-1:]
    after = text[m.end() :].lstrip()[:1]
    return "\u4e00" <= before <= "\u9fff" and "\u4e00" <= after <= "\u9fff"


def _read_pinyin(run: str, words: dict[tuple[str, ...], str], single: bool = False) -> str:
    """A run of Latin-letter words read as Chinese if it is pinyin the word list covers (else as written); a run of
    one syllable only if ``single`` (between Chinese characters)."""
    syllables: list[str] = []
    for token in re.split(r"[\s']+", run.lower()):
        cut = _split_syllables(token.rstrip("12345"))
        if cut is None:
            return run  # an English word: the run is not pinyin
        syllables += cut
    if len(syllables) < 2 and not (single and syllables and syllables[0] not in _ENGLISH_SYLLABLES):
        return run
    out, covered, i = [], 0, 0
    while i < len(syllables):
        for size in range(min(6, len(syllables) - i), 0, -1):
            word = words.get(tuple(syllables[i : i + size]))
            if word:
                out.append(word)
                covered += size
                i += size
                break
        else:
            out.append(f" {syllables[i]} ")
            i += 1
    if covered * 3 < len(syllables) * 2:  # two thirds read as words, or it stays as written
        return run
    return "".join(out)


@lru_cache(maxsize=1)
def slang() -> Slang:
    _syllables()  # the pinyin syllable table is built with the data files, not at the first pinyin message
    return load_slang()


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


# v10: characters spaced out to pass a filter ("不 想 活 了", "不.想.活"): four or more single characters, each
# apart by spaces or a dot, star, dash or slash, are read joined
_HANZI = "\u4e00-\u9fff"
_SPACED = re.compile(rf"[{_HANZI}](?:[\s.·・*_\-/|]+[{_HANZI}](?![{_HANZI}])){{3,}}")
_SPACED_SEP = re.compile(r"[\s.·・*_\-/|]+")


def _joined(m: re.Match) -> str:
    return _SPACED_SEP.sub("", m.group(0))


def normalise(text: str, data: Slang | None = None) -> str:
    """The message in plain simplified Chinese, as the triage's lexicon and model read it."""
    if not text:
        return ""
    data = data or slang()
    out = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if any(ch > "\u2e7f" for ch in out):  # CJK or emoji present
        out = _t2s().convert(out)
        out = _SPACED.sub(_joined, out)
        if data.emoji:
            out = "".join(data.emoji.get(ch, ch) for ch in out)
    for pattern, meaning in data.chinese:
        out = pattern.sub(meaning, out)
    if _LATIN.search(out):
        out = out.translate(_TONES)
        for pattern, meaning in data.latin:
            out = pattern.sub(meaning, out)
        if data.pinyin_words and _LATIN.search(out):
            out = _LATIN_RUN.sub(
                lambda m: _read_pinyin(m.group(0), data.pinyin_words, _between_hanzi(m)), out
            )
        for pattern, meaning in data.pinyin:
            out = pattern.sub(meaning, out)
    return out
