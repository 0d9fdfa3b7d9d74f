"""Persona-matrix rows for the class roll (gathered by access/tests/test_matrix.py)."""

from access.tests.matrix_support import EVERYONE, Expect

# Class A1's roll for the launched 海淀 campaign: school A's psych teacher and A1's class teacher; the
# east-campus psych teacher and A2's class teacher get 404 (not their students); every other role 403.
PAGE = {
    "screening:class_roll": Expect(
        frozenset({"psych", "class_teacher"}),
        params=(("pk", "campaign"), ("class_pk", "a1")),
        role_never=EVERYONE - {"psych", "psych_east", "class_teacher", "other_class_teacher"},
    ),
}
