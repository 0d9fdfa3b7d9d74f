"""Property tests (hypothesis) over every shipped definition and the MHT test definition: every score lies in its
declared range; raising a non-reverse item never lowers a score; the vectorized `score_many` agrees with `score`
on random answer sheets."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.instruments import catalogue, load, load_file
from screening.instruments.batch import REFUSED_CODE, answers_to_row, matrix_from_answers, score_many
from screening.instruments.scoring import REFUSED, score

MHT = load_file(Path(__file__).parent / "data" / "mht_test.yaml")
INSTRUMENTS = [*catalogue(), MHT]
IDS = [i.id for i in INSTRUMENTS]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def answer_strategy(item, blanks=True):
    choices = [st.sampled_from(item.values)]
    if blanks:
        choices.append(st.none())
        if item.refusable:
            choices.append(st.just(REFUSED))
    return st.one_of(*choices)


def sheets(inst, blanks=True):
    return st.fixed_dictionaries({item.id: answer_strategy(item, blanks) for item in inst.items})


def variants(inst):
    return st.sampled_from([None, *inst.variants])


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_every_score_lies_in_its_declared_range(inst):
    @SETTINGS
    @given(answers=sheets(inst), variant=variants(inst))
    def check(answers, variant):
        r = score(inst, answers, variant=variant)
        for s in inst.scores:
            lo, hi = inst.score_range(s.id)
            v = r.scores[s.id]
            assert v is None or lo <= v <= hi, (s.id, v)
            if v is not None and s.bands:
                assert r.bands[s.id] in {b.code for b in s.bands}
        assert r.level in ("none", "yellow", "orange", "red")
        assert bool(r.level_reasons) == (r.level != "none")
        assert not r.acute or r.level == "red"

    check()


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_raising_a_non_reverse_item_never_lowers_a_score(inst):
    plain = [i for i in inst.items if not i.reverse and i.show_if is None and i.id in inst.scored_item_ids]

    @SETTINGS
    @given(answers=sheets(inst), data=st.data())
    def check(answers, data):
        item = data.draw(st.sampled_from(plain))
        current = answers[item.id]
        if not isinstance(current, int) or current == item.high:
            return
        higher = data.draw(st.sampled_from([v for v in item.values if v > current]))
        before = score(inst, answers)
        after = score(inst, {**answers, item.id: higher})
        for s in inst.scores:
            if item.id in s.items and before.scores[s.id] is not None:
                assert after.scores[s.id] >= before.scores[s.id], (s.id, item.id)

    check()


def test_raising_a_reverse_item_lowers_the_total():
    cesdc = load("ces-dc")
    base = {f"q{i}": 1 for i in range(1, 21)} | {"q1": 2}
    assert score(cesdc, {**base, "q4": 3}).scores["total"] < score(cesdc, base).scores["total"]


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_batch_and_single_scoring_agree_on_random_sheets(inst):
    @SETTINGS
    @given(
        batch=st.lists(sheets(inst), min_size=1, max_size=12),
        variant=variants(inst),
        timed=st.booleans(),
        data=st.data(),
    )
    def check(batch, variant, timed, data):
        seconds = None
        secs_per_sheet = [None] * len(batch)
        if timed:
            secs_per_sheet = [
                data.draw(
                    st.fixed_dictionaries({i.id: st.sampled_from([0.3, 0.8, 2.0, 5.0]) for i in inst.items})
                )
                for _ in batch
            ]
            seconds = np.asarray([[s[i.id] for i in inst.items] for s in secs_per_sheet])
        many = score_many(inst, matrix_from_answers(inst, batch), variant=variant, seconds=seconds)
        for row, (answers, secs) in enumerate(zip(batch, secs_per_sheet, strict=True)):
            one = score(inst, answers, variant=variant, seconds_per_item=secs)
            for s in inst.scores:
                got = many.scores[s.id][row]
                want = one.scores[s.id]
                assert (math.isnan(got) and want is None) or got == want, (s.id, got, want)
                if s.bands:
                    assert many.bands[s.id][row] == one.bands.get(s.id, "")
            assert many.valid[row] == one.valid
            assert many.positive[row] == one.positive
            assert many.critical[row] == bool(one.critical)
            assert {k for k, v in many.critical_rules.items() if v[row]} == set(one.critical_rules)
            assert many.acute[row] == one.acute
            assert many.levels[row] == one.level

    check()


def test_batch_rejects_an_out_of_range_cell_and_a_refusal_where_not_allowed():
    phq = load("phq-9")
    good = answers_to_row(phq, {f"q{i}": 1 for i in range(1, 10)})
    bad = good.copy()
    bad[3] = 4
    with pytest.raises(ValueError, match="row 1 q4: 4 is out of range"):
        score_many(phq, np.vstack([good, bad]))
    bad[3] = REFUSED_CODE
    with pytest.raises(ValueError, match="out of range"):
        score_many(phq, np.vstack([good, bad]))
    with pytest.raises(ValueError, match="n × 9 items"):
        score_many(phq, np.zeros((2, 8)))


def test_batch_levels_on_known_rows():
    asq = load("asq")
    rows = matrix_from_answers(
        asq,
        [
            {"q1": 0, "q2": 0, "q3": 0, "q4": 0},
            {"q1": 1, "q2": 0, "q3": 0, "q4": 0, "q5": 0},
            {"q1": 0, "q2": REFUSED, "q3": 0, "q4": 0, "q5": 1},
        ],
    )
    assert list(score_many(asq, rows).levels) == ["none", "orange", "red"]
