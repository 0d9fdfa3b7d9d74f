"""In a real browser: the result distribution page draws one ECharts stacked bar per table from the json_script
data (no inline script, no script error) beside the accessible tables (deliverable 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from org.models import Gender
from screening.campaigns.tests.campaign_helpers import launched_campaign
from screening.campaigns.tests.test_results import submitted
from tests.browser.test_student_access import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def campaign(world):
    """Made before the browser opens (no ORM call inside Playwright's event loop)."""
    c = launched_campaign(world, instruments=("gad-7",))
    submitted(c, world.school_a, band="minimal", n=7)
    submitted(c, world.school_a, band="severe", level="orange", n=2)
    submitted(c, world.school_b, band="mild", n=6, gender=Gender.FEMALE)
    return c


def test_a_city_officer_sees_a_chart_per_table_and_suppressed_cells(
    live_server, world, campaign, browser_context_factory
):
    url = live_server.url + reverse("screening:results", kwargs={"pk": campaign.pk})

    page = browser_context_factory().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server.url, "city_officer")
    assert page.goto(url).status == 200
    charts = page.locator("[data-chart]")
    assert charts.count() == 2  # GAD-7 suggested levels and bands
    for i in range(charts.count()):
        charts.nth(i).locator("canvas").first.wait_for()
    assert page.locator("table").count() == 2
    assert "<5" in page.locator("table").first.inner_text()
    assert errors == []
