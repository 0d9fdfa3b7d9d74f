"""Result distributions (deliverable 9): counts by school, grade and gender; above school level small cells and
any cell that would give one back are suppressed; no names; a formula-safe Excel export."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from org.models import Gender, Student
from screening.campaigns import selectors
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.models import Assignment, Response, ResponseStatus, Result

_seq = itertools.count(1)


def submitted(campaign, school, *, grade=5, gender=Gender.MALE, band="minimal", level="none", n=1, name=None):
    """``n`` students of ``school`` with one submitted GAD-7 scored into ``band`` and ``level``."""
    for _i in range(n):
        k = next(_seq)
        s = Student.objects.create(
            student_no=f"T{k:017d}", name=name or f"学生{k}", gender=gender, birth_date=dt.date(2014, 1, 1)
        )
        a = Assignment.objects.create(
            campaign=campaign, student=s, school=school, grade=grade, needs_consent=False
        )
        r = Response.objects.create(
            assignment=a, instrument_id="gad-7", instrument_version="1.0", status=ResponseStatus.SUBMITTED,
            submitted_at=timezone.now(),
        )  # fmt: skip
        Result.objects.create(
            response=r, instrument_id="gad-7", instrument_version="1.0", valid=True, bands={"total": band},
            level=level,
        )  # fmt: skip


@pytest.fixture
def campaign(world):
    c = launched_campaign(world, instruments=("gad-7",))
    submitted(c, world.school_a, band="minimal", n=7, name="赵一号")
    submitted(c, world.school_a, band="severe", level="orange", n=2)
    submitted(c, world.school_b, band="mild", n=6, gender=Gender.FEMALE)
    return c


def _table(tables, measure):
    return next(t for t in tables if t.measure == measure)


def test_a_psych_teacher_sees_exact_counts_of_their_own_school_only(world, campaign):
    tables, suppressed = selectors.result_distribution(world.psych, campaign)
    bands = _table(tables, "total")
    assert {r.school for r in bands.rows} == {world.school_a.name}
    (row,) = bands.rows
    assert dict(zip(bands.columns, row.cells, strict=True)) == {
        "minimal": 7,
        "mild": 0,
        "moderate": 0,
        "severe": 2,
    }
    assert row.total == 9 and not suppressed


def test_a_city_officer_sees_only_suppressed_anonymous_counts(world, campaign, login):
    tables, suppressed = selectors.result_distribution(world.city_officer, campaign)
    bands = _table(tables, "total")
    a = next(r for r in bands.rows if r.school == world.school_a.name)
    # severe 2 and the two zeros are small ("<5"); minimal 7 would give back that they add up to 2, so it is
    # hidden too ("×")
    assert a.cells == [None, None, None, None] and a.total == 9
    assert a.texts == ["×", "<5", "<5", "<5", 9]
    # every one of school B's 6 girls is "mild": the row would tell each one's band, so it is not published
    b = next(r for r in bands.rows if r.school == world.school_b.name)
    assert b.withheld and b.cells == [None] * 4 and b.total is None
    assert suppressed
    page = login(world.city_officer).get(reverse("screening:results", kwargs={"pk": campaign.pk}))
    assert page.status_code == 200
    html = page.content.decode()
    assert "赵一号" not in html and world.student_a1.name not in html
    assert "&lt;5" in html


def test_no_shown_figure_gives_back_a_suppressed_one():
    def shown(cells):
        row = selectors.suppress_row(cells)
        return None if row.withheld else row.texts

    assert shown([7, 0, 2]) == ["×", "<5", "<5", 9]  # 0 and 2 share 2: 7 is hidden with them
    assert shown([7, 6, 2]) == [7, "×", "<5", 15]  # the smaller other cell
    assert shown([3, 0, 0]) is None  # everyone in one category: not published
    assert shown([1, 2, 10]) == ["<5", "<5", "×", 13]  # 1 + 2 = 3 would bound both under 4
    assert shown([5, 0, 6]) == ["×", "<5", 6, 11]  # a zero is hidden, and the 5 with it


def test_another_district_cannot_open_the_results(world, campaign, login):
    url = reverse("screening:results", kwargs={"pk": campaign.pk})
    assert login(world.other_district_officer).get(url).status_code == 404


def test_a_class_teacher_cannot_open_the_results(world, campaign, login):
    url = reverse("screening:results", kwargs={"pk": campaign.pk})
    assert login(world.class_teacher).get(url).status_code == 403


def test_the_results_page_costs_the_same_queries_whatever_the_number_of_schools(
    world, campaign, login, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.city_officer)
    url = reverse("screening:results", kwargs={"pk": campaign.pk})
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    submitted(campaign, world.school_c, band="moderate", level="yellow", n=5, grade=8)
    with django_assert_num_queries(len(before.captured_queries)):
        page = client.get(url)
    assert world.school_c.name in page.content.decode()


@override_settings(XINYU_MIN_CELL=5)
def test_the_excel_export_guards_every_cell_against_formulas(world, campaign, login):
    world.school_a.name = '=HYPERLINK("http://x")'
    world.school_a.save()
    got = login(world.psych).get(reverse("screening:results_export", kwargs={"pk": campaign.pk}))
    assert got.status_code == 200
    values = [c.value for row in load_workbook(io.BytesIO(got.content)).active.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert 7 in values and 2 in values
    assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in values)
