"""Issue 19, finding 2, as it was reported: a school × grade × gender row of the screening results read
0, 0, "<5", 0, 0, total "<5" — every screened girl of that row was yellow — for city and district officers
alike. A row where one category holds everyone is now not published (attribute disclosure), on the page and
in the Excel; the school's own psychological teacher still sees the counts."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from org.models import Gender
from screening.campaigns import selectors
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.campaigns.tests.test_results import submitted

NOTE = "不公布"


@pytest.fixture
def campaign(world):
    c = launched_campaign(world, instruments=("gad-7",))
    submitted(c, world.school_b, grade=4, gender=Gender.FEMALE, band="moderate", level="yellow", n=3)
    submitted(c, world.school_a, grade=4, gender=Gender.MALE, band="minimal", level="none", n=7)
    submitted(c, world.school_a, grade=4, gender=Gender.MALE, band="severe", level="orange", n=2)
    return c


def _girls_of_b(tables, world, measure):
    t = next(t for t in tables if t.measure == measure)
    return next(r for r in t.rows if r.school == world.school_b.name and r.gender == Gender.FEMALE)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["city_officer", "district_officer"])
def test_finding_2_a_row_where_every_girl_is_yellow_is_not_published(world, campaign, login, persona):
    user = getattr(world, persona)
    tables, suppressed = selectors.result_distribution(user, campaign)
    for measure in ("level", "total"):
        row = _girls_of_b(tables, world, measure)
        assert row.withheld and row.total is None and all(v is None for v in row.cells)
    assert suppressed
    client = login(user)
    html = client.get(reverse("screening:results", kwargs={"pk": campaign.pk})).content.decode()
    assert NOTE in html
    response = client.get(reverse("screening:results_export", kwargs={"pk": campaign.pk}))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    girls = [r for r in rows if r[0] == world.school_b.name]
    assert girls and all(NOTE in str(r[3]) and not any(v == "<5" for v in r[4:]) for r in girls)


@pytest.mark.django_db
def test_a_mixed_row_is_published_audited(world, campaign):
    """School A's boys: 7 none and 2 orange — not one level for all, so published, with the 2, the zeros and
    the 7 that would bound them hidden."""
    tables, _ = selectors.result_distribution(world.city_officer, campaign)
    t = next(t for t in tables if t.measure == "level")
    boys = next(r for r in t.rows if r.school == world.school_a.name)
    assert not boys.withheld and boys.total == 9
    assert dict(zip(t.columns, boys.texts, strict=False)) == {
        "red": "<5",
        "orange": "<5",
        "yellow": "<5",
        "none": "×",
    }


@pytest.mark.django_db
def test_the_schools_own_psych_teacher_still_sees_the_counts(world, campaign):
    tables, _ = selectors.result_distribution(world.psych, campaign)
    t = next(t for t in tables if t.measure == "level")
    (boys,) = t.rows
    assert dict(zip(t.columns, boys.cells, strict=False))["orange"] == 2 and not boys.withheld
