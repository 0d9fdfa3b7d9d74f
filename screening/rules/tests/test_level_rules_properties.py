"""Issue 15: several independent critical signals never rate lower than the strongest alone — under the default
level rules and under any rule set a district may save (hypothesis), and the walk of the issue rates red with its
reasons in Chinese. Pure scoring: no database."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.instruments import load
from screening.instruments.batch import matrix_from_answers, score_many
from screening.instruments.schema import compare
from screening.instruments.scoring import LEVELS, REFUSED, LevelRule, LevelRules, score, visible_items
from screening.instruments.tests.test_scoring_properties import sheets
from screening.rules.level_rules import allowed_ops, instruments, problems

WITH_CRITICAL = [i for i in instruments().values() if i.critical]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOOR = [LevelRule(level="red", when="acute"), LevelRule(level="orange", when="critical")]
LEVEL = st.sampled_from(["yellow", "orange", "red"])


def _rank(level: str) -> int:
    return LEVELS.index(level)


@st.composite
def extra_rule(draw) -> LevelRule:
    """One rule a district could add: a score threshold (the right way round, inside the score's range), several
    critical answers together, some critical answers, or a positive screen."""
    kind = draw(st.sampled_from(["score", "critical_count", "critical", "positive"]))
    level = draw(LEVEL)
    if kind == "score":
        inst = draw(st.sampled_from([i for i in instruments().values() if i.scores]))
        s = draw(st.sampled_from(inst.scores))
        lo, hi = inst.score_range(s.id)
        value = draw(st.integers(int(lo), int(hi)))
        op = draw(st.sampled_from(sorted(allowed_ops(inst, s.id))))
        return LevelRule(level=level, when="score", instruments=[inst.id], score=s.id, op=op, value=value)
    if kind == "critical_count":
        inst = draw(st.sampled_from([i for i in WITH_CRITICAL if len(i.critical) >= 2]))
        ids = [c.id for c in inst.critical]
        chosen = draw(st.lists(st.sampled_from(ids), min_size=2, unique=True))
        n = draw(st.integers(2, len(chosen)))
        return LevelRule(
            level=level, when="critical_count", instruments=[inst.id], critical=chosen, min_count=n
        )
    if kind == "critical":
        inst = draw(st.sampled_from(WITH_CRITICAL))
        chosen = draw(st.lists(st.sampled_from([c.id for c in inst.critical]), unique=True))
        return LevelRule(level=level, when="critical", instruments=[inst.id], critical=chosen)
    inst = draw(st.sampled_from([None, *instruments()]))
    return LevelRule(level=level, when="positive", instruments=[inst] if inst else [])


@st.composite
def district_rules(draw) -> LevelRules:
    base = draw(st.sampled_from([LevelRules.default().rules, FLOOR]))
    rules = LevelRules(rules=[*base, *draw(st.lists(extra_rule(), max_size=5))])
    assert problems(rules) == []  # what the editor would save
    return rules


RULE_SETS = st.one_of(st.just(LevelRules.default()), district_rules())


@st.composite
def critical_change(draw, inst):
    """A sheet, and the same sheet with one more critical answer: an item of a critical rule that the sheet does
    not fire yet set to an answer that fires it."""
    answers = draw(sheets(inst))
    before = score(inst, answers)
    shown = {i.id for i in visible_items(inst, answers)}
    candidates = [
        (c, item)
        for c in inst.critical
        if c.id not in before.critical_rules
        for item in c.items
        if item in shown
    ]
    if not candidates:
        return answers, answers
    rule, item_id = draw(st.sampled_from(candidates))
    item = inst.item(item_id)
    hits = [v for v in item.values if compare(v, rule.op, rule.value)]
    if rule.on_refused and item.refusable:
        hits.append(REFUSED)
    return answers, {**answers, item_id: draw(st.sampled_from(hits))}


@pytest.mark.parametrize("inst", WITH_CRITICAL, ids=[i.id for i in WITH_CRITICAL])
def test_adding_a_critical_answer_never_lowers_the_suggested_level(inst):
    @SETTINGS
    @given(change=critical_change(inst), rules=RULE_SETS)
    def check(change, rules):
        before, after = change
        was, now = score(inst, before, rules=rules), score(inst, after, rules=rules)
        assert _rank(now.level) >= _rank(was.level), (before, after, was.level, now.level)
        # the vectorized twin (re-scoring) agrees under the same rules
        batch = score_many(inst, matrix_from_answers(inst, [before, after]), rules=rules)
        assert batch.levels.tolist() == [was.level, now.level]

    check()


@pytest.mark.parametrize("inst", WITH_CRITICAL, ids=[i.id for i in WITH_CRITICAL])
def test_a_critical_answer_alone_rates_at_least_orange_under_any_rule_set_a_district_may_save(inst):
    @SETTINGS
    @given(rules=RULE_SETS)
    def check(rules):
        base = {i.id: i.low for i in inst.items}
        for c in inst.critical:
            item = inst.item(c.items[-1])
            value = next(v for v in item.values if compare(v, c.op, c.value))
            sheet = {**base, item.id: value}
            if item.show_if is not None:  # ASQ Q5 is asked after a positive Q1–Q4 only
                opener = inst.item(item.show_if.items[0])
                sheet[opener.id] = next(
                    v for v in opener.values if compare(v, item.show_if.op, item.show_if.value)
                )
            got = score(inst, sheet, rules=rules)
            assert _rank(got.level) >= _rank("red" if c.acute else "orange"), (c.id, got.level)

    check()


def test_several_phq_a_signals_together_never_rate_lower_than_the_strongest_alone():
    inst = load("phq-a")
    base = {i.id: i.low for i in inst.items}
    signals = {"q9": 3, "past_month_thoughts": 1, "ever_attempted": 1}
    alone = {k: score(inst, {**base, k: v}).level for k, v in signals.items()}
    for n in (2, 3):
        for combo in combinations(signals, n):
            together = score(inst, {**base, **{k: signals[k] for k in combo}}).level
            assert _rank(together) >= max(_rank(alone[k]) for k in combo), combo


def test_the_walk_of_issue_15_rates_red_with_its_reasons_in_chinese():
    """A grade-5 student: PHQ-A item 9 = 几乎每天, past-month serious thoughts = 是, lifetime attempt = 是. It was
    rated orange; current thoughts of ending one's life with a past attempt now rate red (docs/alerts.md)."""
    inst = load("phq-a")
    sheet = {**{i.id: 0 for i in inst.items}, "q9": 3, "past_month_thoughts": 1, "ever_attempted": 1}
    r = score(inst, sheet)
    assert r.level == "red"
    words = " ".join(x.text["zh-hans"] for x in r.level_reasons)
    assert "过去一个月的自杀念头" in words and "是" in words
    assert "自杀尝试" in words
    # each of the three alone is orange: a same-day safety assessment, as the PHQ-A guidance asks
    for one in ("q9", "past_month_thoughts", "ever_attempted"):
        value = 3 if one == "q9" else 1
        assert score(inst, {**{i.id: 0 for i in inst.items}, one: value}).level == "orange"


def test_an_asq_acute_answer_is_red_and_a_non_acute_positive_orange():
    """The ASQ toolkit: acute positive → imminent risk (red); non-acute positive → brief safety assessment."""
    asq = load("asq")
    no = {"q1": 0, "q2": 0, "q3": 0, "q4": 0}
    assert score(asq, {**no, "q3": 1, "q5": 1}).level == "red"
    assert score(asq, {**no, "q3": 1, "q4": 1, "q5": 0}).level == "orange"
    assert score(asq, {**no, "q2": REFUSED, "q5": 0}).level == "orange"
