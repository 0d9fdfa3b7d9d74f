"""Persona-matrix rows of the daily board's drill-down (issue 20): the district officers (海淀's and 朝阳's, each
their own district) and the city officer; every other role 403 before any lookup."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

BOARD = frozenset({"district_officer", "other_district_officer", "city_officer"})

PAGE = {
    # The parameter is the item's key itself (no world object).
    "supervision:daily_item": Expect(
        BOARD, params=(("item", "alerts_overdue"),), role_never=EVERYONE - BOARD
    ),
}
