"""Worked examples for PHQ-A, PHQ-2, GAD-2, CES-DC, WHO-5, PSC-17, SCARED and K6: minimum, maximum, every band
boundary on both sides, reverse items, missing items, critical rules, subscales, variants and the suggested
level (DESIGN.md "Risk levels") with its reasons."""

from __future__ import annotations

import pytest

from screening.instruments import load
from screening.instruments.scoring import score
from screening.instruments.tests.scoring_helpers import sheet_with_total


def run(inst_id, answers, **kw):
    return score(load(inst_id), answers, **kw)


def total_sheet(inst_id, total, **kw):
    return sheet_with_total(load(inst_id), total, **kw)


# -- PHQ-A ------------------------------------------------------------------------------------------------------

PHQA_SUPP = {"past_year": 0, "difficulty": 0, "past_month_thoughts": 0, "ever_attempted": 0}


@pytest.mark.parametrize(
    ("total", "band", "level"),
    [(0, "minimal", "none"), (4, "minimal", "none"), (5, "mild", "none"), (9, "mild", "none"),
     (10, "moderate", "none"), (11, "moderate", "yellow"), (14, "moderate", "yellow"),
     (15, "moderately_severe", "yellow"), (19, "moderately_severe", "yellow"), (20, "severe", "orange"),
     (24, "severe", "orange"), (27, "severe", "orange")],
)  # fmt: skip
def test_phqa_bands_and_levels_at_each_boundary(total, band, level):
    r = run("phq-a", {**total_sheet("phq-a", total), **PHQA_SUPP})
    assert r.scores == {"total": total} and r.bands == {"total": band} and r.level == level
    assert r.positive == (total >= 11)


def test_phqa_adolescent_cut_off_11_is_the_default_and_the_standard_variant_uses_10():
    sheet = {**total_sheet("phq-a", 10), **PHQA_SUPP}
    assert not run("phq-a", sheet).positive
    r = run("phq-a", sheet, variant="standard")
    assert r.positive and r.level == "yellow"
    assert r.level_reasons[0].text == {
        "zh-hans": "PHQ-A 总分 10 ≥ 10（标准界值）",
        "en": "PHQ-A total 10 ≥ 10 (standard cut-off)",
    }


def test_phqa_supplementary_questions_do_not_count_in_the_total():
    r = run("phq-a", {**total_sheet("phq-a", 3), "past_year": 1, "difficulty": 3})
    assert r.scores["total"] == 3 and r.level == "none"


def test_phqa_item9_is_critical_with_the_contract_reason():
    r = run("phq-a", {**total_sheet("phq-a", 0), **PHQA_SUPP, "q9": 2})
    assert r.level == "orange" and r.critical_rules == ("item9",)
    assert r.level_reasons[0].text == {
        "zh-hans": "PHQ-A 第9题 = 2（一半以上的天数）",
        "en": "PHQ-A item 9 = 2: more than half the days",
    }


@pytest.mark.parametrize("question", ["past_month_thoughts", "ever_attempted"])
def test_phqa_past_month_thoughts_or_a_past_attempt_is_critical(question):
    r = run("phq-a", {**total_sheet("phq-a", 0), **PHQA_SUPP, question: 1})
    assert r.critical_rules == (question,) and r.level == "orange" and not r.positive
    assert r.level_reasons[0].text["en"].startswith("PHQ-A ") and r.level_reasons[0].text["en"].endswith(
        "= 1: yes"
    )
    assert run("phq-a", {**total_sheet("phq-a", 0), **PHQA_SUPP, question: 0}).level == "none"


def test_phqa_all_three_critical_rules_fire_and_the_thoughts_attempt_pair_is_red():
    """Issue 15 (docs/alerts.md): past-month serious thoughts with a lifetime attempt rate red, with those two
    answers as the reasons; item 9 stays among the critical answers the teacher reads."""
    r = run("phq-a", {**total_sheet("phq-a", 0), "q9": 1, "past_month_thoughts": 1, "ever_attempted": 1})
    assert r.critical_rules == ("item9", "past_month_thoughts", "ever_attempted") and len(r.critical) == 3
    assert r.level == "red"
    assert [x.code for x in r.level_reasons] == [
        "critical:past_month_thoughts:past_month_thoughts",
        "critical:ever_attempted:ever_attempted",
    ]


# -- PHQ-2 and GAD-2 --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("inst_id", ["phq-2", "gad-2"])
@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [(0, "negative", False), (2, "negative", False), (3, "positive", True), (6, "positive", True)],
)
def test_two_item_screens_are_positive_from_3(inst_id, total, band, positive):
    r = run(inst_id, total_sheet(inst_id, total))
    assert r.scores == {"total": total} and r.bands == {"total": band} and r.positive is positive
    assert r.level == ("yellow" if positive else "none") and not r.critical


@pytest.mark.parametrize("inst_id", ["phq-2", "gad-2"])
def test_two_item_screens_are_not_scorable_with_a_blank(inst_id):
    r = run(inst_id, {"q1": 3, "q2": None})
    assert not r.valid and r.scores == {"total": None} and not r.positive


# -- CES-DC -----------------------------------------------------------------------------------------------------

CESDC_REVERSE = ("q4", "q8", "q12", "q16")


def test_cesdc_minimum_and_maximum_with_reverse_items():
    low = {f"q{i}": 0 for i in range(1, 21)} | dict.fromkeys(CESDC_REVERSE, 3)
    high = {f"q{i}": 3 for i in range(1, 21)} | dict.fromkeys(CESDC_REVERSE, 0)
    assert run("ces-dc", low).scores["total"] == 0
    assert run("ces-dc", high).scores["total"] == 60


@pytest.mark.parametrize("item", CESDC_REVERSE)
def test_cesdc_reverse_items_count_3_for_not_at_all(item):
    base = {f"q{i}": 0 for i in range(1, 21)} | dict.fromkeys(CESDC_REVERSE, 3)
    assert run("ces-dc", {**base, item: 0}).scores["total"] == 3
    assert run("ces-dc", {**base, item: 2}).scores["total"] == 1
    assert run("ces-dc", {**base, "q1": 3}).scores["total"] == 3  # a plain item is not flipped


@pytest.mark.parametrize(
    ("total", "band", "positive"),
    [(15, "low", False), (16, "elevated", True), (23, "elevated", True), (24, "high", True)],
)
def test_cesdc_bands_and_the_over_15_cut_off(total, band, positive):
    r = run("ces-dc", total_sheet("ces-dc", total))
    assert r.scores["total"] == total and r.bands["total"] == band and r.positive is positive
    assert r.level == ("yellow" if positive else "none")
    if positive:
        assert r.flags[0].text["en"] == f"CES-DC total {total} > 15 (conventional cut-off)"


def test_cesdc_chinese_adolescent_variant_uses_24():
    assert not run("ces-dc", total_sheet("ces-dc", 23), variant="chinese_adolescent").positive
    assert run("ces-dc", total_sheet("ces-dc", 24), variant="chinese_adolescent").positive


def test_cesdc_four_missing_items_are_prorated_and_five_make_it_not_scorable():
    sheet = total_sheet("ces-dc", 32)  # q1–q10 = 3, q11 = 2, the rest lowest
    four = {**sheet, "q17": None, "q18": None, "q19": None, "q20": None}
    r = run("ces-dc", four)
    assert r.valid and r.scores["total"] == 40  # 32 × 20/16
    r = run("ces-dc", {**four, "q13": None})
    assert not r.valid and r.scores["total"] is None and r.invalid_reasons[0].code == "not_scorable"


def test_cesdc_the_same_raw_answer_on_all_20_items_is_straight_lining():
    r = run("ces-dc", {f"q{i}": 1 for i in range(1, 21)})
    assert not r.valid and [x.code for x in r.invalid_reasons] == ["straight_line"]
    assert r.scores["total"] == 24 and not r.positive
    assert run("ces-dc", {**{f"q{i}": 1 for i in range(1, 21)}, "q20": 2}).valid


# -- WHO-5 ------------------------------------------------------------------------------------------------------


def test_who5_raw_is_multiplied_by_4():
    assert run("who-5", {f"q{i}": 0 for i in range(1, 6)}).scores == {"raw": 0, "percent": 0}
    r = run("who-5", {f"q{i}": 5 for i in range(1, 6)})
    assert (
        r.scores == {"raw": 25, "percent": 100} and r.bands == {"percent": "adequate"} and r.level == "none"
    )


@pytest.mark.parametrize(
    ("raw", "percent", "band", "flags"),
    [(7, 28, "very_low", ["poor_wellbeing", "very_low_wellbeing"]), (8, 32, "poor", ["poor_wellbeing"]),
     (12, 48, "poor", ["poor_wellbeing"]), (13, 52, "adequate", [])],
)  # fmt: skip
def test_who5_cut_offs_50_and_28(raw, percent, band, flags):
    r = run("who-5", sheet_with_total(load("who-5"), raw, items=load("who-5").score_def("raw").items))
    assert r.scores == {"raw": raw, "percent": percent} and r.bands["percent"] == band
    assert [f.code.split(":")[1] for f in r.flags] == flags
    assert r.level == ("yellow" if flags else "none")
    if flags:
        assert (
            r.level_reasons[0].text["en"]
            == f"WHO-5 percentage score {percent} ≤ 50 (poor well-being: screen further)"
        )


# -- PSC-17 -----------------------------------------------------------------------------------------------------

PSC_SUBSCALES = {
    "internalizing": ["q2", "q6", "q9", "q11", "q15"],  # sad, hopeless, down on self, less fun, worries
    "attention": ["q1", "q3", "q7", "q13", "q17"],  # fidgety, daydreams, concentrating, motor, distracted
    "externalizing": [
        "q4",
        "q5",
        "q8",
        "q10",
        "q12",
        "q14",
        "q16",
    ],  # share, feelings, fights, blames, rules, …
}


def test_psc17_subscales_are_assigned_by_content():
    psc = load("psc-17-y")
    for sub, items in PSC_SUBSCALES.items():
        assert sorted(psc.score_def(sub).items) == sorted(items)
    assert "hopeless" in psc.item("q6").text["en"] and "worry" in psc.item("q15").text["en"]
    assert "fight" in psc.item("q8").text["en"] and "distracted" in psc.item("q17").text["en"]


def test_psc17_minimum_and_maximum():
    assert run("psc-17-y", {f"q{i}": 0 for i in range(1, 18)}).scores == dict.fromkeys(PSC_SUBSCALES, 0) | {
        "total": 0
    }
    r = run("psc-17-y", {f"q{i}": 2 for i in range(1, 18)})
    assert r.scores == {"total": 34, "internalizing": 10, "attention": 10, "externalizing": 14}


@pytest.mark.parametrize(("sub", "cut"), [("internalizing", 5), ("attention", 7), ("externalizing", 7)])
def test_psc17_each_subscale_cut_off_both_sides(sub, cut):
    items = PSC_SUBSCALES[sub]
    below = run("psc-17-y", sheet_with_total(load("psc-17-y"), cut - 1, items=items))
    at = run("psc-17-y", sheet_with_total(load("psc-17-y"), cut, items=items))
    assert below.scores[sub] == cut - 1 and below.bands[sub] == "below" and not below.positive
    assert at.scores[sub] == cut and at.bands[sub] == "positive" and at.positive and at.level == "yellow"
    assert [f.code for f in at.flags] == [f"threshold:{sub}"]


def test_psc17_total_cut_off_15_both_sides():
    # spread evenly so that no subscale reaches its own cut-off
    def sheet(n):
        order = [
            "q4",
            "q1",
            "q2",
            "q5",
            "q3",
            "q6",
            "q8",
            "q7",
            "q9",
            "q10",
            "q13",
            "q11",
            "q12",
            "q17",
            "q14",
        ]
        return {f"q{i}": 0 for i in range(1, 18)} | dict.fromkeys(order[:n], 1)

    r = run("psc-17-y", sheet(14))
    assert r.scores["total"] == 14 and not r.positive
    r = run("psc-17-y", {**sheet(14), "q16": 1})
    assert (
        r.scores["total"] == 15
        and r.bands["total"] == "positive"
        and [f.code for f in r.flags] == ["threshold:total"]
    )
    assert r.level == "yellow"


def test_psc17_three_blanks_count_zero_and_four_make_it_invalid():
    full = {f"q{i}": 1 for i in range(1, 18)}
    three = {**full, "q1": None, "q2": None, "q3": None}
    r = run("psc-17-y", three)
    assert r.valid and r.scores["total"] == 14
    r = run("psc-17-y", {**three, "q4": None})
    assert not r.valid and r.scores["total"] is None and not r.positive


# -- SCARED -----------------------------------------------------------------------------------------------------

SCARED_SUBSCALES = {
    "panic_somatic": ([1, 6, 9, 12, 15, 18, 19, 22, 24, 27, 30, 34, 38], 7),
    "generalized": ([5, 7, 14, 21, 23, 28, 33, 35, 37], 9),
    "separation": ([4, 8, 13, 16, 20, 25, 29, 31], 5),
    "social": ([3, 10, 26, 32, 39, 40, 41], 8),
    "school_avoidance": ([2, 11, 17, 36], 3),
}


def test_scared_minimum_and_maximum():
    assert run("scared-c", {f"q{i}": 0 for i in range(1, 42)}).scores["total"] == 0
    r = run("scared-c", {f"q{i}": 2 for i in range(1, 42)})
    assert r.scores == {
        "total": 82,
        "panic_somatic": 26,
        "generalized": 18,
        "separation": 16,
        "social": 14,
        "school_avoidance": 8,
    }


@pytest.mark.parametrize("sub", list(SCARED_SUBSCALES))
def test_scared_subscale_items_and_cut_off_both_sides(sub):
    numbers, cut = SCARED_SUBSCALES[sub]
    items = [f"q{n}" for n in numbers]
    assert load("scared-c").score_def(sub).items == items
    below = run("scared-c", sheet_with_total(load("scared-c"), cut - 1, items=items))
    at = run("scared-c", sheet_with_total(load("scared-c"), cut, items=items))
    assert below.scores[sub] == cut - 1 and below.bands[sub] == "below" and not below.positive
    assert at.scores[sub] == cut and at.bands[sub] == "elevated" and at.positive
    assert [f.code for f in at.flags] == [f"threshold:{sub}"] and at.level == "yellow"


def test_scared_total_cut_off_25_and_the_chinese_urban_norm_23():
    # one point per item, so that no subscale reaches its cut-off before the total does
    def sheet(n):
        order = [f"q{i}" for i in range(1, 42)]
        return {f"q{i}": 0 for i in range(1, 42)} | dict.fromkeys(order[:n], 1)

    r24, r25 = run("scared-c", sheet(24)), run("scared-c", sheet(25))
    assert (
        r24.scores["total"] == 24
        and r24.bands["total"] == "below"
        and "threshold:total_standard" not in [f.code for f in r24.flags]
    )
    assert r25.bands["total"] == "elevated" and "threshold:total_standard" in [f.code for f in r25.flags]
    assert r25.level == "yellow"
    urban = run("scared-c", sheet(23), variant="chinese_urban")
    assert "threshold:total_chinese_urban" in [f.code for f in urban.flags]
    assert "threshold:total_chinese_urban" not in [
        f.code for f in run("scared-c", sheet(22), variant="chinese_urban").flags
    ]


# -- K6 ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "band", "level"),
    [(0, "low", "none"), (7, "low", "none"), (8, "moderate", "none"), (12, "moderate", "none"),
     (13, "serious", "yellow"), (24, "serious", "yellow")],
)  # fmt: skip
def test_k6_bands_and_the_13_cut_off(total, band, level):
    r = run("k6", total_sheet("k6", total))
    assert r.scores == {"total": total} and r.bands == {"total": band} and r.level == level
    if level == "yellow":
        assert r.level_reasons[0].text["zh-hans"] == f"K6 总分 {total} ≥ 13"


def test_k6_answer_labels_run_from_all_of_the_time_4_to_none_of_the_time_0():
    item = load("k6").item("q1")
    assert (
        item.option_label(4)["en"] == "All of the time" and item.option_label(0)["en"] == "None of the time"
    )
    assert not run("k6", {**total_sheet("k6", 10), "q6": None}).valid


# -- licences ---------------------------------------------------------------------------------------------------


def test_licence_status_follows_instruments_md():
    free = {"phq-9", "phq-2", "gad-7", "gad-2", "asq", "k6", "psc-17-y"}
    confirm = {"phq-a", "ces-dc", "scared-c", "who-5"}
    for inst_id in free:
        assert load(inst_id).licence == "free", inst_id
    for inst_id in confirm:
        assert load(inst_id).licence == "confirm", inst_id
