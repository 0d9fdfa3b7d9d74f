"""Persona-matrix rows for break-glass (gathered by access/tests/test_matrix.py)."""

from access.tests.matrix_support import EVERYONE, Expect

BREAK_GLASS = frozenset({"psych", "psych_east", "leader", "district_counselor"})
PAGE = {
    # The request page: the roles that may break the glass; everyone else 403.
    "access:break_glass": Expect(BREAK_GLASS, role_never=EVERYONE - BREAK_GLASS),
    # The review queue: school leaders only.
    "access:break_glass_review": Expect(frozenset({"leader"}), role_never=EVERYONE - {"leader"}),
}
