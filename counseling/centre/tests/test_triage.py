"""Crisis triage (危机研判, R4.2): the lexicon's rules as a user would state them, and its measured figures on the
labelled sets (recall first). Figures are reported in docs/performance.md (Crisis triage)."""

from __future__ import annotations

import pytest

from counseling.centre.normalise import normalise
from counseling.centre.triage import (
    DATA_DIR,
    DEV_SET,
    HELDOUT_SET,
    Labelled,
    measure,
    measure_imminent,
    read_labelled,
    score,
    wilson,
)

HELDOUT2 = DATA_DIR / "triage_heldout2.tsv"
HELDOUT3 = DATA_DIR / "triage_heldout3.tsv"
TRAIN4 = DATA_DIR / "triage_train4.tsv"
TRAIN5 = DATA_DIR / "triage_train5.tsv"
TRAIN6 = DATA_DIR / "triage_train6.tsv"
TRAIN7 = DATA_DIR / "triage_train7.tsv"
HELDOUT5 = DATA_DIR / "triage_heldout5.tsv"
HELDOUT6 = DATA_DIR / "triage_heldout6.tsv"
IMMINENT_KINDS = {"overdose", "bleeding", "height", "gas", "harmed", "cry", "parent"}
FALSE_ALARM_KINDS = {"game", "hyperbole", "literature", "better"}


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


def test_on_held_out_3_the_figures_do_not_fall_below_what_was_measured():
    """The honest estimate: held-out set 3 was written after lexicon v5 was frozen and was read neither to tune the
    lexicon nor to train the n-gram model. The lexicon alone found 0.20 of its crisis messages; with the model,
    0.83 (docs/performance.md). These floors stop the triage getting worse."""
    m = measure(read_labelled(HELDOUT3))
    # 0.90 / 0.87 with lexicon v8 and the model retrained on normalised text (issue 16); its totals were consulted
    # once in issue 16 (docs/performance.md). Lexicon v9 (i16imm) read its four misses and added phrases for them
    # (了断, 宁愿没出生, 所有人的麻烦, 没有值得留恋): 1.00 / 0.88 — no longer an untouched figure; the model is
    # still not trained on it
    assert m.recall >= 0.98
    assert m.precision >= 0.87
    alone = measure(read_labelled(HELDOUT3), use_model=False)
    assert alone.recall >= 0.33 and alone.precision >= 0.75


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


# --- issue 16: reading what children write (normalise.py) and the three-class figures ---------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("我不想活了，想自殺", "我不想活了，想自杀"),  # traditional characters
        ("我在天臺，想跳樓", "我在天台，想跳楼"),
        ("ｗａｎｔ ｔｏ ｄｉｅ", "想死"),  # full-width English
        ("buxiang huo le", "不想活了"),  # pinyin, spaced or joined, generated by pypinyin
        ("bù xiǎng huó", "不想活"),
        ("想zs", "想自杀"),  # initials
        ("🔪🩸", "刀血"),  # emoji
        ("真的好想 kms", "真的好想 自杀"),  # code-switching
        ("紫砂算了", "自杀算了"),  # homophone slang
    ],
)
def test_a_message_is_read_in_plain_simplified_chinese(written, read):
    assert normalise(written).replace(",", "，") == read


def test_simplified_text_is_left_as_written():
    """The OpenCC package was chosen because it leaves simplified text alone (one candidate turned 结束 into 結束)."""

    def hanzi(text):
        return [c for c in text if "\u4e00" <= c <= "\u9fff"]

    for path in (DEV_SET, HELDOUT_SET, HELDOUT2, TRAIN4):
        for row in read_labelled(path):
            assert hanzi(normalise(row.text)) == hanzi(row.text), row.text


@pytest.mark.parametrize(
    "text", ["救命", "救救我！！", "别找我了", "吃了一整瓶药又喝了酒", "煤气我已经打开了", "我爸现在在打我"]
)
def test_bare_cries_for_help_and_acts_in_progress_are_imminent(text):
    assert score(text).imminent


@pytest.mark.parametrize(
    "text", ["救命 这道题好难", "这局队友一直送死", "上课睡着被点名 社死", "人生自古谁无死 这句要背"]
)
def test_games_hyperbole_and_quotations_are_not_a_crisis(text):
    assert not score(text).crisis


def test_the_three_class_sets_name_who_wrote_them_and_cover_every_category():
    for path in (TRAIN5, TRAIN6, TRAIN7, HELDOUT5, HELDOUT6):
        assert "helper session" in "".join(path.read_text(encoding="utf-8").splitlines()[:2])
    for path in (HELDOUT5, HELDOUT6):
        held = read_labelled(path)
        for kind in IMMINENT_KINDS:
            assert sum(1 for r in held if r.imminent and r.category == kind) >= 15, kind
        for kind in FALSE_ALARM_KINDS:
            assert sum(1 for r in held if r.risk_class == "none" and r.category == kind) >= 15, kind
        assert {r.category for r in held if r.risk_class == "risk"} >= {"pinyin", "emoji", "english", "slang"}


def _passed_by_category(path):
    passed: dict[str, int] = {}
    for row in read_labelled(path):
        result = score(row.text)
        ok = result.imminent if row.imminent else result.crisis if row.crisis else not result.crisis
        passed[row.category] = passed.get(row.category, 0) + int(ok)
    return passed


@pytest.mark.parametrize(
    ("path", "floors"),
    [
        (
            # read to build lexicon v9 (no longer held out): every imminent message found as imminent
            HELDOUT6,
            {"overdose": 15, "bleeding": 15, "height": 15, "gas": 15, "harmed": 15, "cry": 16, "parent": 15}
            | {"game": 15, "hyperbole": 14, "literature": 14, "better": 15}
            | {"pinyin": 4, "emoji": 3, "english": 5, "slang": 2, "traditional": 3},
        ),
        (
            HELDOUT5,  # measured once at v7, then seen; read to build lexicon v9
            {"overdose": 15, "bleeding": 15, "height": 15, "gas": 15, "harmed": 15, "cry": 15, "parent": 15}
            | {"game": 15, "hyperbole": 12, "literature": 13, "better": 15}
            | {"pinyin": 6, "emoji": 4, "english": 7, "slang": 3, "traditional": 3},
        ),
        (
            TRAIN7,  # written for v9 before held-out 6 was read: the weak kinds and the hard negatives
            {"overdose": 12, "bleeding": 10, "height": 10, "gas": 6, "harmed": 10, "cry": 8, "parent": 12}
            | {"game": 8, "hyperbole": 7, "literature": 6, "better": 9, "pet": 2, "everyday": 6},
        ),
    ],
)
def test_every_category_of_the_three_class_sets_has_examples_that_pass(path, floors):
    """Every category has messages the triage gets right (imminent found as imminent, risk as a crisis, a false
    alarm not flagged); the floors are what was measured at lexicon v9 (docs/performance.md, Issue 16 — v9)."""
    passed = _passed_by_category(path)
    for kind, floor in floors.items():
        assert passed[kind] >= floor, (kind, passed[kind])


def test_on_the_three_class_sets_imminent_recall_is_at_least_098_without_false_alarms():
    """Lexicon v9 on held-out 5 and 6 (read to build it, so these are no longer held-out figures: the lead measures
    the sealed held-out 7 once) and training set 7: imminent recall 1.00 at precision 1.00; crisis recall 1.00 at
    precision ≥ 0.91. Before held-out 6 was read, the v9 draft found 0.83 [0.75–0.89] of its imminent messages
    (docs/performance.md) — these floors stop the triage getting worse, they do not show it generalises."""
    for path, crisis_precision in ((HELDOUT6, 0.97), (HELDOUT5, 0.95), (TRAIN7, 0.90)):
        rows = read_labelled(path)
        crisis, imminent = measure(rows), measure_imminent(rows)
        assert crisis.recall >= 0.99 and crisis.precision >= crisis_precision, path.name
        assert imminent.recall >= 0.98 and imminent.precision >= 0.98, (path.name, imminent.misses)


def test_on_the_sealed_held_out_7_the_crisis_target_holds_and_imminent_recall_does_not_fall_below_its_measure():
    """Held-out 7 (307 messages, written by a helper session before it read any triage code or data; sealed from
    the tuning session) measured once at frozen v9: crisis recall 0.96 at precision 0.90, imminent recall 0.64
    [0.55–0.73] — the issue's 0.98 is NOT met (docs/performance.md). Floors at what was measured, so nothing gets
    worse while the imminent work goes on; the set has been seen since."""
    rows = read_labelled(DATA_DIR / "triage_heldout7.tsv")
    crisis, imminent = measure(rows), measure_imminent(rows)
    assert crisis.recall >= 0.95 and crisis.precision >= 0.89
    assert imminent.recall >= 0.63 and imminent.precision >= 0.94


def test_on_the_sealed_held_out_8_neither_class_falls_below_what_was_measured_once():
    """Held-out 8 (334 messages by helper session sealed8, written before it read any triage code or data) measured
    once by the lead at frozen v10 (ca6c34f): crisis recall 0.92 [0.88–0.95] at precision 0.90, imminent recall 0.86
    [0.79–0.91] at precision 0.97 — neither target (0.95, 0.98) is met (docs/performance.md). Floors at what was
    measured, so the next lexicon can only do better on it; the set has been seen since."""
    rows = read_labelled(DATA_DIR / "triage_heldout8.tsv")
    crisis, imminent = measure(rows), measure_imminent(rows)
    assert crisis.recall >= 0.92 and crisis.precision >= 0.89
    assert imminent.recall >= 0.85 and imminent.precision >= 0.96


def test_wilson_interval_of_a_small_sample_is_wide():
    lo, hi = wilson(15, 15)
    assert 0.79 < lo < 0.80 and hi == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


# --- issue 16 (i16imm, lexicon v9): imminent danger composed of signals; a recovered frame; score(model=) ---------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("我把柜子里那瓶安眠药都吞了 头越来越晕", "pills-body"),  # an overdose taken, and the body says so
        ("刚喝了半瓶杀虫剂", "poison-taken"),
        ("就着啤酒吃了一板止痛片", "pills-and-alcohol"),
        ("刚才在浴室割了手腕 血一直往下淌", "bleeding-cut"),
        ("毛巾都被血泡透了 刀口还在渗", "wound-flowing"),
        ("我坐在教学楼顶的边上 下面的人好小", "height-sensed"),
        ("我翻过了大桥的护栏", "height-climbed"),
        ("卧室里点了一盆炭 窗户都用胶带封好了", "gas-on"),
        ("继父喝醉了 现在拿着菜刀在客厅", "harm-now"),
        ("放学后有个陌生人一路跟着我", "followed"),
        ("我是家长 孩子把她最宝贝的相册和首饰都送给了同桌", "parent-giving-away"),
        ("家长求助：儿子在墙上写了倒计时 只剩两天", "parent-date"),
        ("药就放在我手边 不想活了", "means-in-hand"),
        ("今晚就去结束这一切 不想再活了", "within-hours"),
        ("已经吞了，别管我了", "taken-leave-me"),
        ("我吃了半盒奶奶的安眠药", "overdose-dose"),
        ("孩子说今晚之后就不用我们操心了", "parent-farewell"),
    ],
)
def test_imminent_danger_is_composed_of_signals_a_counselor_looks_for(text, rule):
    """Issue 16 build 1 (v9): means at hand + now, an act + the body's state, someone at a height + being there,
    harm by another + now, a parent + a warning act — each rule needs ALL its signals; the hit names the rule."""
    result = score(text)
    assert result.imminent and result.risk_class == "imminent"
    assert f"imminent:{rule}" in result.hits, result.hits


@pytest.mark.parametrize(
    "text",
    [
        "感冒了 吃了药就睡了",  # medicine, taken, no dose or body signal
        "体育课摔了一跤 膝盖擦破流了点血",  # blood without a cut
        "周末和同学去江边骑车 风好大",  # a place by water, no one there now
        "在天台上拍了晚霞 好美",  # an outing on the roof
        "孩子把不要的旧玩具送给了邻居家的弟弟",  # a parent, but things nobody wants any more
        "我爸喝多了 在沙发上睡着了",  # drink, nobody hurt
        "流鼻血了 止不住 怎么办",  # a nosebleed
    ],
)
def test_the_same_words_in_everyday_messages_do_not_fire_an_imminent_rule(text):
    """The composed rules need every signal; the imminent model is weaker at this (it lifts "孩子把不要的旧玩具送给
    了…" once the crisis model has flagged it — a known false alarm, docs/performance.md), so only the rules here."""
    assert not score(text, imminent_by=None).imminent


@pytest.mark.parametrize(
    "text",
    [
        "小说里女主角站在天台边上 风很大",  # a story
        "我没有割腕 也没有流血 就是心里难受",  # negated
        "游戏里我的角色被人拿刀追着砍",  # a game
    ],
)
def test_signals_in_a_story_or_negated_do_not_make_imminent_danger(text):
    assert not score(text).imminent


@pytest.mark.parametrize(
    "text",
    [
        "我现在好多了 已经不想死了",
        "上学期想过跳楼 现在每天都跟朋友打球 好很多",
        "想割自己的念头已经好几个月没出现了",
        "谢谢老师 我走出来了 以前那些想法都过去了",
    ],
)
def test_a_student_writing_that_they_are_better_now_is_not_flagged(text):
    """Issue 16 build 3: a recovered or looking-back frame lowers the class — the message weighs as a story and
    the n-gram model (which learnt 想死) does not vote."""
    result = score(text)
    assert result.recovered and not result.crisis, result.hits


@pytest.mark.parametrize(
    "text",
    [
        "之前好了一阵子 但这几天又想死了",  # it is back
        "我现在好多了 谢谢你们这些年 再见了大家",  # a calm farewell is no recovery
        "以前想过死 现在更想了",  # worse, not better
        "现在好多了 刚把攒的药全吃了",  # an act now
    ],
)
def test_relapse_farewell_or_an_act_now_overrides_the_recovered_frame(text):
    result = score(text)
    assert result.crisis and not result.recovered, result.hits


def test_score_takes_the_model_to_use_and_training_has_no_copy_of_its_rule():
    """Issue 16 build 4: ``training.recall_of`` asks ``triage.score(text, model=…)``; ``model=None`` is the lexicon
    alone (as ``use_model=False``)."""
    from counseling.centre import training
    from counseling.centre.triage import NgramModel

    text = "今天在食堂吃了面条"
    everything = NgramModel(threshold=0.5, bias=30.0, weights={})
    nothing = NgramModel(threshold=0.5, bias=-30.0, weights={})
    assert score(text, model=everything).crisis and "ngram-model" in score(text, model=everything).hits
    assert not score(text, model=nothing).crisis
    assert score(text, model=None).crisis == score(text, use_model=False).crisis is False
    assert not hasattr(training, "flagged")
    rows = [Labelled(crisis=False, category="everyday", text=text)]
    assert training.recall_of(rows, everything).false_alarms == 1
    assert training.recall_of(rows, nothing).false_alarms == 0


@pytest.mark.parametrize(
    "text", ["王者里对面一直把我打死", "原神的怪物一下就把我毒死了", "《活着》里福贵的亲人一个个死去"]
)
def test_a_message_wholly_about_a_game_or_a_book_gets_no_vote_from_the_model(text):
    assert "ngram-model" not in score(text).hits


def test_the_imminent_model_makes_a_crisis_imminent_when_no_rule_has_its_wording():
    """v9: a second n-gram model (imminent vs the rest, counseling/data/triage_imminent.json) catches imminent
    wording the composed rules have no rule for; it never lifts a message that is no crisis, nor a recovered one."""
    from counseling.centre.triage import NgramModel

    text = "我站在二十层的阳台上"  # the rules know 阳台外 / 阳台边上, not a balcony by its floor
    always = NgramModel(threshold=0.5, bias=30.0, weights={})
    assert not score(text, imminent_by=None).imminent
    lifted = score(text, imminent_by=always)
    assert lifted.crisis and lifted.imminent and "imminent-model" in lifted.hits
    assert not score("今天食堂的饭还不错", imminent_by=always).imminent  # no crisis: nothing to lift
    assert not score("我现在好多了 已经不想死了", imminent_by=always).imminent  # recovered
    assert (
        "imminent-model" not in score("我刚吃了一整瓶安眠药 头好晕", imminent_by=always).hits
    )  # a rule has it


# --- issue 16 (i16rec, lexicon v10): reading pinyin sentences, English words, emoji rows; farewell acts ----------

TRAIN8 = DATA_DIR / "triage_train8.tsv"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("wo xian zai zai lou ding shang", "我现在在楼顶上"),  # a whole sentence typed in pinyin
        ("wǒ zài tiān tái shàng", "我在天台上"),  # with tone marks
        ("wo3 chi1 le yi4 ping2 yao4", "我吃了一瓶药"),  # with tone digits
        ("ｗｏ　ｘｉａｎ　ｚａｉ　ｚａｉ　ｔｉａｎ　ｔａｉ", "我现在在天台"),  # full-width pinyin
        ("我 tun 了好多药", "我 吞 了好多药"),  # one syllable between Chinese characters
        ("wo zai jia li kan dian shi", "我在家里看电视"),  # everyday pinyin reads as everyday Chinese
        ("she is a fan", "she is a fan"),  # English that happens to be syllables stays English
        ("我觉得 he 很好", "我觉得 he 很好"),
        ("i just took all my pills", "i 吃了 所有的药"),  # English words read into the lexicon's words
        ("my dad is beating me right now", "我爸 在打我 现在"),
        ("🏢⬇️ 👋🏻", "高楼往下 再见"),  # emoji, a skin tone dropped
    ],
)
def test_v10_reads_pinyin_sentences_english_words_and_emoji_rows(written, read):
    assert normalise(written) == read


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("💊💊💊💊🍺 再见👋", "means-pair"),  # a row of pills beside a goodbye
        ("🔪🩸🩸🩸", "blade-blood"),
        ("im on the roof right now. goodbye everyone", "height-now"),
        ("took a whole bottle of sleeping pills, feeling dizzy", "pills-body"),
        ("wo xian zai zai lou ding shang", "height-now"),
        ("给爸妈写了一封信放在枕头下面，以后不用管我了", "farewell-act"),
        ("爸妈，这些年谢谢你们，别难过", "farewell-thanks"),
        ("儿子发了条朋友圈说再见了，现在联系不上", "parent-gone-farewell"),
        ("再见了大家 我要跳了", "jump-goodbye"),
    ],
)
def test_v10_imminent_rules_read_emoji_english_pinyin_and_farewell_acts(text, rule):
    result = score(text)
    assert result.imminent and f"imminent:{rule}" in result.hits, result.hits


@pytest.mark.parametrize(
    "text",
    [
        "💊💊💊",  # a bare row of means is risk (held-out 5 and 6 label it so), not imminent danger
        "想到要毕业了好舍不得，再见了大家",  # an everyday parting
        "goodbye everyone, see you after the holiday",
        "孩子把不要的旧玩具送给了邻居家的弟弟",  # a parent's report of things nobody wants
        "毕业了，把用不上的课本送给了学弟",
    ],
)
def test_v10_everyday_goodbyes_and_bare_rows_of_means_are_not_imminent(text):
    assert not score(text, imminent_by=None).imminent


def test_training_set_8_was_written_for_the_weak_kinds_and_passes():
    """Training set 8 (i16rec): the kinds held-out 7 found weakest, written without reading held-out 7; its batches
    B and C were scored once before tuning (imminent 0.68 and 0.82), D before and after the last general changes
    (0.72, 0.91; docs/performance.md). Floors at v10: three of batch D's imminent messages are still missed."""
    rows = read_labelled(TRAIN8)
    assert "helper session i16rec" in TRAIN8.read_text(encoding="utf-8").splitlines()[0]
    kinds = {"emoji", "english", "codeswitch", "farewell", "pinyin", "fullwidth", "parent_report"}
    assert all(sum(1 for r in rows if r.imminent and r.category == k) >= 5 for k in kinds)
    crisis, imminent = measure(rows), measure_imminent(rows)
    assert crisis.recall >= 0.98 and crisis.precision >= 0.90
    assert imminent.recall >= 0.97 and imminent.precision >= 0.99
