"""How a result reads to people (issue 15, point 7): the instrument by its name, scores by their names, bands by
their labels, the thresholds crossed and why a sheet is not valid — in the reader's language, never the machine
ids (``scared-c``, ``total``, ``panic_somatic``, ``raw``).

Staff read the clinical title ("青少年患者健康问卷（PHQ-A）"); a student reads the neutral one ("心情小问卷") and
never a clinical title, a level or a reason. Pure reads of the definitions (no queries): the pages that call these
keep their query counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from screening import instruments
from screening.instruments.schema import compare
from screening.instruments.scoring import OP_SIGN


def text(value, lang: str | None = None) -> str:
    """The reader's language of a ``{"zh-hans": …, "en": …}`` text (Chinese when the language is Chinese)."""
    if isinstance(value, dict):
        lang = (lang or get_language() or "zh-hans").lower()
        key = "zh-hans" if lang.startswith("zh") else "en"
        return value.get(key) or value.get("zh-hans") or value.get("en") or ""
    return str(value or "")


def _definition(instrument_id: str, version: str | None = None):
    try:
        return instruments.load(instrument_id, version or None)
    except KeyError:
        try:
            return instruments.load(instrument_id)  # a retired version: the latest names it the same way
        except KeyError:
            return None


def staff_name(instrument_id: str, version: str | None = None, lang: str | None = None) -> str:
    """The clinical title, for staff pages. An instrument the catalogue does not know is named as "未知量表"."""
    inst = _definition(instrument_id, version)
    return text(inst.title, lang) if inst else _("Unknown questionnaire")


def student_name(instrument_id: str, version: str | None = None, lang: str | None = None) -> str:
    """The neutral title a student reads (``student_title``): never the clinical one."""
    inst = _definition(instrument_id, version)
    return text(inst.student_title, lang) if inst else _("Questionnaire")


def _num(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, int | float) else str(value)


@dataclass
class ScoreLine:
    label: str
    value: str
    band: str = ""


@dataclass
class ResultView:
    """One result as the second-stage review (and any staff page) shows it."""

    result: object
    title: str
    valid: bool
    scores: list[ScoreLine] = field(default_factory=list)
    crossed: list[str] = field(default_factory=list)  # "总分 31 ≥ 25（原版界值）"
    critical: list[str] = field(default_factory=list)  # "第9题 = 2（一半以上的天数）"
    invalid: list[str] = field(default_factory=list)  # "作答过快：每题用时中位数 0.8 秒，低于 1 秒"
    level_reasons: list[str] = field(default_factory=list)


def _strip_abbr(sentence: str, abbr: str) -> str:
    """Reasons are written for the alert ("SCARED 作答过快…"); under the instrument's own heading the prefix
    only repeats it."""
    return sentence[len(abbr) :].lstrip(" ：:") if abbr and sentence.startswith(abbr + " ") else sentence


def score_lines(result, lang: str | None = None) -> list[ScoreLine]:
    """Every score of a stored result by its name, with its band's label."""
    inst = _definition(result.instrument_id, result.instrument_version)
    if inst is None:
        return []
    scores, bands = result.scores or {}, result.bands or {}
    out = []
    for s in inst.scores:
        value = scores.get(s.id)
        code = bands.get(s.id, "")
        # a band the definition does not name (a hand-made row) is shown as stored rather than dropped
        band = next((text(b.label, lang) for b in s.bands if b.code == code), str(code))
        out.append(
            ScoreLine(text(s.label, lang), str(_("not scorable") if value is None else _num(value)), band)
        )
    return out


def result_view(result, *, variant: str | None = None, lang: str | None = None) -> ResultView:
    """A stored ``Result`` for staff: scores with names and bands, thresholds crossed (for the campaign's
    variant), critical answers, why it is not valid, and the reasons of the suggested level."""
    inst = _definition(result.instrument_id, result.instrument_version)
    flags = result.flags or {}
    abbr = inst.abbr if inst else ""
    view = ResultView(
        result=result,
        title=text(inst.title, lang) if inst else _("Unknown questionnaire"),
        valid=result.valid,
        critical=[_strip_abbr(text(r.get("text"), lang), abbr) for r in flags.get("critical", [])],
        invalid=[_strip_abbr(text(r.get("text"), lang), abbr) for r in flags.get("invalid_reasons", [])],
        level_reasons=[text(r.get("text"), lang) for r in flags.get("reasons", [])],
    )
    if not result.valid and not view.invalid:
        view.invalid = [_("Not valid; the reason was not recorded (scored before reasons were kept).")]
    if inst is None:
        return view
    scores = result.scores or {}
    view.scores = score_lines(result, lang)
    if result.valid:
        try:
            thresholds = inst.thresholds_for(variant or None)
        except ValueError:
            thresholds = inst.thresholds_for(None)
        for t in thresholds:
            value = scores.get(t.score)
            if value is None or not compare(value, t.op, t.value):
                continue
            note = text(t.label, lang) if t.label else _("positive-screen cut-off")
            view.crossed.append(
                _("%(score)s %(value)s %(op)s %(bound)s (%(note)s)")
                % {
                    "score": text(inst.score_def(t.score).label, lang),
                    "value": _num(value),
                    "op": OP_SIGN[t.op],
                    "bound": _num(t.value),
                    "note": note,
                }
            )
    # The level's reasons repeat the thresholds and critical answers above: keep only what they add (a severe
    # band's rule, for one).
    shown = [*view.crossed, *view.critical]
    view.level_reasons = [
        r
        for r in (_strip_abbr(x, abbr) for x in view.level_reasons)
        if not any(line.startswith(r.split("（")[0].split(" (")[0].strip()) for line in shown)
    ]
    return view


def student_result_lines(results: Iterable, *, scores: bool, lang: str | None = None) -> list[dict]:
    """What a student may see of their own results when the campaign allows it: the neutral title and the band
    labels (with the scores' names and values when the campaign shows scores) — no clinical title, level or
    reason."""
    out = []
    for r in results:
        inst = _definition(r.instrument_id, r.instrument_version)
        if inst is None:
            continue
        parts = []
        for s in inst.scores:
            band = next((text(b.label, lang) for b in s.bands if b.code == (r.bands or {}).get(s.id)), "")
            value = (r.scores or {}).get(s.id)
            if scores and value is not None:
                parts.append(f"{text(s.label, lang)} {_num(value)}" + (f"（{band}）" if band else ""))
            elif band:
                parts.append(f"{text(s.label, lang)}：{band}")
        out.append({"title": text(inst.student_title, lang), "parts": parts})
    return out


# How a Beijing school names its grades: 一年级…六年级, 初一…初三, 高一…高三.
GRADE_NAMES = [
    gettext_lazy("Grade 1"), gettext_lazy("Grade 2"), gettext_lazy("Grade 3"), gettext_lazy("Grade 4"),
    gettext_lazy("Grade 5"), gettext_lazy("Grade 6"), gettext_lazy("Grade 7"), gettext_lazy("Grade 8"),
    gettext_lazy("Grade 9"), gettext_lazy("Grade 10"), gettext_lazy("Grade 11"), gettext_lazy("Grade 12"),
]  # fmt: skip


def grade_name(grade: int) -> str:
    return str(GRADE_NAMES[grade - 1]) if 1 <= grade <= 12 else str(grade)
