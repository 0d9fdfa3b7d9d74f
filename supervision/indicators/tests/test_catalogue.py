"""The indicator catalogue is data validated at start-up: a malformed entry fails loudly, naming itself."""

from __future__ import annotations

import pytest

from supervision.indicators import catalogue

GOOD = """
indicators:
  - code: x-1
    requirement: R1.1
    name: {zh: 甲, en: A}
    numerator: {zh: 甲, en: a}
    denominator: {zh: 乙, en: b}
    period: semester
    target: 1.0
    compute: staffing.full_time_psych_teacher
"""


def test_the_shipped_catalogue_loads_and_every_function_exists():
    cat = catalogue.load()
    assert cat.indicators and all(i.compute_fn for i in cat.indicators)


def test_a_valid_entry_parses():
    assert catalogue.parse(GOOD).indicators[0].code == "x-1"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("compute: staffing.full_time_psych_teacher", "compute: staffing.nope"), "staffing.nope"),
        (("requirement: R1.1", "requirement: one"), "requirement"),
        (("target: 1.0", "target: 1.5"), "target"),
        (("target: 1.0", "target: 0.8\n    near: 0.9"), "near"),
    ],
)
def test_a_bad_entry_is_refused_with_its_name(change, message):
    with pytest.raises((ValueError, ImportError), match=message):
        catalogue.parse(GOOD.replace(*change))


def test_a_code_used_twice_is_refused():
    twice = GOOD + GOOD.split("indicators:\n", 1)[1]
    with pytest.raises(ValueError, match="twice"):
        catalogue.parse(twice)


def test_status_against_target():
    ind = catalogue.parse(GOOD.replace("target: 1.0", "target: 0.9")).indicators[0]
    assert ind.status(95, 100) == "met"
    assert ind.status(85, 100) == "near"
    assert ind.status(50, 100) == "not_met"
    assert ind.status(None, 100) is None and ind.status(0, 0) is None
