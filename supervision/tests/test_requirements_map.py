"""docs/requirements.md, the map from the plan to the code: it is what the code carries (regenerated in memory and
compared), and the markers, ranges, test names and places are read as the page's header says."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from supervision import requirements_map
from supervision.indicators import catalogue
from supervision.requirements_map import Place, ids_in_test_name, markers_in, scan_code, scan_tests


def test_docs_requirements_md_is_what_the_code_carries():
    expected = requirements_map.render()
    path = requirements_map.DOC_FILE
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current != expected:
        pytest.fail(
            f"docs/requirements.md is stale: run `{requirements_map.COMMAND}` and commit it.\n"
            + requirements_map.stale_diff(current, expected),
            pytrace=False,
        )


def test_the_page_names_no_absolute_path_and_no_date():
    text = requirements_map.DOC_FILE.read_text(encoding="utf-8")
    assert str(requirements_map.repo_root()) not in text
    assert "/work/" not in text and "20" + "26-" not in text


def ids(text: str) -> list[str]:
    return [rid for _, rid in markers_in(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meets R4.3 here", ["R4.3"]),
        ("(R5.2, R12)", ["R5.2", "R12"]),
        ("five educations (R6–R8)", ["R6", "R7", "R8"]),
        ("R10-R12", ["R10", "R11", "R12"]),
        ("R1.1–R1.3", ["R1.1", "R1.2", "R1.3"]),
        ("R3.1–3", ["R3.1", "R3.2", "R3.3"]),
        ("the end of a sentence: R12.", ["R12"]),
        ("R5.1/issue 15", ["R5.1"]),
        ("names the requirement it measures (R1.1 …)", []),  # an example of the notation
        ("R1.1...", []),
        ("RFC 6238, R2D2, XR4, 1R4, R123", []),
    ],
)
def test_markers_ranges_and_lists_expand(text, expected):
    assert ids(text) == expected


def test_test_names_carry_ids():
    known = {"R4", "R4.3", "R12"}
    assert ids_in_test_name("test_r4_3_booking_is_confidential", known) == ["R4.3"]
    assert ids_in_test_name("test_r12_guardians_reached", known) == ["R12"]
    assert ids_in_test_name("test_r4_2_hours", known) == ["R4"]  # no such sub-item: the 2 is a word
    assert ids_in_test_name("test_order1_and_user_r", known) == []


MODULE = '''"""Writes of plans (R12, R13)."""

from x import y

LIMIT = 3  # R5.1: grade 4 and up


# A plan agreed with the guardians (R12).
@decorated
def agree(plan):
    """The guardians agreed."""
    return plan  # R10 in the body


class Plan:
    """A plan (R14)."""

    def review(self):
        """Review it (R9)."""


# --- referrals (R13) -----------------------------------------------------------------------------------------
def refer(case):
    text = """a string inside (R15)
    over two lines"""
    return text


def _helper():
    return 1


# --- tasks ---------------------------------------------------------------------------------------------------
def task():
    return 2
'''


def test_where_a_marker_sits_decides_what_it_names():
    marks = scan_code("care/plans/services.py", MODULE)
    assert marks is not None
    assert marks.module_doc == {"R12", "R13"}
    assert marks.module_level == {"R5.1"}
    assert dict(marks.by_name) == {
        "agree": {"R12", "R10"},
        "Plan": {"R14"},
        "Plan.review": {"R9"},
        "refer": {"R15"},
    }
    assert marks.by_section == {"refer": {"R13"}}  # _helper is private; task is in the next section
    assert marks.of_view("agree") == {"R12", "R10"}
    assert marks.of_view("task") == {"R12"}  # the module docstring's, less what a section claims
    places = dict(marks.places())
    assert places[Place("care/plans/services.py", "refer")] == {"R13", "R15"}
    assert places[Place("care/plans/services.py")] == {"R12", "R13", "R5.1"}


TESTS = '''"""Guardian contacts (R12): a log of every contact."""

REQUIRED = {"R1.1", "R5.1"}  # data, not a marker


def helper():
    """Builds a case (R13)."""


def test_r4_3_a_name():
    pass


def test_a_docstring():
    """A red case reaches the guardians the same day (R10)."""
    assert "R15" in REQUIRED


class TestPlans:
    def test_a_comment(self):
        x = 1  # R11 measured here
        assert x
'''


def test_tests_are_named_by_their_name_docstring_or_comments():
    found = scan_tests("care/tests/test_contacts.py", TESTS, {"R4.3", "R10", "R11", "R12", "R13", "R15"})
    assert found == {
        Place("care/tests/test_contacts.py"): {"R12"},
        Place("care/tests/test_contacts.py", "test_r4_3_a_name"): {"R4.3"},
        Place("care/tests/test_contacts.py", "test_a_docstring"): {"R10"},
        Place("care/tests/test_contacts.py", "TestPlans.test_a_comment"): {"R11"},
    }


def test_paths_are_grouped_by_folder():
    assert requirements_map.grouped(
        ["care/plans/services.py", "care/plans/selectors.py", "care/models.py", "care/tests/test_a.py"]
    ) == ("care/models.py, care/plans/{selectors,services}.py, care/tests/test_a.py")
    assert requirements_map.grouped(["t/test_plans.py", "t/test_contacts.py"]) == "t/test_{contacts,plans}.py"


def test_a_virtualenv_inside_the_checkout_is_not_read_as_an_app():
    assert requirements_map._ours(Path("care/plans/services.py"))
    assert not requirements_map._ours(Path(".venv/lib/python3.11/site-packages/ninja/operation.py"))
    assert not requirements_map._ours(Path("venv/lib/python3.11/site-packages/django/urls/base.py"))
    assert "care" in [top.name for top in requirements_map.app_roots(requirements_map.repo_root())]


def test_every_indicator_names_a_requirement_of_the_list():
    listed = {r.id for r in requirements_map.load_requirements()}
    assert {i.requirement for i in catalogue.load().indicators} <= listed
    assert all(r.parent in listed for r in requirements_map.load_requirements() if r.parent)


def test_check_exits_non_zero_when_the_page_is_stale(tmp_path, monkeypatch):
    doc = tmp_path / "requirements.md"
    monkeypatch.setattr(requirements_map, "DOC_FILE", doc)
    monkeypatch.setattr(requirements_map, "build", lambda: None)
    monkeypatch.setattr(requirements_map, "render", lambda m=None: "# Requirements → code\n")
    monkeypatch.setattr(requirements_map, "counts", lambda m: {"requirements": 1})
    with pytest.raises(CommandError, match="stale: run `.venv/bin/python manage.py requirements_map`"):
        call_command("requirements_map", "--check")
    call_command("requirements_map")
    assert doc.read_text(encoding="utf-8") == "# Requirements → code\n"
    call_command("requirements_map", "--check")
