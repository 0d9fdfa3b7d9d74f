"""Crisis triage (危机分诊, R4.2): the lexicon's rules as a user would state them, and its measured figures on the
labelled sets (recall first). Figures are reported in docs/performance.md (Crisis triage)."""

from __future__ import annotations

import pytest

from counseling.centre.triage import DATA_DIR, DEV_SET, HELDOUT_SET, measure, read_labelled, score

HELDOUT2 = DATA_DIR / "triage_heldout2.tsv"
HELDOUT3 = DATA_DIR / "triage_heldout3.tsv"
TRAIN4 = DATA_DIR / "triage_train4.tsv"


@pytest.mark.parametrize(
    "text", ["不想活了", "我想死", "我已经攒了很多安眠药", "我又割自己了", "再见了大家，下辈子见"]
)
def test_plain_statements_of_suicide_or_self_harm_are_a_crisis(text):
    assert score(text).crisis


@pytest.mark.parametrize("text", ["我不是不想活", "我不会自杀的，别担心", "我从来没想过自杀"])
def test_a_negated_statement_is_not_a_crisis(text):
    result = score(text)
    assert not result.crisis and result.negated


@pytest.mark.parametrize(
    "text", ["累死了", "笑死我了", "烦死了，作业怎么这么多", "想死你了", "这次考试死定了"]
)
def test_everyday_idioms_with_death_in_them_are_not_a_crisis(text):
    assert not score(text).crisis


def test_a_story_or_the_news_weighs_less_than_the_sender_saying_it():
    assert not score("新闻里说有个学生跳楼了").crisis
    assert score("我想跳楼").crisis


def test_the_score_names_lexicon_entries_not_the_words_of_the_message():
    result = score("我不想活了，已经准备好了绳子")
    assert result.hits and all("不想活" not in h for h in result.hits)


def test_the_sets_are_large_enough_and_hold_both_labels():
    dev, held = read_labelled(DEV_SET), [read_labelled(p) for p in (HELDOUT_SET, HELDOUT2, HELDOUT3)]
    assert len(dev) >= 200 and all(len(rows) >= 60 for rows in held)
    for rows in (dev, *held):
        assert {r.crisis for r in rows} == {True, False}


def test_on_the_development_sets_recall_is_at_least_095_and_precision_at_least_090():
    m = measure(
        read_labelled(DEV_SET) + read_labelled(HELDOUT_SET) + read_labelled(HELDOUT2) + read_labelled(TRAIN4)
    )
    assert m.recall >= 0.95, [r.text for r in m.misses]
    assert m.precision >= 0.90, [r.text for r in m.false_alarms]


def test_on_the_untouched_held_out_set_the_figures_do_not_fall_below_what_was_measured():
    """The honest estimate: held-out set 3 was written after lexicon v5 was frozen and was read neither to tune the
    lexicon nor to train the n-gram model. The lexicon alone found 0.20 of its crisis messages; with the model,
    0.83 (docs/performance.md). These floors stop the triage getting worse."""
    m = measure(read_labelled(HELDOUT3))
    assert m.recall >= 0.80
    assert m.precision >= 0.80
    alone = measure(read_labelled(HELDOUT3), use_model=False)
    assert alone.recall >= 0.20 and alone.precision >= 0.75


def test_the_ngram_model_catches_indirect_wording_the_lexicon_has_no_phrase_for():
    """Farewells, giving things away, self-harm and means without the listed words (training set 4 kinds)."""
    text = "我的漫画书你都拿走吧，我以后用不着了"
    assert not score(text, use_model=False).crisis
    result = score(text)
    assert result.crisis and "ngram-model" in result.hits and result.model >= 0.5


@pytest.mark.parametrize(
    "text", ["再见啦，下周一见", "周末想睡个懒觉，谁也别叫我", "我把旧的课外书捐给了山区小学"]
)
def test_everyday_goodbyes_and_rest_are_not_a_crisis(text):
    assert not score(text).crisis


@pytest.mark.parametrize(
    "text",
    ["我刚吃了一整瓶安眠药，头好晕", "我现在站在天台上，风好大", "手上一直在流血，止不住"],
)
def test_an_act_in_progress_is_imminent_danger_not_only_risk(text):
    result = score(text)
    assert result.imminent and result.crisis and result.risk_class == "imminent"


@pytest.mark.parametrize("text", ["我不想活了", "我想过自杀，但是还没有计划"])
def test_ideation_without_an_act_or_a_time_is_risk_not_imminent_danger(text):
    result = score(text)
    assert result.crisis and not result.imminent and result.risk_class == "risk"


def test_an_act_in_a_story_is_not_imminent_danger():
    assert not score("小说里的主角站在天台上，风很大").imminent
