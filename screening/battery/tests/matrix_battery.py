"""Persona-matrix rows for a district's licences and default battery (issue 15; gathered by
access/tests/test_matrix.py).

Both pages belong to a district: its administrator and its officer (who publishes campaigns) open their own
district's page — the 朝阳 officer sees 朝阳's; only the administrator may record a licence (the page shows the
officer who can). Every other role never has these pages: 403. No one's personal data is on either page."""

from access.tests.matrix_support import EVERYONE, Expect

DISTRICT_STAFF = frozenset({"district_admin", "district_officer", "other_district_officer"})

PAGE = {
    "screening:licences": Expect(DISTRICT_STAFF, role_never=EVERYONE - DISTRICT_STAFF),
    "screening:default_battery": Expect(DISTRICT_STAFF, role_never=EVERYONE - DISTRICT_STAFF),
}
