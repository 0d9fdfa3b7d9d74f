"""Persona-matrix rows of the lessons, key times, training and five-education pages (engineer "lessons")."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

LESSON_KEEPERS = frozenset({"psych", "psych_east", "class_teacher", "other_class_teacher", "leader"})
PLANNERS = frozenset({"psych", "psych_east", "leader"})
# Compliance is counts per class and school: everyone who sees a school's aggregates (T0).
COMPLIANCE = EVERYONE - {"student", "guardian", "other_guardian", "clinician", "auditor", "security_admin"}

ORGANISERS = frozenset(
    {"psych", "psych_east", "leader", "district_officer", "district_admin", "other_district_officer",
     "city_admin", "city_officer"}
)  # fmt: skip
# A training organised by school A: its organisers and those above it; 朝阳's officer gets 404.
SEE_TRAINING_A = ORGANISERS - {"other_district_officer"}
TRAINING_COVERAGE = ORGANISERS | {"supervisor"}

FIVE_ED = frozenset({"class_teacher", "other_class_teacher", "leader"})

PAGE = {
    "schoolwork:lessons": Expect(LESSON_KEEPERS, role_never=EVERYONE - LESSON_KEEPERS),
    "schoolwork:lesson_plans": Expect(PLANNERS, role_never=EVERYONE - PLANNERS),
    "schoolwork:lesson_compliance": Expect(COMPLIANCE, role_never=EVERYONE - COMPLIANCE),
    "schoolwork:lesson_compliance_export": Expect(COMPLIANCE, role_never=EVERYONE - COMPLIANCE),
    "schoolwork:keytimes": Expect(PLANNERS, role_never=EVERYONE - PLANNERS),
    "schoolwork:activities": Expect(FIVE_ED, role_never=EVERYONE - FIVE_ED),
    "schoolwork:trainings": Expect(ORGANISERS, role_never=EVERYONE - ORGANISERS),
    "schoolwork:training": Expect(
        SEE_TRAINING_A, params=(("pk", "lessons_training"),), role_never=EVERYONE - ORGANISERS
    ),
    # A POST without a sheet: the organisers get the bad-input answer (400), everyone else is refused.
    "schoolwork:training_import": Expect(
        SEE_TRAINING_A,
        ok=400,
        method="post",
        params=(("pk", "lessons_training"),),
        role_never=EVERYONE - ORGANISERS,
    ),  # fmt: skip
    # A token that is not signed is no training: 404 for everyone.
    "schoolwork:training_signin": Expect(frozenset(), params=(("token", "not-a-token"),)),
    "schoolwork:training_coverage": Expect(TRAINING_COVERAGE, role_never=EVERYONE - TRAINING_COVERAGE),
    "schoolwork:training_coverage_export": Expect(TRAINING_COVERAGE, role_never=EVERYONE - TRAINING_COVERAGE),
    "schoolwork:training_hours": Expect(
        TRAINING_COVERAGE, role_never=EVERYONE - TRAINING_COVERAGE
    ),  # R2.2 hours
}


def objects(world) -> dict:
    import datetime as dt

    from django.utils import timezone

    from schoolwork.programs.models import Training
    from schoolwork.programs.semesters import current_semester

    semester = current_semester()
    training = Training.objects.create(
        organiser=world.school_a, semester=semester, held_on=semester.starts_on, topic="matrix",
        created_at=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip
    return {"lessons_training": training}
