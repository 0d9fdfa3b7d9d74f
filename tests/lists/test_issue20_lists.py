"""Issue 20 build 5, lists that tell the truth: a page that shows only the first rows of a list says so and offers
the rest.

The rule is checked where it can drift: every view and selector module is read for a slice of a query or a list
(``rows[:20]``, ``.order_by(…)[:100]``); each one either goes through ``xinyu.lists.first_rows`` (which counts the
rest and gives the page its "仅显示前 20 条，共 33 条 · 显示全部") or is one of the few below, which are not lists of
records shown to a person. Then the report form's student search, where a class of 33 was cut at 20 without a
word, is checked as a user would see it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
APPS = ("org", "access", "xinyu", "care", "screening", "counseling", "schoolwork", "supervision")

# Slices that are not a list a page shows as "the" list, with the reason. (file, the sliced expression's start)
NOT_A_TRUNCATED_LIST = {
    # The next free times offered to move an appointment to: a choice of a few, not a list of records.
    ("counseling/rooms/views.py", "selectors.free_slots_in"),
    # The city designates pilot districts and schools from a menu; its length bound keeps the page usable.
    ("schoolwork/home/views.py", "Node.objects.filter"),
}

CALLS_THAT_ARE_TEXT = {"get", "strip", "lower", "upper", "join", "hexdigest", "decode", "encode", "replace"}


def _modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/tests/" in rel or "/migrations/" in rel or "/management/" in rel:
                continue
            if path.name in ("views.py", "selectors.py") or path.parent.name in ("views", "selectors"):
                found.append(path)
    return found


def _is_query_or_list(node: ast.expr) -> bool:
    """A call that answers a query or a list (``.filter(…)``, ``selectors.x(…)``), or a name (``rows``) — not a
    string method (``.strip()``, ``request.POST.get(…)``)."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name not in CALLS_THAT_ARE_TEXT and name not in ("str", "repr", "_", "gettext")
    return isinstance(node, ast.Name) and node.id in ("queue", "staff", "rows", "items", "found")


def _list_slices() -> list[tuple[str, int, str]]:
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Slice):
                continue
            s = node.slice
            if (
                s.lower is not None
                or s.upper is None
                or s.step is not None
                or not _is_query_or_list(node.value)
            ):
                continue
            if isinstance(s.upper, ast.Constant) and s.upper.value <= 2:
                continue  # a subquery's first row, or "is there exactly one?": not a list
            start = ast.get_source_segment(source, node.value) or ""
            found.append((rel, node.lineno, start))
        for n, line in enumerate(source.splitlines(), 1):
            if re.search(r"\bLIMIT\b", line) and not line.lstrip().startswith("#"):
                found.append((rel, n, line.strip()))
    return found


def test_the_search_finds_the_slices_it_is_meant_to():
    """The check is not empty: the report form's picker slices its matches for the API (and nowhere else)."""
    slices = _list_slices()
    assert any(f == "care/reports/selectors.py" for f, _, _ in slices)


def test_every_list_a_page_shows_in_part_says_so_and_offers_the_rest():
    silent = []
    for rel, line, start in _list_slices():
        if any(rel == f and start.startswith(s) for f, s in NOT_A_TRUNCATED_LIST):
            continue
        if rel == "care/reports/selectors.py" and "matching_students" in start:
            continue  # the picker's API answer; the report form goes through first_rows (tested below)
        silent.append(f"{rel}:{line}: {start[:80]}")
    assert silent == [], (
        "lists cut without saying so (use xinyu.lists.first_rows and includes/list_more.html):\n"
        + "\n".join(silent)
    )


@pytest.fixture
def class_of_33(world):
    """Class A1 of school A gets 33 students named 测试… (the world's own students are named otherwise)."""
    from org.models import Enrollment, EnrollmentStatus, Student

    made = []
    for i in range(33):
        s = Student.objects.create(
            student_no=f"G1101011990010{i:04d}", name=f"测试{i:02d}", gender="f", birth_date="2015-03-01"
        )
        Enrollment.objects.create(
            student=s,
            school=world.school_a,
            school_class=world.a1,
            school_year=world.year,
            grade=world.a1.grade,
            status=EnrollmentStatus.ACTIVE,
        )
        made.append(s)
    return made


@pytest.mark.django_db
def test_the_report_forms_student_search_says_it_shows_20_of_33_and_shows_all_on_request(
    world, class_of_33, login, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    client = login(world.teacher)
    url = reverse("care:report_new")
    page = client.get(url, {"q": "测试"}, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert page.count('name="student"') == 20
    assert "仅显示前 20 条，共 33 条" in page
    more = re.search(r'<p class="list-more"[^>]*>.*?<a href="([^"]+)"', page, re.S)
    assert more, "no link to the rest"
    everything = client.get(more.group(1).replace("&amp;", "&")).content.decode()
    assert everything.count('name="student"') == 33
    assert "仅显示前" not in everything


@pytest.mark.django_db
def test_a_search_with_few_matches_says_nothing_about_the_rest(world, class_of_33, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client = login(world.teacher)
    page = client.get(reverse("care:report_new"), {"q": "测试0"}).content.decode()
    assert page.count('name="student"') == 10
    assert "仅显示前" not in page
