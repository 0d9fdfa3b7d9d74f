"""Persona-matrix rows of the student file (一人一档): the file, its printable form and its PDF.

student_a1 (class A1, main campus of school A): the psych teacher of A reads the file at T3, the class teacher of
A1 and the leader of A at T2 (level colour); the east campus's psych teacher, the other class's teacher and the
district counselor (student_a1 is not escalated) get 404; every other role never has files (403). Export is the
current school's psych teacher's only: the T2 viewers get 403.
"""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

FILE_PERSONAS = frozenset(
    {"psych", "psych_east", "class_teacher", "other_class_teacher", "leader", "district_counselor"}
)
SEE_FILE = frozenset({"psych", "class_teacher", "leader"})
PARAMS = (("pk", "file_student"),)

PAGE = {
    "care:file_detail": Expect(SEE_FILE, params=PARAMS, role_never=EVERYONE - FILE_PERSONAS),
    "care:file_print": Expect(
        frozenset({"psych"}),
        params=PARAMS,
        role_never=(EVERYONE - FILE_PERSONAS) | {"class_teacher", "leader"},
    ),
    "care:file_pdf": Expect(
        frozenset({"psych"}),
        params=PARAMS,
        role_never=(EVERYONE - FILE_PERSONAS) | {"class_teacher", "leader"},
    ),
}


def objects(world) -> dict:
    return {"file_student": world.student_a1}
