"""Persona-matrix rows of data approval (数据审核). Objects: school A and 海淀 of the world; the period is the
semester under way (the pages' default). Steps out of order still answer 302 (back to the page, with the reason
in a message): the matrix checks who is let in, tests/test_approval*.py what each step does."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

CITY = frozenset({"city_officer", "city_admin", "supervisor"})
DISTRICT = frozenset({"district_officer", "district_admin"})
SEE_FIGURES = frozenset({"psych", "psych_east", "leader", "other_district_officer"}) | DISTRICT | CITY
APPROVERS = DISTRICT | {"other_district_officer"}
ACCEPTORS = frozenset({"city_officer", "city_admin"})

PAGE = {
    "supervision:approval": Expect(SEE_FIGURES, ok=302, role_never=EVERYONE - SEE_FIGURES),
    "supervision:approval_school": Expect(
        SEE_FIGURES - {"other_district_officer"}, params=(("pk", "sup_school_a"),),
        role_never=EVERYONE - SEE_FIGURES,
    ),
    "supervision:approval_district": Expect(
        DISTRICT | CITY, params=(("pk", "sup_haidian"),), role_never=EVERYONE - APPROVERS - CITY
    ),
    "supervision:approval_city": Expect(CITY, role_never=EVERYONE - CITY),
    "supervision:approval_submit": Expect(
        frozenset({"leader"}), ok=302, method="post", params=(("pk", "sup_school_a"),),
        role_never=EVERYONE - {"leader"},
    ),
    "supervision:approval_approve": Expect(
        DISTRICT, ok=302, method="post", params=(("pk", "sup_school_a"),), role_never=EVERYONE - APPROVERS
    ),
    "supervision:approval_accept": Expect(
        ACCEPTORS, ok=302, method="post", params=(("pk", "sup_haidian"),), role_never=EVERYONE - ACCEPTORS
    ),
    # A school is returned by its district; the city returns districts (403 on a school).
    "supervision:approval_return": Expect(
        DISTRICT, ok=302, method="post", params=(("pk", "sup_school_a"),), role_never=EVERYONE - APPROVERS
    ),
}  # fmt: skip


def objects(world) -> dict:
    return {"sup_school_a": world.school_a, "sup_haidian": world.haidian}
