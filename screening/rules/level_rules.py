"""预警规则 — a district's suggested-level rules: checking them against the instruments, saying them in words, and
finding the version in force (issue 15, Build 1; R5.3; docs/alerts.md "Default level rules").

``screening.instruments.scoring`` holds the rule language (``LevelRule``/``LevelRules``) and applies it; this module knows the
instruments a district can name and speaks to people. The writes are ``screening.rules.services.change_level_rules``;
the reads of rule-set rows ``screening.campaigns.selectors.level_rule_sets``.

Rules a district's rule set must keep (``problems``), because the published triage requires them:
- every instrument, score and critical item it names exists, and a threshold lies within the score's range;
- a score rule points the way the instrument's own cut-offs point (a higher PHQ total is worse, a lower WHO-5
  is), and only upwards on a score that contains a critical item — so that adding a critical answer can never
  lower a level;
- a suicide-risk answer alone still rates at least orange, an acute one red (ASQ toolkit: a non-acute positive
  needs a brief suicide safety assessment, an acute positive a STAT safety evaluation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import ValidationError

from screening.instruments import Instrument, catalogue, load
from screening.instruments.scoring import (
    LEVELS,
    OP_SIGN,
    LevelRule,
    LevelRules,
    Reason,
    ScoreResult,
    suggest_level,
)

LEVEL_NAMES = {"red": "Red", "orange": "Orange", "yellow": "Yellow"}  # screening.models.Level's labels
UP, DOWN = {">=", ">"}, {"<=", "<"}


def localized(text: dict) -> str:
    lang = (get_language() or "zh-hans").lower()
    key = "zh-hans" if lang.startswith("zh") else "en"
    return text.get(key) or text.get("zh-hans") or text.get("en") or ""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


@cache
def instruments() -> dict[str, Instrument]:
    """The latest shipped definition of every instrument, by id: what a rule may name."""
    return {i.id: load(i.id) for i in catalogue()}


def level_name(level: str) -> str:
    return _(LEVEL_NAMES.get(level, level))


def instrument_name(instrument_id: str) -> str:
    inst = instruments().get(instrument_id)
    return localized(inst.title) if inst else instrument_id


def critical_label(inst: Instrument, rule_id: str) -> str:
    """A critical rule in words: its items and the answer that fires it, e.g. "第9题 ≥ 1（好几天）"."""
    rule = next((c for c in inst.critical if c.id == rule_id), None)
    if rule is None:
        return rule_id
    first = inst.item(rule.items[0])
    names = "、".join(localized(inst.item(i).name()) for i in rule.items)
    label = localized(first.option_label(rule.value))
    text = f"{names} {OP_SIGN[rule.op]} {rule.value}" + (f"（{label}）" if label else "")
    if rule.on_refused:
        text += _(", or refused")
    if rule.acute:
        text += _(" (acute)")
    return text


def score_label(inst: Instrument, score_id: str) -> str:
    try:
        return localized(inst.score_def(score_id).label)
    except KeyError:
        return score_id


# --- the rules in words -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleRow:
    """One rule as the editor and the history show it."""

    level: str
    level_name: str
    when: str
    instruments: str
    key: str  # canonical JSON: rows of two versions compare by it (the diff)


def describe(rule: LevelRule) -> RuleRow:
    insts = [instruments()[i] for i in rule.instruments if i in instruments()]
    names = "、".join(localized(i.title) for i in insts) if rule.instruments else _("any instrument")
    if rule.when == "acute":
        when = _("an acute suicide-risk answer (imminent risk, e.g. ASQ question 5)")
    elif rule.when == "positive":
        when = _("a positive screen (the instrument's cut-off)")
    elif rule.when == "score":
        label = "、".join(dict.fromkeys(score_label(i, rule.score or "") for i in insts)) or (
            rule.score or ""
        )
        when = f"{label} {OP_SIGN[rule.op]} {_num(rule.value or 0)}"
    else:
        pool = insts or [
            i for i in instruments().values() if i.critical
        ]  # no instrument named: any that has it
        chosen = [
            critical_label(i, c) if insts else f"{i.abbr} {critical_label(i, c)}"
            for i in pool
            for c in rule.critical
            if any(x.id == c for x in i.critical)
        ]
        items = "；".join(chosen)
        if rule.when == "critical":
            when = (
                _("a suicide-risk answer: %(items)s") % {"items": items}
                if items
                else _("any suicide-risk answer")
            )
        else:
            when = _("at least %(n)s of these suicide-risk answers on the same questionnaire: %(items)s") % {
                "n": rule.min_count or 2,
                "items": items or _("any"),
            }
    key = json.dumps(rule.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return RuleRow(rule.level, level_name(rule.level), when, names, key)


def table(rules: LevelRules) -> list[RuleRow]:
    """The rules, highest level first (the order people read a triage table in)."""
    rows = [describe(r) for r in rules.rules]
    return sorted(rows, key=lambda r: -LEVELS.index(r.level))


@dataclass(frozen=True)
class Diff:
    added: list[RuleRow]
    removed: list[RuleRow]

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _atoms(rules: LevelRules) -> dict[str, LevelRule]:
    """The rules one per instrument with their lists sorted: two versions compare by meaning, not by layout (the
    editor writes a rule naming PHQ-9 and PHQ-A as two rows)."""
    out = {}
    for r in rules.rules:
        for inst in r.instruments or [None]:
            atom = r.model_copy(
                update={"instruments": [inst] if inst else [], "critical": sorted(r.critical)}
            )
            out[json.dumps(atom.model_dump(mode="json"), sort_keys=True)] = atom
    return out


def diff(old: LevelRules, new: LevelRules) -> Diff:
    before, after = _atoms(old), _atoms(new)
    added = [describe(after[k]) for k in after.keys() - before.keys()]
    removed = [describe(before[k]) for k in before.keys() - after.keys()]
    order = lambda row: (-LEVELS.index(row.level), row.instruments, row.when)  # noqa: E731
    return Diff(sorted(added, key=order), sorted(removed, key=order))


# --- checking a district's rules --------------------------------------------------------------------------------


def parse(data: object) -> tuple[LevelRules | None, list[str]]:
    """``data`` (the JSON of a rule set) as ``LevelRules``, or the reasons why not — in the user's language, naming
    the rule by its number. Nothing here writes."""
    try:
        rules = LevelRules.model_validate(data)
    except ValidationError:
        return None, [_("The rules could not be read. Please check every row.")]
    errors = problems(rules)
    return (None, errors) if errors else (rules, [])


def problems(rules: LevelRules) -> list[str]:
    out: list[str] = []
    if not rules.rules:
        return [_("Keep at least one rule.")]
    known = instruments()
    for n, rule in enumerate(rules.rules, start=1):
        out += _rule_problems(n, rule, known)
    if not out:
        out += _floor_problems(rules, known)
    return out


def _rule_problems(n: int, rule: LevelRule, known: dict[str, Instrument]) -> list[str]:
    out = []
    unknown = [i for i in rule.instruments if i not in known]
    for i in unknown:
        out.append(_("Rule %(n)s: there is no instrument “%(id)s”.") % {"n": n, "id": i})
    if unknown:
        return out
    insts = [known[i] for i in rule.instruments]
    if rule.when == "score":
        if not insts:
            return [_("Rule %(n)s: a score rule needs an instrument.") % {"n": n}]
        if not rule.score or rule.value is None:
            return [_("Rule %(n)s: choose a score and a threshold.") % {"n": n}]
        for inst in insts:
            out += _score_problems(n, rule, inst)
    elif rule.when in {"critical", "critical_count"}:
        pool = [inst for inst in insts] if insts else [i for i in known.values() if i.critical]
        for inst in insts:
            if not inst.critical:
                out.append(
                    _("Rule %(n)s: %(instrument)s has no suicide-risk items.")
                    % {"n": n, "instrument": localized(inst.title)}
                )
        for c in rule.critical:
            if not any(c == x.id for inst in pool for x in inst.critical):
                names = "、".join(localized(i.title) for i in pool)
                out.append(
                    _("Rule %(n)s: %(instrument)s has no suicide-risk item “%(id)s”.")
                    % {"n": n, "instrument": names, "id": c}
                )
        if rule.when == "critical_count":
            most = len(rule.critical) if rule.critical else max((len(i.critical) for i in pool), default=0)
            if rule.min_count is None or rule.min_count < 2 or rule.min_count > most:
                out.append(
                    _(
                        "Rule %(n)s: the count must be at least 2 and at most the number of suicide-risk items chosen (%(most)s)."
                    )
                    % {"n": n, "most": most}
                )
    elif rule.when == "acute":
        for inst in insts:
            if not any(c.acute for c in inst.critical):
                out.append(
                    _("Rule %(n)s: %(instrument)s has no acute item.")
                    % {"n": n, "instrument": localized(inst.title)}
                )
    return out


def _score_problems(n: int, rule: LevelRule, inst: Instrument) -> list[str]:
    name = localized(inst.title)
    try:
        lo, hi = inst.score_range(rule.score or "")
    except KeyError:
        if ":" in (rule.score or ""):  # the editor's value of another instrument's score
            return [
                _("Rule %(n)s: the score chosen is not a score of %(instrument)s.")
                % {"n": n, "instrument": name}
            ]
        return [
            _("Rule %(n)s: %(instrument)s has no score “%(score)s”.")
            % {"n": n, "instrument": name, "score": rule.score}
        ]
    label = score_label(inst, rule.score or "")
    value = float(rule.value or 0)
    if not lo <= value <= hi:
        return [
            _(
                "Rule %(n)s: the threshold %(value)s is outside the range of %(instrument)s %(score)s (%(low)s–%(high)s)."
            )
            % {
                "n": n,
                "value": _num(value),
                "instrument": name,
                "score": label,
                "low": _num(lo),
                "high": _num(hi),
            }
        ]
    allowed = allowed_ops(inst, rule.score or "")
    if rule.op not in allowed:
        signs = " ".join(OP_SIGN[o] for o in sorted(allowed))
        return [
            _(
                "Rule %(n)s: on %(instrument)s %(score)s a worse state is a %(direction)s score, so use %(signs)s."
            )
            % {
                "n": n,
                "instrument": name,
                "score": label,
                "direction": _("lower") if allowed == DOWN else _("higher"),
                "signs": signs,
            }
        ]
    return []


def allowed_ops(inst: Instrument, score_id: str) -> set[str]:
    """The comparisons a rule may use on a score: the direction of the instrument's own cut-offs on it (WHO-5:
    lower is worse), upwards otherwise — and always upwards on a score containing a critical item, so that a
    critical answer, which raises such a score, can never take a level away."""
    ops = {t.op for t in inst.thresholds if t.score == score_id}
    critical_items = {i for c in inst.critical for i in c.items}
    if ops and ops <= DOWN and not critical_items & set(inst.score_def(score_id).items):
        return DOWN
    return UP


def _floor_problems(rules: LevelRules, known: dict[str, Instrument]) -> list[str]:
    """Each suicide-risk answer alone must still rate at least orange, an acute one red."""
    out = []
    for inst in known.values():
        for c in inst.critical:
            need = "red" if c.acute else "orange"
            alone = ScoreResult(
                instrument_id=inst.id, version=inst.version, valid=False, invalid_reasons=(), scores={},
                bands={}, positive=c.marks_positive, flags=(), critical=(Reason(f"critical:{c.id}:{c.items[0]}", {}),),
                acute=c.acute, level="none", level_reasons=(), critical_rules=(c.id,),
            )  # fmt: skip
            got, _reasons = suggest_level(inst, alone, rules)
            if LEVELS.index(got) < LEVELS.index(need):
                out.append(
                    _(
                        "With these rules %(instrument)s “%(item)s” alone would rate %(got)s; this answer must rate "
                        "at least %(need)s (ASQ toolkit, PHQ-A guidance)."
                    )
                    % {
                        "instrument": localized(inst.title),
                        "item": critical_label(inst, c.id),
                        "got": level_name(got) if got != "none" else _("no level"),
                        "need": level_name(need),
                    }
                )
    return out


# --- the rules in force -----------------------------------------------------------------------------------------

_parsed: dict[int, tuple[object, LevelRules]] = {}  # by primary key: the stored JSON and its parsed rules


def rules_of(rule_set_id: int | None, data: object = None) -> LevelRules:
    """The rules of a stored rule-set version (``None``: the built-in defaults). ``data`` is the row's JSON when the
    caller read it already (the submit reads it with the response it locks); otherwise the row is read. The parse
    is kept per process and reused while the JSON is the same."""
    if rule_set_id is None:
        return LevelRules.default()
    if data is None:
        from screening.rules.models import LevelRuleSet

        data = LevelRuleSet.objects.values_list("rules", flat=True).get(pk=rule_set_id)
    got = _parsed.get(rule_set_id)
    if got is None or got[0] != data:
        got = _parsed[rule_set_id] = (data, LevelRules.model_validate(data))
    return got[1]


def rules_json(rules: LevelRules) -> dict:
    return rules.model_dump(mode="json", exclude_defaults=True)
