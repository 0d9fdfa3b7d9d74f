"""Persona-matrix rows of home–school work and governance ("home"). Objects: a parent session, a leadership
meeting, an excellent case (submitted) at school A, a 海淀 plan, a city resource for parents, and a PDF attached
to the parent session."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

VISIT = frozenset({"psych", "psych_east", "class_teacher", "other_class_teacher", "leader"})
VISIT_A1 = frozenset({"psych", "class_teacher", "leader"})
DISTRICT = frozenset({"district_officer", "district_admin", "other_district_officer"})
CITY = frozenset({"city_officer", "city_admin", "supervisor"})
SESSIONS = VISIT | DISTRICT | CITY
SEE_SCHOOL_A = frozenset(
    {"psych", "psych_east", "class_teacher", "other_class_teacher", "teacher", "leader", "district_officer",
     "district_admin"}
) | CITY  # fmt: skip
GUARDIANS = frozenset({"guardian", "other_guardian"})
GOVERNANCE = frozenset({"psych", "psych_east", "leader"}) | DISTRICT | CITY
GOVERNANCE_A = GOVERNANCE - {"other_district_officer"}
CASE_ROLES = GOVERNANCE | {"class_teacher", "other_class_teacher", "teacher", "other_school_teacher"}
SESSION_READERS = SEE_SCHOOL_A | {"guardian", "district_counselor"}  # T0 over school A, or a child there
SESSION_ADDERS = frozenset({"psych", "psych_east", "leader"})

PAGE = {
    "schoolwork:home_visits": Expect(VISIT, role_never=EVERYONE - VISIT),
    "schoolwork:home_visit_class": Expect(VISIT_A1, params=(("pk", "a1"),), role_never=EVERYONE - VISIT),
    "schoolwork:home_visit_new": Expect(
        VISIT_A1, params=(("pk", "student_a1"),), role_never=EVERYONE - VISIT
    ),
    "schoolwork:parent_sessions": Expect(SESSIONS, role_never=EVERYONE - SESSIONS),
    "schoolwork:parent_session": Expect(
        SESSIONS - {"other_district_officer"},
        params=(("pk", "home_session"),),
        role_never=EVERYONE - SESSIONS,
    ),
    "schoolwork:parent_attendance": Expect(
        VISIT_A1, params=(("pk", "home_session"), ("class_pk", "a1")), role_never=EVERYONE - VISIT
    ),
    # No file sent: who may add gets the clear 400; who reads the session but may not add gets 403.
    "schoolwork:attachment_add": Expect(
        SESSION_ADDERS,
        ok=400,
        method="post",
        params=(("kind", "parent_session"), ("pk", "home_session")),
        role_never=SESSION_READERS - SESSION_ADDERS,
    ),
    "schoolwork:attachment": Expect(SESSION_READERS, params=(("pk", "home_attachment"),)),
    "schoolwork:guardian_invitations": Expect(
        frozenset({"class_teacher", "leader", "district_admin"}),
        params=(("pk", "a1"),),
        role_never=frozenset({"psych", "teacher"}),  # the district officer does not see class A1 (404)
    ),
    "schoolwork:guardian_join": Expect(frozenset(), anonymous=404, params=(("token", "no-such-token"),)),
    "schoolwork:guardian_home": Expect(GUARDIANS, role_never=EVERYONE - GUARDIANS),
    "schoolwork:guardian_talk": Expect(GUARDIANS, ok=302, method="post", role_never=EVERYONE - GUARDIANS),
    "schoolwork:guardian_openings": Expect(GUARDIANS, role_never=EVERYONE - GUARDIANS),
    "schoolwork:meetings": Expect(GOVERNANCE, role_never=EVERYONE - GOVERNANCE),
    "schoolwork:meeting": Expect(
        GOVERNANCE_A, params=(("pk", "home_meeting"),), role_never=EVERYONE - GOVERNANCE
    ),
    "schoolwork:plans": Expect(
        DISTRICT | {"city_officer", "city_admin"},
        role_never=EVERYONE - DISTRICT - {"city_officer", "city_admin"},
    ),
    "schoolwork:pilots": Expect(EVERYONE),
    "schoolwork:cases": Expect(CASE_ROLES, role_never=EVERYONE - CASE_ROLES),
    "schoolwork:case": Expect(GOVERNANCE_A, params=(("pk", "home_case"),), role_never=EVERYONE - CASE_ROLES),
    "schoolwork:resources": Expect(EVERYONE),
    "schoolwork:resource": Expect(EVERYONE, params=(("pk", "home_resource"),)),
}


def objects(world) -> dict:
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from schoolwork.home.models import (
        Attachment,
        DistrictPlan,
        ExcellentCase,
        LeadershipMeeting,
        ParentSession,
        Resource,
    )

    now = timezone.now()
    semester = world.year.semesters.order_by("starts_on").first()
    day = semester.starts_on + dt.timedelta(days=10)
    session = ParentSession.objects.create(
        school=world.school_a,
        semester=semester,
        held_on=day,
        title="matrix",
        created_by=world.psych,
        created_at=now,
    )
    pdf = Attachment(
        owner_type="parent_session", owner_id=session.pk, original_name="m.pdf", content_type="application/pdf",
        size=8, sha256="0" * 64, uploaded_by=world.psych, uploaded_at=now,
    )  # fmt: skip
    pdf.file.save("matrix.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {
        "home_session": session,
        "home_attachment": pdf,
        "home_meeting": LeadershipMeeting.objects.create(
            school=world.school_a, held_on=day, title="matrix", created_by=world.leader, created_at=now
        ),
        "home_plan": DistrictPlan.objects.create(
            district=world.haidian, school_year=world.year, title="matrix", created_at=now
        ),
        "home_case": ExcellentCase.objects.create(
            school=world.school_a, school_year=world.year, title="matrix", body="x", submitted_at=now
        ),
        "home_resource": Resource.objects.create(
            node=world.city, audience="parents", title="matrix", published_at=now
        ),
    }
