"""Worked examples: PHQ-9, GAD-7 and ASQ (minimum, maximum, every band boundary both sides, missing items,
critical rules, variants, suggested level with bilingual reasons)."""

from __future__ import annotations

import pytest

from screening.instruments import load
from screening.instruments.scoring import REFUSED, LevelRules, score, validate_answer, visible_items
from screening.instruments.tests.scoring_helpers import sheet_with_total

PHQ9_ZERO = {f"q{i}": 0 for i in range(1, 10)}


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
)  # fmt: skip
def test_phq9_total_and_band_at_each_boundary(total, band):
    r = score(load("phq-9"), sheet_with_total(load("phq-9"), total))
    assert r.valid and r.scores["total"] == total and r.bands["total"] == band


def test_phq9_minimum_and_maximum():
    assert score(load("phq-9"), PHQ9_ZERO).scores == {"total": 0}
    r = score(load("phq-9"), {f"q{i}": 3 for i in range(1, 10)})
    assert r.scores == {"total": 27} and r.level == "orange"


def test_phq9_positive_cut_off_is_11_for_adolescents_by_default_and_10_for_adults():
    sheet10 = sheet_with_total(load("phq-9"), 10)
    assert not score(load("phq-9"), sheet10).positive
    assert score(load("phq-9"), sheet_with_total(load("phq-9"), 11)).positive
    adult = score(load("phq-9"), sheet10, variant="adult")
    assert adult.positive and adult.variant == "adult"
    assert adult.flags[0].text["en"] == "PHQ-9 total 10 ≥ 10 (adult cut-off)"
    assert not score(load("phq-9"), sheet_with_total(load("phq-9"), 9), variant="adult").positive
    with pytest.raises(ValueError, match="unknown variant 'child'"):
        score(load("phq-9"), sheet10, variant="child")


def test_phq9_item9_of_1_is_critical_whatever_the_total():
    r = score(load("phq-9"), {**PHQ9_ZERO, "q9": 1})
    assert r.scores["total"] == 1 and r.bands["total"] == "minimal" and not r.positive
    assert r.critical_rules == ("item9",) and r.level == "orange"
    assert r.level_reasons[0].text == {
        "zh-hans": "PHQ-9 第9题 = 1（好几天）",
        "en": "PHQ-9 item 9 = 1: several days",
    }
    assert not score(load("phq-9"), PHQ9_ZERO).critical


def test_phq9_of_20_suggests_orange_and_19_yellow():
    r = score(load("phq-9"), sheet_with_total(load("phq-9"), 20))
    assert r.scores["total"] == 20 and not r.critical and r.level == "orange"
    assert r.level_reasons[0].text["en"] == "PHQ-9 total 20 ≥ 20"
    r = score(load("phq-9"), sheet_with_total(load("phq-9"), 19, fill={"q9": 0}))
    assert r.level == "yellow" and r.level_reasons[0].code == "threshold:positive_adolescent"


def test_phq9_one_missing_item_is_prorated_and_two_make_it_not_scorable():
    one = {**{f"q{i}": 2 for i in range(1, 9)}, "q9": None}
    assert score(load("phq-9"), one).scores["total"] == 18  # 16 × 9/8 = 18
    two = {**one, "q8": None}
    r = score(load("phq-9"), two)
    assert not r.valid and r.scores["total"] is None and r.bands == {} and not r.positive
    assert r.invalid_reasons[0].code == "not_scorable"
    assert "2 items unanswered" in r.invalid_reasons[0].text["en"]


def test_answering_too_fast_invalidates_but_critical_answers_still_count():
    sheet = {**sheet_with_total(load("phq-9"), 15, fill={"q9": 0}), "q9": 1}
    r = score(load("phq-9"), sheet, seconds_per_item={f"q{i}": 0.4 for i in range(1, 10)})
    assert not r.valid and r.invalid_reasons[0].code == "too_fast"
    assert not r.positive and r.critical and r.level == "orange"
    ok = score(load("phq-9"), sheet, seconds_per_item={f"q{i}": 3.0 for i in range(1, 10)})
    assert ok.valid and ok.positive


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "severe"), (21, "severe")],
)  # fmt: skip
def test_gad7_total_and_band_at_each_boundary(total, band):
    r = score(load("gad-7"), sheet_with_total(load("gad-7"), total))
    assert r.scores["total"] == total and r.bands["total"] == band
    assert r.positive == (total >= 10)
    assert r.level == ("orange" if total >= 15 else "yellow" if total >= 10 else "none")


def test_gad7_level_reasons_say_the_score_and_cut_off():
    r = score(load("gad-7"), sheet_with_total(load("gad-7"), 15))
    assert [x.text for x in r.level_reasons] == [
        {"zh-hans": "GAD-7 总分 15 ≥ 15", "en": "GAD-7 total 15 ≥ 15"}
    ]
    r = score(load("gad-7"), sheet_with_total(load("gad-7"), 10))
    assert r.level_reasons[0].text["zh-hans"] == "GAD-7 总分 10 ≥ 10"


def test_gad7_missing_items():
    sheet = {**sheet_with_total(load("gad-7"), 12), "q7": None}
    assert score(load("gad-7"), sheet).valid
    assert not score(load("gad-7"), {**sheet, "q6": None}).valid


# -- ASQ --------------------------------------------------------------------------------------------------------

ASQ_NO = {"q1": 0, "q2": 0, "q3": 0, "q4": 0}


def test_asq_all_no_is_negative():
    r = score(load("asq"), ASQ_NO)
    assert r.valid and not r.positive and not r.critical and r.level == "none"


@pytest.mark.parametrize("item", ["q1", "q2", "q3", "q4"])
def test_asq_yes_to_any_of_q1_to_q4_with_q5_no_is_a_non_acute_positive(item):
    r = score(load("asq"), {**ASQ_NO, item: 1, "q5": 0})
    assert r.positive and not r.acute and r.level == "orange"
    assert r.flags[0].text["en"] == f"ASQ Q{item[1]} = 1: yes"


@pytest.mark.parametrize("item", ["q1", "q2", "q3", "q4"])
def test_asq_refusing_any_of_q1_to_q4_is_positive(item):
    r = score(load("asq"), {**ASQ_NO, item: REFUSED, "q5": 0})
    assert r.positive and r.level == "orange"
    assert r.critical[0].text == {
        "zh-hans": f"ASQ 第{item[1]}题 拒绝回答",
        "en": f"ASQ Q{item[1]}: refused to answer",
    }


def test_asq_q5_yes_is_acute_and_red():
    r = score(load("asq"), {**ASQ_NO, "q3": 1, "q5": 1})
    assert r.acute and r.level == "red"
    assert [x.code for x in r.level_reasons] == ["critical:acute:q5"]
    assert r.level_reasons[0].text["zh-hans"] == "ASQ 第5题 = 1（是）"


def test_asq_q5_refused_or_blank_after_a_positive_is_treated_as_acute():
    assert score(load("asq"), {**ASQ_NO, "q1": 1, "q5": REFUSED}).level == "red"
    assert score(load("asq"), {**ASQ_NO, "q1": 1}).level == "red"


def test_asq_q5_is_hidden_unless_q1_to_q4_are_positive_and_ignored_when_hidden():
    asq = load("asq")
    assert [i.id for i in visible_items(asq, ASQ_NO)] == ["q1", "q2", "q3", "q4"]
    assert [i.id for i in visible_items(asq, {**ASQ_NO, "q4": 1})][-1] == "q5"
    assert [i.id for i in visible_items(asq, {**ASQ_NO, "q2": REFUSED})][-1] == "q5"
    r = score(asq, {**ASQ_NO, "q5": 1})
    assert not r.acute and r.level == "none"


def test_asq_a_blank_question_counts_as_declined():
    r = score(load("asq"), {"q1": 0, "q2": 0, "q3": 0, "q5": 0})
    assert r.positive and r.critical[0].text["en"] == "ASQ Q4: left blank"


def test_a_district_may_override_the_level_rules():
    strict = LevelRules.model_validate(
        {
            "rules": [
                {"level": "red", "when": "critical", "instruments": ["phq-9"]},
                {"level": "yellow", "when": "positive"},
            ]
        }
    )
    r = score(load("phq-9"), {**PHQ9_ZERO, "q9": 1}, rules=strict)
    assert r.level == "red"
    assert score(load("asq"), {**ASQ_NO, "q1": 1, "q5": 0}, rules=strict).level == "yellow"


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ("q10", 1, "has no item 'q10'"),
        ("q1", 4, "4 is out of range"),
        ("q1", -1, "out of range"),
        ("q1", "2", "must be one of"),
        ("q1", True, "must be one of"),
        ("q1", REFUSED, "cannot be refused"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_message(item, value, message):
    with pytest.raises(ValueError, match=message):
        validate_answer(load("phq-9"), item, value)
    with pytest.raises(ValueError, match=message):
        score(load("phq-9"), {**PHQ9_ZERO, item: value})


def test_refusal_is_accepted_where_the_item_allows_it():
    validate_answer(load("asq"), "q1", REFUSED)
    validate_answer(load("asq"), "q1", None)


def test_result_to_json_is_plain_data():
    import json

    r = score(load("asq"), {**ASQ_NO, "q1": 1, "q5": 0})
    data = json.loads(json.dumps(r.to_json(), ensure_ascii=False))
    assert data["level"] == "orange" and data["positive"] is True and data["version"] == "1.0"
    assert data["critical"][0] == {
        "code": "critical:positive:q1",
        "text": {"zh-hans": "ASQ 第1题 = 1（是）", "en": "ASQ Q1 = 1: yes"},
    }
