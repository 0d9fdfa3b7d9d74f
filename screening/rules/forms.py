"""The level-rule editor's form: one small form per rule row (a formset), and the reason (issue 15).

The rows only gather what was typed; whether the rules fit the instruments is ``screening.rules.level_rules.parse``'s
word (one place, Chinese messages naming the rule by its number), and the service checks again before saving.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from screening.instruments.scoring import OP_SIGN, LevelRule, LevelRules
from screening.rules.level_rules import critical_label, describe, instruments, localized, score_label

WHEN_CHOICES = [
    ("acute", _("an acute suicide-risk answer")),
    ("critical", _("a suicide-risk answer")),
    ("critical_count", _("several suicide-risk answers on one questionnaire")),
    ("score", _("a score reaches a threshold")),
    ("positive", _("a positive screen")),
]
LEVEL_CHOICES = [("red", _("Red")), ("orange", _("Orange")), ("yellow", _("Yellow"))]
OP_CHOICES = [(op, OP_SIGN[op]) for op in (">=", ">", "<=", "<")]


def _instrument_choices():
    return [("", _("any instrument"))] + [(i.id, localized(i.title)) for i in instruments().values()]


def _score_choices():
    return [("", "—")] + [
        (localized(i.title), [(f"{i.id}:{s.id}", f"{i.abbr} {score_label(i, s.id)}") for s in i.scores])
        for i in instruments().values()
    ]


def _critical_choices():
    return [
        (f"{i.id}:{c.id}", f"{i.abbr} {critical_label(i, c.id)}")
        for i in instruments().values()
        for c in i.critical
    ]


class _AnyChoices(forms.MultipleChoiceField):
    """Checkboxes whose values ``parse`` judges (an unknown one gets its message there, with the rule's number)."""

    def valid_value(self, value) -> bool:
        return True


class _Select(forms.CharField):
    """A drop-down whose value ``parse`` judges."""

    def __init__(self, *, choices, **kwargs):
        super().__init__(required=False, widget=forms.Select(choices=choices), **kwargs)


class RuleRowForm(forms.Form):
    # "—" first: an untouched empty row (the formset's extra one) stays unchanged and is left out
    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *LEVEL_CHOICES])
    when = forms.ChoiceField(label=_("When"), choices=[("", "—"), *WHEN_CHOICES])
    instrument = _Select(label=_("Instrument"), choices=())
    critical = _AnyChoices(
        label=_("Suicide-risk answers"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    min_count = forms.IntegerField(label=_("At least how many of them"), required=False)
    score = _Select(label=_("Score"), choices=())
    op = forms.ChoiceField(label=_("Comparison"), choices=OP_CHOICES, required=False, initial=">=")
    value = forms.FloatField(label=_("Threshold"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].widget.choices = _instrument_choices()
        self.fields["score"].widget.choices = _score_choices()
        self.fields["critical"].choices = _critical_choices()

    def summary(self):
        """The row as it was shown (its initial rule) in words, for the row's heading; None for a new row."""
        i = self.initial
        if not i:
            return None
        try:
            rule = LevelRule(
                level=i["level"],
                when=i["when"],
                instruments=[i["instrument"]] if i["instrument"] else [],
                critical=[c.split(":", 1)[-1] for c in i["critical"]],
                score=(i["score"] or "").split(":")[-1] or None,
                op=i["op"],
                value=i["value"],
                min_count=i["min_count"],
            )
        except (KeyError, ValueError):
            return None
        return describe(rule)

    def rule(self) -> dict:
        """The row as a ``LevelRule`` (JSON): only the fields its kind uses."""
        d = self.cleaned_data
        inst = d.get("instrument") or ""
        out: dict = {"level": d["level"], "when": d["when"], "instruments": [inst] if inst else []}
        if d["when"] in {"critical", "critical_count"}:
            out["critical"] = sorted({v.split(":", 1)[-1] for v in d.get("critical") or []})
            if d["when"] == "critical_count":
                out["min_count"] = d.get("min_count")
        if d["when"] == "score":
            score = d.get("score") or ""
            prefix, _sep, score_id = score.rpartition(":")
            # a score of another instrument than the row's keeps its prefix, so that parse names it as missing
            out["score"] = score_id if not prefix or prefix == inst else score
            out["op"] = d.get("op") or ">="
            out["value"] = d.get("value")
        return out


RuleRowFormSet = forms.formset_factory(RuleRowForm, extra=1, can_delete=True, max_num=60, validate_max=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Give a reason for the change.")},
    )


def initial_rows(rules: LevelRules) -> list[dict]:
    """The rules as editor rows: a rule naming several instruments becomes one row per instrument (the same rule)."""
    rows = []
    for r in rules.rules:
        for inst in r.instruments or [""]:
            crit = [f"{i}:{c}" for c in r.critical for i in ([inst] if inst else instruments()) if _has(i, c)]
            rows.append(
                {
                    "level": r.level,
                    "when": r.when,
                    "instrument": inst,
                    "critical": crit,
                    "min_count": r.min_count,
                    "score": f"{inst}:{r.score}" if r.score and inst else (r.score or ""),
                    "op": r.op,
                    "value": r.value,
                }
            )
    return rows


def _has(instrument_id: str, critical_id: str) -> bool:
    inst = instruments().get(instrument_id)
    return bool(inst) and any(c.id == critical_id for c in inst.critical)
