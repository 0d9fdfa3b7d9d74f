"""Persona-matrix rows for the level-rule editor (issue 15; gathered by access/tests/test_matrix.py).

海淀's clinical leads — its district counselor and its district officer (教研员) — open 海淀's rules; the 朝阳
officer edits only 朝阳's (404 for 海淀's); every other role is refused before any lookup (403)."""

from access.tests.matrix_support import EVERYONE, Expect

EDITORS = frozenset({"district_officer", "district_counselor", "other_district_officer"})

PAGE = {
    "screening:level_rules_home": Expect(EDITORS, ok=302, role_never=EVERYONE - EDITORS),
    "screening:level_rules": Expect(
        frozenset({"district_officer", "district_counselor"}),
        params=(("pk", "screening_haidian"),),
        role_never=EVERYONE - EDITORS,
    ),
}


def objects(world) -> dict:
    return {"screening_haidian": world.haidian}
