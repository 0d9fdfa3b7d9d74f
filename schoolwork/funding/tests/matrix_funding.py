"""Persona-matrix rows of mental-health funding (R16). Funding is read by the school's leader and psychological
teachers, the district's officers and administrators, the city and supervisors, each within their posts (the page
shows only their schools and districts); everyone else's role never has it (403). The evidence files are served
by schoolwork's attachment route (its rows: matrix_home)."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

SCHOOL = frozenset({"psych", "psych_east", "leader"})
DISTRICT = frozenset({"district_officer", "district_admin", "other_district_officer"})
CITY = frozenset({"city_officer", "city_admin", "supervisor"})
READERS = SCHOOL | DISTRICT | CITY
# Who writes budget lines (a leader, district staff) may import a sheet; an empty form is a clear 400.
IMPORTERS = frozenset({"leader"}) | DISTRICT

PAGE = {
    "schoolwork:funding": Expect(READERS, role_never=EVERYONE - READERS),
    "schoolwork:funding_export": Expect(READERS, role_never=EVERYONE - READERS),
    "schoolwork:funding_import": Expect(IMPORTERS, ok=400, method="post", role_never=EVERYONE - IMPORTERS),
}
