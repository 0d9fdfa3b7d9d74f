"""The definition format: every shipped file validates, schema.json matches the models, bad files fail loudly,
and the format expresses a licensed instrument (MHT) without its item texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from screening.instruments import (
    DEFINITIONS,
    SCHEMA_JSON,
    DefinitionError,
    catalogue,
    json_schema,
    load,
    load_file,
    versions,
)
from screening.instruments.scoring import score

DATA = Path(__file__).parent / "data"


def test_schema_json_is_in_sync_with_the_models():
    shipped = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(json_schema())), (
        "schema.json is stale: python -c 'from screening.instruments import write_json_schema as w; w()'"
    )


def test_every_shipped_file_loads_and_is_named_for_its_id_and_version():
    files = sorted(DEFINITIONS.glob("*.yaml"))
    assert len(files) == len(catalogue())
    for inst in catalogue():
        assert (DEFINITIONS / f"{inst.id}@{inst.version}.yaml").exists()


def test_load_without_a_version_gives_the_latest_and_unknown_ids_are_named():
    assert load("phq-9").version == versions("phq-9")[-1]
    with pytest.raises(KeyError, match="unknown instrument 'phq-99'"):
        load("phq-99")
    with pytest.raises(KeyError, match="no version '9.9'"):
        load("phq-9", "9.9")


def test_every_unlicensed_definition_has_chinese_and_english_text_for_every_item():
    for inst in catalogue():
        assert inst.licence in ("free", "confirm")
        for lang in ("zh-hans", "en"):
            assert inst.title[lang] and inst.attribution[lang] and inst.recall[lang]
            for item in inst.items:
                assert item.text[lang].strip(), (inst.id, item.id, lang)
                assert all(o.label[lang] for o in item.response_set)


def _phq9_data() -> dict:
    return yaml.safe_load((DEFINITIONS / "phq-9@1.0.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["items"][0].pop("text"), "item q1 needs text"),
        (lambda d: d["items"].append(dict(d["items"][0])), "item ids repeat"),
        (lambda d: d["scores"][0]["bands"].pop(2), "a gap between bands"),
        (lambda d: d["scores"][0]["bands"][1].update(min=4), "overlap"),
        (lambda d: d["scores"][0]["items"].append("q10"), "unknown items"),
        (lambda d: d["thresholds"][0].update(score="sum"), "unknown score"),
        (lambda d: d["thresholds"][0].update(variants=["child"]), "unknown variants"),
        (lambda d: d.update(licence="maybe"), "licence"),
        (lambda d: d["critical"][0].update(on_refused=True), "none of its items is refusable"),
        (lambda d: d["items"][0].update(response_set="nope"), "unknown response set"),
        (lambda d: d.update(colour="red"), "Extra inputs are not permitted"),
    ],
)
def test_a_malformed_definition_fails_loudly_naming_the_file(tmp_path, mutate, message):
    data = _phq9_data()
    mutate(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DefinitionError, match="broken.yaml") as exc:
        load_file(path)
    assert message in str(exc.value)


# -- MHT: licensed, no texts ----------------------------------------------------------------------------------

CONTENT = list(range(1, 82)) + list(range(83, 100, 2))
LIE = list(range(82, 101, 2))


def mht():
    return load_file(DATA / "mht_test.yaml")


def mht_sheet(content_yes: int, lie_yes: int, extra: dict | None = None) -> dict:
    """`content_yes` yes answers among content items avoiding the critical 85 and 97, `lie_yes` on the lie scale."""
    plain = [i for i in CONTENT if i not in (85, 97)]
    answers = {f"q{i}": 0 for i in range(1, 101)}
    for i in plain[:content_yes]:
        answers[f"q{i}"] = 1
    for i in LIE[:lie_yes]:
        answers[f"q{i}"] = 1
    answers.update(extra or {})
    return answers


def test_mht_test_definition_has_100_yes_no_items_and_no_texts():
    inst = mht()
    assert inst.licence == "licensed"
    assert len(inst.items) == 100
    assert all(item.text == {} and item.values == [0, 1] for item in inst.items)
    assert len([s for s in inst.scores if s.id not in ("content_total", "lie")]) == 8
    assert inst.score_range("content_total") == (0, 90)
    assert inst.score_def("lie").items == [f"q{i}" for i in LIE]


def test_mht_content_total_of_65_is_positive_and_64_is_not():
    assert score(mht(), mht_sheet(65, 0)).positive
    r = score(mht(), mht_sheet(64, 0))
    assert (
        r.valid and not r.positive and r.scores["content_total"] == 64 and r.bands["content_total"] == "below"
    )


def test_mht_lie_scale_of_7_invalidates_the_sheet_and_6_does_not():
    r = score(mht(), mht_sheet(70, 7))
    assert not r.valid and [x.code for x in r.invalid_reasons] == ["invalid:lie_scale"]
    assert not r.positive, "an invalid sheet is not a positive screen"
    assert "retest" in r.invalid_reasons[0].text["en"]
    r = score(mht(), mht_sheet(70, 6))
    assert r.valid and r.positive and r.scores["lie"] == 6


def test_mht_items_85_and_97_are_critical_even_on_an_invalid_sheet():
    r = score(mht(), mht_sheet(0, 10, {"q97": 1}))
    assert not r.valid
    assert [c.code for c in r.critical] == ["critical:suicide_items:q97"]
    assert r.level == "orange"
    r = score(mht(), mht_sheet(0, 0, {"q85": 1, "q97": 1}))
    assert len(r.critical) == 2 and r.critical[0].text["en"] == "MHT item 85 = 1: yes"
