"""读懂孩子的写法 — normalise a message before the crisis triage reads it (issue 16, R4.2).

Children write online in many ways the lexicon's plain simplified Chinese does not cover. One function,
``normalise``, turns a message into that plain form before the lexicon and the n-gram model see it:

1. NFKC: full-width letters, digits and punctuation become half-width ("ｗａｎｔ ｔｏ ｄｉｅ" → "want to die");
2. traditional → simplified characters with OpenCC (``opencc-python-reimplemented``, pure Python, its dictionaries in the wheel);
3. emoji → the word they stand for (🔪 → 刀, 💊 → 药);
4. English and code-switched phrases, homophones and slang → their meaning in the lexicon's words (kms → 自杀,
   紫砂 → 自杀), and romanised pinyin and initials of the lexicon's key phrases (buxianghuo, bu xiang huo, zs).

The emoji, phrases and key phrases are data (``counseling/data/triage_slang.yaml``, each with its source and date);
the pinyin spellings are generated from the key phrases with pypinyin when the file is loaded.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SLANG_PATH = Path(__file__).resolve().parent.parent / "data" / "triage_slang.yaml"
# variation selectors and the zero-width joiner: "⚰️" and "⚰" are one emoji to the triage
_INVISIBLE = dict.fromkeys([0xFE0E, 0xFE0F, 0x200D, 0x200B], None)
_LATIN = re.compile(r"[A-Za-z]")
# pinyin written with tone marks ("bù xiǎng huó") reads as the plain letters
_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuvvvvv")


@dataclass(frozen=True)
class Slang:
    version: int
    emoji: dict[str, str]
    # (pattern, meaning): Chinese forms first, then Latin-letter forms (English, pinyin, initials)
    chinese: tuple[tuple[re.Pattern, str], ...]
    latin: tuple[tuple[re.Pattern, str], ...]


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
    for entry in data.get("pinyin", ()):
        phrase = str(entry["phrase"])
        for form in pinyin_forms(phrase, initials=bool(entry.get("initials", False))):
            latin.append((_latin_word(form), phrase))
    # longer forms first, so "bu xiang huo le" wins over "bu xiang huo"
    latin.sort(key=lambda pair: -len(pair[0].pattern))
    return Slang(int(data.get("version", 1)), emoji, tuple(chinese), tuple(latin))


@lru_cache(maxsize=1)
def slang() -> Slang:
    return load_slang()


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def normalise(text: str, data: Slang | None = None) -> str:
    """The message in plain simplified Chinese, as the triage's lexicon and model read it."""
    if not text:
        return ""
    data = data or slang()
    out = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    if any(ch > "\u2e7f" for ch in out):  # CJK or emoji present
        out = _t2s().convert(out)
        if data.emoji:
            out = "".join(data.emoji.get(ch, ch) for ch in out)
    for pattern, meaning in data.chinese:
        out = pattern.sub(meaning, out)
    if _LATIN.search(out):
        out = out.translate(_TONES)
        for pattern, meaning in data.latin:
            out = pattern.sub(meaning, out)
    return out
