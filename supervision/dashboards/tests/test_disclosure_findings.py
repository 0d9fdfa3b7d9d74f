"""Issue 19, finding 1, as it was reported: the city's R13 figure showed 北京 8/8, 海淀 6/6, 13 districts 0,
西城 and 朝阳 hidden — hidden cells were never zero, so each was exactly 1, in the page, the Excel, the PDF and
the API alike. Now every published table is audited (access.disclosure): an outsider solving the linear
programs over what the API and the Excel publish cannot narrow 西城 or 朝阳 below "0 to 4"."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from access.tests.test_disclosure import independent_ranges
from org.models import Node, NodeKind
from supervision.dashboards.tests import test_dashboard as base
from supervision.indicators.models import RollupValue

SENSITIVE, _api, _indicator = base.SENSITIVE, base._api, base._indicator
sem, sensitive = base.sem, base.sensitive  # the dashboard tests' fixtures


@pytest.fixture
def reported(world, sem, sensitive):
    """The city as the probe saw it: 16 districts; 海淀 6 of 6, 西城 and 朝阳 1 of 1, the other 13 none."""
    districts = {world.haidian: (6, 6), world.chaoyang: (1, 1)}
    districts[
        Node.objects.create(kind=NodeKind.DISTRICT, parent=world.city, name="西城区", code="110102")
    ] = (1, 1)
    for i in range(13):
        node = Node.objects.create(
            kind=NodeKind.DISTRICT, parent=world.city, name=f"第{i + 1}区", code=f"1102{i:02d}"
        )
        districts[node] = (0, 0)
    RollupValue.objects.filter(indicator=SENSITIVE, node__in=[world.city, *districts]).delete()
    now = timezone.now()
    RollupValue.objects.bulk_create(
        [
            RollupValue(indicator=SENSITIVE, node=n, period=sem, level=n.kind, numerator=a, denominator=b,
                        computed_at=now)
            for n, (a, b) in {**districts, world.city: (8, 8)}.items()
        ]
    )  # fmt: skip
    return districts


def _outsider_ranges(published: list[int | None], small: set[int], values: list[int]) -> dict:
    """Cells 0..n−1 the districts, n the city (= their sum)."""
    n = len(published) - 1
    return independent_ranges(values, [(n, tuple(range(n)))], published, small)


@pytest.mark.django_db
def test_finding_1_no_hidden_district_can_be_worked_out_from_the_api(world, login, sem, reported):
    ind = _indicator(_api(login(world.city_officer), world.city, sem), SENSITIVE)
    kids = ind["children"]
    assert (ind["own"]["numerator"], ind["own"]["denominator"]) == (8, 8)
    by_id = {c["node_id"]: c for c in kids}
    # The 13 zeros are no longer printed as 0: a hidden cell may be 0.
    assert all(by_id[n.pk]["numerator"] is None for n, cell in reported.items() if cell == (0, 0))
    assert by_id[world.haidian.pk]["numerator"] is None  # 海淀 hidden with them
    order = list(reported)
    for part in ("numerator", "denominator"):
        values = [reported[n][0 if part == "numerator" else 1] for n in order] + [8]
        published = [by_id[n.pk][part] for n in order] + [ind["own"][part]]
        small = {i for i, v in enumerate(values[:-1]) if v < 5}  # the API's nulls for small counts
        ranges = _outsider_ranges(published, small, values)
        for i, (lo, hi) in ranges.items():
            assert hi - lo >= 4 - 1e-6, (order[i].name, part, lo, hi)
        chaoyang = ranges[order.index(world.chaoyang)]
        assert chaoyang[0] <= 1e-6 and chaoyang[1] >= 4 - 1e-6  # 0 to 4: nothing more than "<5"


@pytest.mark.django_db
def test_finding_1_the_excel_and_the_page_publish_the_same_audited_pattern(world, login, sem, reported):
    client = login(world.city_officer)
    response = client.get(
        reverse("supervision:export_xlsx", kwargs={"node": world.city.pk, "period": sem.code})
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    got = {r[4]: (r[5], r[6]) for r in rows[3:] if r[1] == "阳性筛查及时跟进"}
    assert got["北京市"] == (8, 8)
    assert got["西城区"] == got["朝阳区"] == got["第1区"] == ("<5", "<5")
    assert got["海淀区"] == ("×", "×")
    page = client.get(reverse("supervision:dashboard", kwargs={"node": world.city.pk, "period": sem.code}))
    text = re.sub(r"<[^>]+>", "", page.content.decode())
    assert "× / ×" in text and "“×”" in text  # the mark and its explanation
    pdf = client.get(reverse("supervision:export_pdf", kwargs={"node": world.city.pk, "period": sem.code}))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


@pytest.mark.django_db
def test_the_approval_page_does_not_give_back_what_the_dashboard_hides(world, login, sem, sensitive):
    """School A's 3 of 40 is "<5" on 海淀's dashboard; the district officer approving A's figures sees it the
    same way, and A's own leader sees 3."""
    url = reverse("supervision:approval_school", args=[world.school_a.pk]) + f"?period={sem.code}"

    def row(user) -> str:
        html = login(user).get(url).content.decode()
        return re.sub(r"<[^>]+>", " ", html.split(f'data-indicator="{SENSITIVE}"')[1].split("</tr>")[0])

    assert "&lt;5" in row(world.district_officer) and " 3 " not in row(world.district_officer)
    assert " 3 " in row(world.leader) and "&lt;5" not in row(world.leader)


@pytest.mark.django_db
def test_an_inspection_checklist_does_not_give_back_what_the_dashboard_hides(world, login, sem, sensitive):
    """The checklist freezes school A's figures (3 of 40 followed up): the supervisor, above the school, reads
    "<5" on the page and in the Excel, without the status that would narrow it; A's leader reads 3 / 40."""
    from supervision.inspections import services as inspections

    inspection = inspections.create_inspection(
        user=world.supervisor, school=world.school_a, period=sem, visited_on=timezone.localdate()
    )
    url = reverse("supervision:inspection", args=[inspection.pk])

    def value(user) -> str:
        html = login(user).get(url).content.decode()
        item = html.split(f'data-indicator="{SENSITIVE}"')[1].split("</li>")[0]
        return re.sub(r"<[^>]+>", "", item.split('class="item-value">')[1].split("</span>")[0])

    assert value(world.supervisor) == "&lt;5 / 40"
    assert value(world.leader) == "3 / 40"
    client = login(world.supervisor)
    response = client.get(reverse("supervision:inspection_export", args=[inspection.pk]))
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    row = next(r for r in rows if r[1] == "阳性筛查及时跟进")
    assert row[2:4] == ("<5", 40) and not row[5]
