"""`manage.py score_answers` prints the scoring result as JSON and exits 2 with a clear message on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def run(*args):
    out = StringIO()
    call_command("score_answers", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_scores_level_and_bilingual_reasons():
    answers = {"q1": 2, "q2": 1, "q3": 0, "q4": 0, "q5": 1, "q6": 0, "q7": 0, "q8": 0, "q9": 2}
    data = run("phq-a", "--answers", json.dumps(answers))
    assert data["scores"] == {"total": 6} and data["bands"] == {"total": "mild"}
    assert data["level"] == "orange"
    assert data["level_reasons"][0]["text"]["en"] == "PHQ-A item 9 = 2: more than half the days"
    assert data["level_reasons"][0]["text"]["zh-hans"] == "PHQ-A 第9题 = 2（一半以上的天数）"


def test_the_variant_changes_the_cut_off():
    answers = json.dumps({f"q{i}": (2 if i <= 5 else 0) for i in range(1, 10)})
    assert run("phq-9", "--answers", answers, "--variant", "adult")["positive"] is True
    assert run("phq-9", "--answers", answers)["positive"] is False


def test_refusal_and_timing_are_accepted():
    data = run(
        "asq", "--answers", '{"q1": "refused", "q2": 0, "q3": 0, "q4": 0, "q5": 0}', "--seconds", '{"q1": 3}'
    )
    assert data["positive"] is True and data["level"] == "orange"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["phq-99", "--answers", "{}"], "unknown instrument 'phq-99'"),
        (["phq-9", "--answers", "{q1: 1}"], "--answers is not valid JSON"),
        (["phq-9", "--answers", "[1, 2]"], "must be a JSON object"),
        (["phq-9", "--answers", '{"q1": 7}'], "7 is out of range"),
        (["phq-9", "--answers", '{"q42": 1}'], "has no item 'q42'"),
        (["phq-9", "--answers", '{"q1": "refused"}'], "cannot be refused"),
        (["phq-9", "--answers", "{}", "--variant", "child"], "unknown variant 'child'"),
        (["phq-9", "--answers", "{}", "--instrument-version", "0.9"], "no version '0.9'"),
        (["phq-9", "--answers", "{}", "--seconds", '{"q1": "fast"}'], "number of seconds"),
    ],
)
def test_bad_input_is_a_clear_error_with_exit_status_2(args, message):
    with pytest.raises(CommandError, match=message) as exc:
        call_command("score_answers", *args)
    assert exc.value.returncode == 2


def test_the_process_exits_2_on_bad_input():
    proc = subprocess.run(
        [sys.executable, "manage.py", "score_answers", "gad-7", "--answers", '{"q1": 9}'],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "9 is out of range" in proc.stderr
