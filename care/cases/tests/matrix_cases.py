"""Persona-matrix rows of the abnormality reports and cases (issue 4: "cases").

The objects: a report a school-A teacher filed about student_a1b (class A1, main campus) and an open red case of
the same student owned by school A's psychological teacher, with its crisis checklist and a follow-up. The
east-campus psychological teacher and the district counselor (the case is not escalated) get 404; roles that
never triage or work a case get 403 before any lookup.
"""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

STAFF = frozenset(
    {
        "psych",
        "psych_east",
        "class_teacher",
        "other_class_teacher",
        "teacher",
        "other_school_teacher",
        "leader",
    }
)
QUEUE = frozenset({"psych", "psych_east", "leader"})
PSYCH = frozenset({"psych", "psych_east"})
CLINICAL = PSYCH | {"district_counselor"}
CASE_LIST = CLINICAL | {"leader"}
ONLY_PSYCH = frozenset({"psych"})

PAGE = {
    "care:report_new": Expect(STAFF, role_never=EVERYONE - STAFF),
    "care:report_mine": Expect(STAFF, role_never=EVERYONE - STAFF),
    "care:report_queue": Expect(QUEUE, role_never=EVERYONE - QUEUE),
    "care:report_detail": Expect(ONLY_PSYCH, params=(("pk", "cases_report"),), role_never=EVERYONE - PSYCH),
    "care:case_list": Expect(CASE_LIST, role_never=EVERYONE - CASE_LIST),
    "care:case_open": Expect(
        ONLY_PSYCH, params=(("student_pk", "cases_student"),), role_never=EVERYONE - CLINICAL
    ),
    "care:case_detail": Expect(ONLY_PSYCH, params=(("pk", "cases_case"),), role_never=EVERYONE - CLINICAL),
    "care:case_action": Expect(
        ONLY_PSYCH,
        ok=302,
        method="post",
        params=(("pk", "cases_case"), ("action", "status")),
        role_never=EVERYONE - CLINICAL,
        body={"data": {"status": "assessed"}},
    ),
    "care:follow_up_list": Expect(CLINICAL, role_never=EVERYONE - CLINICAL),
    # API: the phone client's picker and report. The create row names a student no one can see: staff get 404
    # (nothing stored), other roles 403 (the allowed path is in care/reports/tests/test_reports_api.py).
    "api:api_care_report_students": Expect(STAFF, anonymous=401, role_never=EVERYONE - STAFF),
    "api:api_care_report_mine": Expect(STAFF, anonymous=401, role_never=EVERYONE - STAFF),
    "api:api_care_report_create": Expect(
        frozenset(),
        method="post",
        anonymous=401,
        role_never=EVERYONE - STAFF,
        body={
            "data": {
                "student_id": 999999999,
                "category": "emotion",
                "observed": "x",
                "urgency": "high",
                "key": "m",
            },
            "content_type": "application/json",
        },
    ),
}


def objects(world) -> dict:
    import datetime as dt

    from django.utils import timezone

    from care.cases.services import after_case_level
    from care.models import AbnormalityReport, Case

    now = timezone.now()
    student = world.student_a1b
    report = AbnormalityReport.objects.create(
        student=student, school=world.school_a, reporter=world.teacher, key="matrix", category="emotion",
        observed="哭", urgency="high", reported_at=now, triage_deadline=now + dt.timedelta(hours=2),
    )  # fmt: skip
    case = Case.objects.filter(student=student).exclude(status="closed").first()
    if case is None:  # another module's rows may have opened one already: one open case per student
        case = Case.objects.create(
            student=student, school=world.school_a, level="red", owner=world.psych, source_type="report",
            source_id=str(report.pk), opened_by=world.psych, opened_at=now,
        )  # fmt: skip
    after_case_level(case, now)
    return {"cases_report": report, "cases_case": case, "cases_student": student}
