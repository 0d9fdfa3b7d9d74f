"""The supervision dashboards (issue 7 deliverables 3 and 6): who opens which node, what each viewer sees of
small counts, the drill-down from the city to a school's missing campus teacher, the Excel and PDF carrying the
page's figures, the API, freshness, and query counts that do not grow with the number of schools."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from org.models import Node, NodeKind, Post, Role, User
from supervision.dashboards import selectors
from supervision.indicators import catalogue
from supervision.indicators.catalogue import Indicator
from supervision.indicators.models import DirtyNode, RollupRun, RollupValue
from supervision.indicators.periods import ensure_periods
from supervision.indicators.rollup import run_full, run_incremental

SENSITIVE = "t-positive-followed"


def _semester(world):
    return next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))


def _url(node, period) -> str:
    return reverse("supervision:dashboard", kwargs={"node": node.pk, "period": period.code})


@pytest.fixture
def sem(world):
    period = _semester(world)
    run_full([period])
    DirtyNode.objects.all().delete()
    return period


@pytest.fixture
def sensitive(monkeypatch, world, sem):
    """A sensitive indicator (positive screens followed up in time) with small counts: school A 3 of 40, B 6 of
    50, C 2 of 30 — stored as rollups, as the rollup would have summed them."""
    ind = Indicator(
        code=SENSITIVE, requirement="R5.1", group="screening",
        name={"zh": "阳性筛查及时跟进", "en": "Positive screens followed up in time"},
        numerator={"zh": "及时跟进的学生数", "en": "students followed up in time"},
        denominator={"zh": "筛查阳性学生数", "en": "students screening positive"},
        period="semester", target=1.0, sensitive=True, compute="staffing.full_time_psych_teacher",
    )  # fmt: skip
    real = catalogue.indicators

    def indicators(kind=None):
        return [*real(kind), *([ind] if kind in (None, "semester") else [])]

    real_get = catalogue.get
    monkeypatch.setattr(catalogue, "indicators", indicators)
    monkeypatch.setattr(catalogue, "get", lambda code: ind if code == SENSITIVE else real_get(code))
    now = timezone.now()
    cells = {
        world.school_a: (3, 40), world.school_b: (6, 50), world.school_c: (2, 30),
        world.haidian: (9, 90), world.chaoyang: (2, 30), world.city: (11, 120),
    }  # fmt: skip
    RollupValue.objects.bulk_create(
        [
            RollupValue(indicator=SENSITIVE, node=n, period=sem, level=n.kind, numerator=a, denominator=b,
                        computed_at=now)
            for n, (a, b) in cells.items()
        ]
    )  # fmt: skip
    return ind


def _api(client, node=None, period=None) -> dict:
    params = {}
    if node is not None:
        params["node"] = node.pk
    if period is not None:
        params["period"] = period.code
    response = client.get("/api/supervision/dashboard", params)
    assert response.status_code == 200, response.content
    return response.json()


def _indicator(data: dict, code: str) -> dict:
    return next(i for g in data["groups"] for i in g["indicators"] if i["code"] == code)


# --- who opens what -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_chaoyangs_officer_cannot_open_haidians_dashboard(world, login, sem):
    client = login(world.other_district_officer)
    assert client.get(_url(world.haidian, sem)).status_code == 404
    assert client.get(_url(world.school_a, sem)).status_code == 404
    assert client.get("/api/supervision/dashboard", {"node": world.haidian.pk}).status_code == 404
    assert client.get(_url(world.chaoyang, sem)).status_code == 200


@pytest.mark.django_db
def test_the_dashboard_link_sends_each_viewer_to_their_own_top_node_and_the_current_semester(
    world, login, sem
):
    from supervision.dashboards.selectors import default_period

    period = default_period()
    for persona, node in (("city_officer", world.city), ("district_officer", world.haidian),
                          ("leader", world.school_a), ("psych_east", world.school_a)):  # fmt: skip
        response = login(getattr(world, persona)).get(reverse("supervision:index"))
        assert response.status_code == 302 and response["Location"] == _url(node, period), persona


@pytest.mark.django_db
def test_the_home_page_offers_the_dashboard_to_its_viewers_only(world, login):
    assert "supervision-dashboard" in login(world.city_officer).get("/").content.decode()
    assert "supervision-dashboard" not in login(world.teacher).get("/").content.decode()


# --- privacy of aggregates ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_city_officer_never_sees_a_sensitive_count_under_five(world, login, sem, sensitive):
    client = login(world.city_officer)
    city = _indicator(_api(client, world.city, sem), SENSITIVE)
    # 朝阳 has 2: hidden; 海淀's 9 is hidden too, or 11 − 9 would give 朝阳's back.
    kids = {c["node_id"]: (c["numerator"], c["denominator"]) for c in city["children"]}
    assert kids == {world.haidian.pk: (None, 90), world.chaoyang.pk: (None, 30)}
    assert (city["own"]["numerator"], city["own"]["denominator"]) == (11, 120)
    district = _indicator(_api(client, world.haidian, sem), SENSITIVE)
    assert [c["numerator"] for c in district["children"]] == [None, None]  # A's 3, and B's 6 with it
    school_c = _indicator(_api(client, world.school_c, sem), SENSITIVE)
    assert school_c["own"]["numerator"] is None and school_c["own"]["share"] is None
    # Every count shown anywhere is 0 or at least 5.
    for node in (world.city, world.haidian, world.chaoyang, world.school_a, world.school_b, world.school_c):
        ind = _indicator(_api(client, node, sem), SENSITIVE)
        for fig in [ind["own"], *ind["children"]]:
            for v in (fig["numerator"], fig["denominator"]):
                assert v is None or v == 0 or v >= 5, (node.name, fig)
    page = client.get(_url(world.city, sem)).content.decode()
    table = re.search(rf'<table class="table sup-table" data-indicator="{SENSITIVE}">.*?</table>', page, re.S)
    assert "&lt;5" in table.group(0) and '<span class="sup-num">2</span>' not in table.group(0)


@pytest.mark.django_db
def test_a_school_leader_sees_their_own_schools_raw_figures(world, login, sem, sensitive):
    client = login(world.leader)
    own = _indicator(_api(client, world.school_a, sem), SENSITIVE)["own"]
    assert (own["numerator"], own["denominator"]) == (3, 40)
    page = client.get(_url(world.school_a, sem)).content.decode()
    assert '<span class="sup-num">3</span> / <span class="sup-den">40</span>' in page
    # The district's officer sees the same school with the small count hidden.
    other = _indicator(_api(login(world.district_officer), world.school_a, sem), SENSITIVE)["own"]
    assert (other["numerator"], other["denominator"]) == (None, 40)


# --- drill-down and details -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_city_drills_to_a_district_then_to_a_school_missing_a_campus_teacher(world, login, sem):
    client = login(world.city_officer)
    city = client.get(_url(world.city, sem)).content.decode()
    assert _url(world.haidian, sem) in city and _url(world.chaoyang, sem) in city
    assert "r1.1-psych-teacher" in city and "sup-status-not_met" in city  # 1 school of 3 has one
    district = client.get(_url(world.haidian, sem)).content.decode()
    assert _url(world.school_a, sem) in district and _url(world.school_b, sem) in district
    assert _url(world.city, sem) in district  # the breadcrumb back up
    school = client.get(_url(world.school_a, sem)).content.decode()
    details = re.search(
        r'<table class="table sup-details" data-indicator="r1.2-campus-psych">.*?</table>', school, re.S
    )
    rows = {name: missing for missing, name in re.findall(r'<tr( class="sup-missing")?><td class="primary">([^<]+)</td>', details.group(0))}  # fmt: skip
    assert rows == {"本部": ' class="sup-missing"', "东校区": ""}


@pytest.mark.django_db
def test_a_district_without_schools_has_nothing_to_judge_rather_than_no_figures(world, login):
    Node.objects.create(kind=NodeKind.DISTRICT, parent=world.city, name="延庆区", code="110119")
    period = _semester(world)
    run_full([period])
    data = _api(login(world.city_officer), world.city, period)
    empty = next(f for f in _indicator(data, "r1.1-psych-teacher")["children"] if f["node_id"] != world.haidian.pk
                 and f["node_id"] != world.chaoyang.pk)  # fmt: skip
    assert (empty["numerator"], empty["denominator"], empty["computed"], empty["status"]) == (
        0,
        0,
        True,
        None,
    )


@pytest.mark.django_db
def test_the_trend_shows_the_indicator_over_the_semesters(world, login, sem):
    from supervision.indicators.models import Period

    earlier = Period.objects.create(
        kind="semester", code="2020-S1", school_year=world.year, starts_on=sem.starts_on.replace(year=2020),
        ends_on=sem.ends_on.replace(year=2021),
    )  # fmt: skip
    RollupValue.objects.create(
        indicator="r1.1-psych-teacher", node=world.city, period=earlier, level="city", numerator=0,
        denominator=3, computed_at=timezone.now(),
    )  # fmt: skip
    response = login(world.city_officer).get(
        reverse("supervision:trend", kwargs={"node": world.city.pk, "indicator": "r1.1-psych-teacher"})
    )
    body = response.content.decode()
    assert f'data-period="{sem.code}"' in body and 'data-period="2020-S1"' in body
    assert body.index('data-period="2020-S1"') < body.index(f'data-period="{sem.code}"')
    assert "1 / 3" in re.sub(r"<[^>]+>", "", body.split(f'data-period="{sem.code}"')[1].split("</tr>")[0])


# --- exports --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_excel_has_the_same_figures_as_the_page(world, login, sem, sensitive):
    from openpyxl import load_workbook

    client = login(world.city_officer)
    data = _api(client, world.city, sem)
    response = client.get(
        reverse("supervision:export_xlsx", kwargs={"node": world.city.pk, "period": sem.code})
    )
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    got = {(r[1], r[4]): (r[5], r[6]) for r in rows[3:]}
    names = {world.city.pk: "北京市", world.haidian.pk: "海淀区", world.chaoyang.pk: "朝阳区"}
    for group in data["groups"]:
        for ind in group["indicators"]:
            for fig in [ind["own"], *ind["children"]]:
                # A hidden count is "<5" when small, "×" when hidden to protect one (access.disclosure).
                shown = got[(ind["name"], names[fig["node_id"]])]
                for v, text in zip((fig["numerator"], fig["denominator"]), shown, strict=True):
                    assert text in ("<5", "×") if v is None else text == v
    assert got[("阳性筛查及时跟进", "朝阳区")] == ("<5", 30)


def _pdf_text(pdf: bytes) -> str:
    """The text a reportlab PDF draws: its streams (ASCII85 + Flate) inflated, each literal string of the CID
    font unescaped and read as UTF-16BE."""
    import base64

    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)~>\s*endstream", pdf, re.S):
        raw = zlib.decompress(base64.a85decode(stream, adobe=False))
        for lit in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", raw, re.S):
            unescaped = re.sub(
                rb"\\([0-7]{1,3}|.)",
                lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit() else m[1],
                lit,
            )
            out.append(unescaped.decode("utf-16-be", errors="replace"))
    return "\n".join(out)


@pytest.mark.django_db
def test_the_pdf_report_opens_and_names_the_school(world, login, sem):
    client = login(world.district_officer)
    response = client.get(
        reverse("supervision:export_pdf", kwargs={"node": world.school_a.pk, "period": sem.code})
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "第一实验学校" in _pdf_text(response.content)


# --- freshness ------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_in_embedded_mode_the_page_brings_changed_schools_up_to_date_first(world, login, sem, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    teacher = User.objects.create(username="new-psych", display_name="新心理老师")
    Post.objects.create(user=teacher, role=Role.PSYCH_TEACHER, node=world.school_b, full_time=True)
    assert DirtyNode.objects.exists()
    data = _api(login(world.city_officer), world.haidian, sem)
    login(world.city_officer).get(_url(world.haidian, sem))
    data = _api(login(world.city_officer), world.haidian, sem)
    own = _indicator(data, "r1.1-psych-teacher")["own"]
    assert (own["numerator"], own["denominator"]) == (2, 2)
    assert not DirtyNode.objects.exists()


@pytest.mark.django_db
def test_an_administrator_recomputes_every_figure_with_one_button(world, login, sem, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = RollupRun.objects.filter(full=True).count()
    client = login(world.city_admin)
    page = client.get(_url(world.city, sem)).content.decode()
    assert reverse("supervision:recompute") in page
    response = client.post(reverse("supervision:recompute"), {"next": _url(world.city, sem)})
    assert response.status_code == 302 and response["Location"] == _url(world.city, sem)
    assert RollupRun.objects.filter(full=True, finished_at__isnull=False).count() == before + 1
    # An officer has no button.
    assert (
        reverse("supervision:recompute")
        not in login(world.city_officer).get(_url(world.city, sem)).content.decode()
    )


# --- consistency and cost -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rollups_equal_the_figures_computed_live_from_the_base_tables(world, sem):
    for node in (world.city, world.haidian, world.chaoyang, world.school_a, world.school_b):
        children = selectors.child_nodes(node)
        stored, _at = selectors.rollup_cells(node, sem, children)
        assert stored == selectors.live_cells(node, sem, children), node.name


def _add_schools(world, n: int) -> None:
    for i in range(n):
        school = Node.objects.create(
            kind=NodeKind.SCHOOL, parent=world.haidian, name=f"学校{i}", code=f"X{i:02d}", stage="primary"
        )
        Node.objects.create(kind=NodeKind.CAMPUS, parent=school, name="本部", code=f"X{i:02d}-1")


@pytest.mark.django_db
def test_the_dashboard_and_api_cost_the_same_queries_for_2_or_22_schools(
    world, login, sem, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.district_officer)
    url = _url(world.haidian, sem)

    def count() -> tuple[int, int]:
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as api:
            _api(client, world.haidian, sem)
        return len(page.captured_queries), len(api.captured_queries)

    few = count()
    _add_schools(world, 20)
    run_full([sem])
    DirtyNode.objects.all().delete()
    assert count() == few
    with django_assert_max_num_queries(14):
        client.get(url)


@pytest.mark.django_db
def test_the_dashboard_api_is_in_the_openapi_schema(world, login):
    schema = login(world.city_officer).get("/api/openapi.json").json()
    operation = schema["paths"]["/api/supervision/dashboard"]["get"]
    assert operation["operationId"] == "supervision_dashboard"
    assert {p["name"] for p in operation["parameters"]} == {"node", "period"}


@pytest.mark.django_db
def test_while_a_full_rollup_runs_the_admin_sees_its_progress_and_cannot_queue_another(world, login, sem):
    RollupRun.objects.create(full=True, started_at=timezone.now())
    client = login(world.district_admin)
    page = client.get(_url(world.haidian, sem)).content.decode()
    assert 'id="recompute-progress"' in page and 'http-equiv="refresh"' in page
    runs = RollupRun.objects.count()
    client.post(reverse("supervision:recompute"))
    assert RollupRun.objects.count() == runs
    # An officer's page neither shows it nor reloads itself.
    page = login(world.district_officer).get(_url(world.haidian, sem)).content.decode()
    assert "recompute-progress" not in page and 'http-equiv="refresh"' not in page


def _set(world, sem, values: dict) -> None:
    for node, (n, d) in values.items():
        RollupValue.objects.filter(indicator=SENSITIVE, node=node, period=sem).update(
            numerator=n, denominator=d
        )


def _shown_everywhere(client, world, sem) -> dict:
    """node name → (numerator, denominator) as every page shows it: the headline of its own page and its row in
    its parent's table; a figure hidden on one page must be hidden on all."""
    seen: dict[str, set] = {}
    for node in (world.city, world.haidian, world.chaoyang, world.school_a, world.school_b, world.school_c):
        ind = _indicator(_api(client, node, sem), SENSITIVE)
        seen.setdefault(node.pk, set()).add((ind["own"]["numerator"], ind["own"]["denominator"]))
        for child in ind["children"]:
            seen.setdefault(child["node_id"], set()).add((child["numerator"], child["denominator"]))
    return seen


@pytest.mark.django_db
def test_a_figure_hidden_in_a_parents_table_stays_hidden_on_its_own_page(world, login, sem, sensitive):
    """The city hides 海淀's 9 as the complement of 朝阳's 2: 海淀's own page must not print 9 (11 − 9 = 2), nor
    school B's page its 6, hidden in 海淀's table as the complement of school A's 3."""
    seen = _shown_everywhere(login(world.city_officer), world, sem)
    assert seen[world.haidian.pk] == {(None, 90)}
    assert seen[world.school_b.pk] == {(None, 50)}
    assert seen[world.chaoyang.pk] == {(None, 30)} and seen[world.school_c.pk] == {(None, 30)}
    assert all(len(v) == 1 for v in seen.values()), seen  # each figure shown the same way everywhere


@pytest.mark.django_db
def test_a_district_hidden_as_a_complement_keeps_one_of_its_schools_hidden(world, login, sem, sensitive):
    """海淀 30 (schools 10 and 20) is the complement of 朝阳's 2 on the city page; if 海淀's page showed both
    schools, 10 + 20 would give 海淀 and then 朝阳 back. The smaller school is hidden there, and on its page."""
    _set(world, sem, {world.school_a: (10, 40), world.school_b: (20, 50), world.haidian: (30, 90),
                      world.city: (32, 120)})  # fmt: skip
    client = login(world.city_officer)
    seen = _shown_everywhere(client, world, sem)
    assert seen[world.haidian.pk] == {(None, 90)}
    assert seen[world.school_a.pk] == {(None, 40)}
    assert seen[world.school_b.pk] == {(20, 50)}
    assert all(len(v) == 1 for v in seen.values()), seen
    trend = client.get(
        reverse("supervision:trend", kwargs={"node": world.haidian.pk, "indicator": SENSITIVE})
    )
    assert trend.status_code == 200
    row = trend.content.decode().split(f'data-period="{sem.code}"')[1].split("</tr>")[0]
    assert "× / 90" in re.sub(r"<[^>]+>", "", row)  # the trend shows the period as its dashboard does (30: ×)


@pytest.mark.django_db
def test_an_education_groups_total_is_hidden_when_it_would_give_back_one_hidden_school(
    world, login, sem, sensitive
):
    group = Node.objects.create(kind=NodeKind.GROUP, parent=world.haidian, name="实验教育集团", code="G1")
    s1 = Node.objects.create(
        kind=NodeKind.SCHOOL, parent=group, name="集团一校", code="G1-1", stage="primary"
    )
    s2 = Node.objects.create(
        kind=NodeKind.SCHOOL, parent=group, name="集团二校", code="G1-2", stage="primary"
    )
    now = timezone.now()
    for node, (n, d) in {s1: (2, 20), s2: (20, 30), group: (22, 50)}.items():
        RollupValue.objects.create(indicator=SENSITIVE, node=node, period=sem, level=node.kind, numerator=n,
                                   denominator=d, computed_at=now)  # fmt: skip
    _set(world, sem, {world.haidian: (31, 140), world.city: (33, 170)})
    client = login(world.district_officer)
    district = _indicator(_api(client, world.haidian, sem), SENSITIVE)
    shown = {c["node_id"]: c["numerator"] for c in district["children"]}
    assert shown[s1.pk] is None and shown[s2.pk] == 20  # 2 hidden; A's 3 hidden too
    page = _indicator(_api(client, group, sem), SENSITIVE)
    assert page["own"]["numerator"] is None  # 22 − 20 would give 集团一校's 2 back
    assert {c["node_id"]: c["numerator"] for c in page["children"]} == {s1.pk: None, s2.pk: 20}


def test_the_api_answers_a_repeat_from_the_cache_and_never_a_stale_figure(world, login, sem):
    """20 users asking for the same dashboard cost one computation; a rollup that changes a figure is seen at once."""
    client = login(world.city_officer)
    first = _indicator(_api(client, world.haidian, sem), "r1.1-psych-teacher")["own"]
    assert (first["numerator"], first["denominator"]) == (1, 2)
    with CaptureQueriesContext(connection) as repeat:
        _api(client, world.haidian, sem)
    assert not [q for q in repeat.captured_queries if "supervision_rollupvalue" in q["sql"]]

    teacher = User.objects.create(username="new-psych", display_name="新心理老师")
    Post.objects.create(user=teacher, role=Role.PSYCH_TEACHER, node=world.school_b, full_time=True)
    run_incremental([sem])
    after = _indicator(_api(client, world.haidian, sem), "r1.1-psych-teacher")["own"]
    assert (after["numerator"], after["denominator"]) == (2, 2)


def test_a_cached_raw_answer_is_never_given_to_a_viewer_above_the_school(world, login, sem, sensitive):
    raw = _indicator(_api(login(world.leader), world.school_a, sem), SENSITIVE)["own"]
    assert raw["numerator"] == 3
    above = _indicator(_api(login(world.district_officer), world.school_a, sem), SENSITIVE)["own"]
    assert above["numerator"] is None


# --- the overview: indicators × districts (city) or schools (district), issue 20 -----------------------------


def _overview(page: str) -> str:
    found = re.search(r'<section class="section sup-overview".*?</section>', page, re.S)
    assert found, "the overview is missing"
    return found.group(0)


def _cells(overview: str, code: str) -> list[tuple[str, str]]:
    """The (status class, words) of each cell of one indicator's row, the node's own first."""
    row = re.search(rf'<tr data-indicator="{re.escape(code)}">.*?</tr>', overview, re.S).group(0)
    return re.findall(
        r'<td class="sup-cell sup-cell-(\w+)[^"]*".*?<span class="sup-cell-word">([^<]*)</span>', row
    )


@pytest.mark.django_db
def test_the_city_opens_on_one_matrix_of_indicators_by_district_with_status_in_words(world, login, sem):
    client = login(world.city_officer)
    page = client.get(_url(world.city, sem)).content.decode()
    overview = _overview(page)
    # The first screen: the overview comes before any indicator's detail, and the details stay.
    assert page.index("sup-overview") < page.index('class="sup-indicator"')
    # One column per district, each opening that district's figures.
    assert _url(world.haidian, sem) in overview and _url(world.chaoyang, sem) in overview
    # R1.1: 海淀 has school A of 2 with a full-time psychological teacher (not met), 朝阳 0 of 1; the city 1 of 3.
    assert _cells(overview, "r1.1-psych-teacher") == [
        ("not_met", "未达标"),
        ("not_met", "未达标"),
        ("not_met", "未达标"),
    ]
    # 朝阳's one school gets a full-time psychological teacher: 朝阳 meets the target.
    teacher = User.objects.create(username="psych_c", display_name="朝阳中学心理老师")
    Post.objects.create(user=teacher, role=Role.PSYCH_TEACHER, node=world.school_c, full_time=True,
                        valid_from=sem.starts_on)  # fmt: skip
    run_full([sem])
    again = _overview(client.get(_url(world.city, sem)).content.decode())
    # Columns in the districts' code order: 朝阳 (110105) before 海淀 (110108).
    assert _cells(again, "r1.1-psych-teacher") == [
        ("not_met", "未达标"),
        ("met", "达标"),
        ("not_met", "未达标"),
    ]
    # A cell opens the district's page at that indicator; the indicator's name opens its details here.
    assert f"{_url(world.haidian, sem)}#ind-r1.1-psych-teacher" in overview
    assert 'href="#ind-r1.1-psych-teacher"' in overview and 'id="ind-r1.1-psych-teacher"' in page
    # The legend says what each colour means in words.
    for words in ("达标", "接近目标", "未达标", "已隐藏（数字过小）"):
        assert words in re.search(r'<ul class="sup-legend".*?</ul>', overview, re.S).group(0)


@pytest.mark.django_db
def test_the_districts_overview_has_a_column_per_school_and_hides_small_counts(world, login, sem, sensitive):
    overview = _overview(login(world.district_officer).get(_url(world.haidian, sem)).content.decode())
    assert _url(world.school_a, sem) in overview and _url(world.school_b, sem) in overview
    assert _url(world.school_c, sem) not in overview  # 朝阳's school is not 海淀's
    # A's 3 and B's 6 (the complement) are hidden in the overview as in the indicator's table.
    assert [c[0] for c in _cells(overview, SENSITIVE)][1:] == ["hidden", "hidden"]
    assert ">3<" not in re.search(rf'<tr data-indicator="{SENSITIVE}">.*?</tr>', overview, re.S).group(0)


@pytest.mark.django_db
def test_a_school_page_has_no_matrix_only_its_indicators(world, login, sem):
    page = login(world.leader).get(_url(world.school_a, sem)).content.decode()
    assert "sup-overview" not in page and 'class="sup-indicator"' in page
