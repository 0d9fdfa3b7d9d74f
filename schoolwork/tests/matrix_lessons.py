"""Persona-matrix rows of the lessons, key times, training and five-education pages (engineer "lessons")."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

LESSON_KEEPERS = frozenset({"psych", "psych_east", "class_teacher", "other_class_teacher", "leader"})
PLANNERS = frozenset({"psych", "psych_east", "leader"})
# Compliance is counts per class and school: everyone who sees a school's aggregates (T0).
COMPLIANCE = EVERYONE - {"student", "guardian", "other_guardian", "clinician", "auditor"}

PAGE = {
    "schoolwork:lessons": Expect(LESSON_KEEPERS, role_never=EVERYONE - LESSON_KEEPERS),
    "schoolwork:lesson_plans": Expect(PLANNERS, role_never=EVERYONE - PLANNERS),
    "schoolwork:lesson_compliance": Expect(COMPLIANCE, role_never=EVERYONE - COMPLIANCE),
    "schoolwork:lesson_compliance_export": Expect(COMPLIANCE, role_never=EVERYONE - COMPLIANCE),
}


def objects(world) -> dict:
    return {}
