"""Persona-matrix row of the staff activation page (issue 18): those who import staff issue their first login (not the
district officer since issue 19 finding 11: they import no roster)."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

STAFF_IMPORTERS = frozenset({"district_admin", "city_admin", "leader"})

PAGE = {
    "slips:staff": Expect(STAFF_IMPORTERS, role_never=EVERYONE - STAFF_IMPORTERS),
}
