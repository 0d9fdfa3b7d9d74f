"""Statistical disclosure control (issue 19, build 1): every published table is audited before release. A
property test generates random tables with totals (two-way, and city → district → school hierarchies),
protects them with ``access.disclosure.protect``, and then — solving the linear programs itself, from the
table's own structure, not with the module's code — finds no hidden cell whose range holds fewer than k values
(a "<5" cell: less than the whole of 0..4)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from access.disclosure import (
    SECONDARY,
    Table,
    hierarchy,
    one_category_holds_all,
    protect,
    row_with_total,
    two_way,
)

K = 5
TALLY = {"tables": 0, "cells": 0, "hidden": 0}  # printed at the end of the module (docs/security.md, Figures)


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(
        "\nDisclosure audit: {tables} random tables, {cells} cells, {hidden} hidden cells re-solved".format(
            **TALLY
        )
    )


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Counts as school statistics look: many zeros and small counts, some large ones.
COUNT = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 60))


def independent_ranges(values, equations, published, small) -> dict[int, tuple[float, float]]:
    """What an outsider can work out from a published table: every cell is a variable; a shown cell equals
    its value, a "<5" lies in 0..4, a "×" is any count; each equation says a total is the sum of its parts."""
    n = len(values)
    a_eq, b_eq = [], []
    for total, parts in equations:
        row = [0.0] * n
        row[total] = -1.0
        for p in parts:
            row[p] += 1.0
        a_eq.append(row)
        b_eq.append(0.0)
    bounds = [
        (values[i], values[i]) if published[i] is not None else ((0, K - 1) if i in small else (0, None))
        for i in range(n)
    ]
    out = {}
    for i in range(n):
        if published[i] is not None:
            continue
        ends = []
        for sign in (1, -1):
            c = [0.0] * n
            c[i] = sign
            res = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds, method="highs")
            assert res.status in (0, 3), res.message  # 3: unbounded above
            ends.append(float("inf") if res.status == 3 else sign * res.fun)
        out[i] = (ends[0], ends[1])
    return out


def assert_nothing_derivable(table: Table, equations) -> None:
    p = protect(table, k=K)
    published = [p.shown(i) for i in range(len(table.values))]
    small = {i for i in range(len(table.values)) if p.mark(i) == f"<{K}"}
    # Every sensitive count under 5 is hidden and written "<5", zero included; nothing else is written "<5".
    assert small == {i for i, v in enumerate(table.values) if v < K}
    assert all(p.mark(i) == SECONDARY for i in p.secondary)
    TALLY["tables"] += 1
    TALLY["cells"] += len(table.values)
    TALLY["hidden"] += len(p.hidden)
    for i, (lo, hi) in independent_ranges(table.values, equations, published, small).items():
        assert lo - 1e-6 <= table.values[i] <= hi + 1e-6
        assert hi - lo >= K - 1 - 1e-6, (i, table.values, published, lo, hi)
        if i in small:
            assert lo <= 1e-6 and hi >= K - 1 - 1e-6  # a "<5" tells nobody more than "fewer than 5"


@SETTINGS
@given(
    st.integers(1, 5).flatmap(
        lambda c: st.lists(st.lists(COUNT, min_size=c, max_size=c), min_size=1, max_size=6)
    )
)
def test_no_hidden_cell_of_a_two_way_table_with_totals_can_be_narrowed(cells):
    table, _idx = two_way(cells)
    assert_nothing_derivable(table, table.sums)


@SETTINGS
@given(st.lists(st.lists(COUNT, min_size=1, max_size=6), min_size=1, max_size=6))
def test_no_hidden_cell_of_a_city_district_school_hierarchy_can_be_narrowed(districts):
    values: dict[str, int] = {}
    tree: dict[str, list[str]] = {"city": []}
    for d, schools in enumerate(districts):
        key = f"d{d}"
        tree["city"].append(key)
        tree[key] = [f"{key}s{s}" for s in range(len(schools))]
        values.update({f"{key}s{s}": v for s, v in enumerate(schools)})
        values[key] = sum(schools)
    values["city"] = sum(values[d] for d in tree["city"])
    table, _index = hierarchy(tree, values)
    assert_nothing_derivable(table, table.sums)


def test_finding_1_as_reported_a_hidden_district_is_no_longer_derivable():
    """北京 8, 海淀 6, 13 districts 0, 西城 and 朝阳 1 each. Before: zeros shown, 西城 and 朝阳 hidden, each
    exactly 1 (8 − 6 = 2 shared by two cells that are never 0). Now every small count, zero included, is "<5"
    and 海淀 is hidden with them: 西城 may be anything from 0 to 4."""
    names = ["海淀", *[f"区{i}" for i in range(13)], "西城", "朝阳"]
    table = row_with_total([6, *[0] * 13, 1, 1])
    p = protect(table, k=K)
    shown = {name: p.text(i) for i, name in enumerate(names)}
    assert shown["西城"] == shown["朝阳"] == shown["区0"] == "<5"
    assert shown["海淀"] == "×" and p.text(len(names)) == 8  # the city's own figure stays
    published = [p.shown(i) for i in range(len(table.values))]
    small = {i for i in range(len(names)) if p.mark(i) == "<5"}
    ranges = independent_ranges(table.values, table.sums, published, small)
    assert ranges[names.index("西城")] == pytest.approx((0, 4))
    assert ranges[names.index("海淀")] == pytest.approx((0, 8))


def test_the_old_pattern_of_finding_1_was_derivable():
    """The pattern that was published (zeros shown, only 西城 and 朝阳 hidden) pins each to a range of one
    value once a hidden cell may not be 0 — and even as "<5", 0..2 is narrower than 0..4."""
    values = [6, *[0] * 13, 1, 1, 8]
    published = [6, *[0] * 13, None, None, 8]
    ranges = independent_ranges(values, [(16, tuple(range(16)))], published, {14, 15})
    assert ranges[14] == pytest.approx((0, 2))


def test_finding_2_as_reported_a_row_where_one_level_holds_everyone_is_not_published():
    assert one_category_holds_all([0, 0, 3, 0, 0])  # every screened girl of the row was yellow
    assert one_category_holds_all([0, 12, 0, 0])  # as true with 12 as with 3
    assert not one_category_holds_all([1, 0, 2, 0]) and not one_category_holds_all([0, 0, 0])


def test_a_numerator_is_audited_with_its_denominator():
    """n ≤ d is known to everyone: a hidden numerator beside a shown denominator of 2 is at most 2."""
    table = Table([3, 8, 11, 3, 20, 23], [(2, (0, 1)), (5, (3, 4))], [(0, 3), (1, 4), (2, 5)])
    p = protect(table, k=K)
    assert p.shown(3) is None  # the denominator 3 is small itself
    assert {0, 1} <= p.hidden or p.shown(2) is None


def test_the_audit_never_hides_a_figure_another_page_published_and_keeps_hidden_what_it_hid():
    table = row_with_total([2, 9, 30])
    p = protect(table, fixed=[1], forced=[3], k=K)
    assert p.shown(1) == 9 and p.shown(3) is None and p.shown(0) is None
