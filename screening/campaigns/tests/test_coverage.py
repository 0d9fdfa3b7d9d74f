"""Coverage: live counts per school, grade and class; above school level small cells are suppressed."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from screening.campaigns import selectors, services
from screening.campaigns.tests.campaign_helpers import assignment_of, launched_campaign
from screening.models import ConsentRule
from xinyu.web.spreadsheets import safe_cell


@pytest.fixture
def campaign(world):
    c = launched_campaign(world, consent_rule=ConsentRule.ACTIVE_UNDER_AGE)
    services.consent_by_account(user=world.guardian, campaign=c, student=world.student_a1, decision="consent")
    services.record_assent(user=world.student, assignment=assignment_of(c, world.student_a1), agreed=True)
    return c


def test_a_psych_teacher_sees_exact_counts_per_class_of_their_school(world, campaign):
    rows, suppressed = selectors.coverage(world.psych, campaign)
    by_class = {r.school_class: r.counts for r in rows}
    assert set(by_class) == {"五年级1班", "五年级2班"}
    assert by_class["五年级1班"] == {
        "assigned": 2,
        "consented": 1,
        "refused": 0,
        "started": 1,
        "submitted": 0,
        "absent": 0,
    }
    assert not suppressed


def test_the_district_sees_schools_and_grades_with_small_cells_suppressed(world, campaign):
    rows, suppressed = selectors.coverage(world.district_officer, campaign)
    assert {r.school for r in rows} == {"第一实验学校", "育英学校"}
    assert all(r.school_class == "" for r in rows)
    a = next(r for r in rows if r.school == "第一实验学校")
    assert a.counts["assigned"] is None and a.counts["consented"] is None  # 3 and 1 are under 5
    assert suppressed


def test_another_district_does_not_see_this_districts_campaign(world, campaign, login):
    assert (
        login(world.other_district_officer)
        .get(reverse("screening:coverage", kwargs={"pk": campaign.pk}))
        .status_code
        == 404
    )


def test_the_excel_export_guards_every_cell_against_formulas(world, campaign, login):
    world.school_a.name = '=HYPERLINK("http://x")'
    world.school_a.save()
    got = login(world.psych).get(reverse("screening:coverage_export", kwargs={"pk": campaign.pk}))
    assert got.status_code == 200
    ws = load_workbook(io.BytesIO(got.content)).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("http://x")' in values
    assert not any(isinstance(v, str) and v[:1] in "=+-@" for v in values)
    assert [safe_cell(x) for x in ("+1", "-1", "@a", "ok", 3)] == ["'+1", "'-1", "'@a", "ok", 3]


def test_the_coverage_page_costs_a_fixed_number_of_queries(
    world, campaign, login, django_assert_max_num_queries
):
    client = login(world.district_officer)
    url = reverse("screening:coverage", kwargs={"pk": campaign.pk})
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
