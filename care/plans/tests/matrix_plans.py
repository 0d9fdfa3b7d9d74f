"""Persona-matrix rows of plans, guardian contacts, referrals, tasks and the institution registry.

Objects: an open orange case of student_a1b (class A1 of school A, 海淀) with a plan whose action is assigned to
A1's class teacher, and a referral of it sent to a 海淀 partner hospital whose clinician is the ``clinician``
persona. The east-campus psych teacher and the district counselor (the case is not escalated) get 404 for the
case's pages; roles that never have them get 403. The leader sees open red/orange cases by name, level and
status only — never the plan, contacts or referrals (403).
"""

from __future__ import annotations

import datetime as dt

from access.tests.matrix_support import EVERYONE, Expect

READERS = frozenset({"psych", "psych_east", "district_counselor"})
CONTACTS = READERS | {"class_teacher", "other_class_teacher"}
REFERRALS = READERS | {"clinician"}
GUARDIANS = frozenset({"guardian", "other_guardian"})

PAGE = {
    "care:plan": Expect(frozenset({"psych"}), params=(("pk", "plans_case"),), role_never=EVERYONE - READERS),
    "care:contacts": Expect(
        frozenset({"psych", "class_teacher"}), params=(("pk", "plans_case"),), role_never=EVERYONE - CONTACTS
    ),
    "care:case_referrals": Expect(
        frozenset({"psych"}), params=(("pk", "plans_case"),), role_never=EVERYONE - READERS
    ),
    "care:referrals": Expect(REFERRALS, role_never=EVERYONE - REFERRALS),
    "care:referral": Expect(
        frozenset({"psych", "clinician"}), params=(("pk", "plans_referral"),), role_never=EVERYONE - REFERRALS
    ),
    "care:referral_move": Expect(
        frozenset({"psych"}),
        ok=302,
        method="post",
        params=(("pk", "plans_referral"),),
        role_never=EVERYONE - READERS,
        body={"data": {"to": "seen"}},
    ),
    "care:referral_feedback": Expect(
        frozenset({"clinician"}),
        ok=302,
        method="post",
        params=(("pk", "plans_referral"),),
        role_never=EVERYONE - {"clinician"},
        body={"data": {"feedback": "matrix"}},
    ),
    "care:my_tasks": Expect(EVERYONE),
    # Only the task's owner (A1's class teacher) marks it done; for everyone else it does not exist.
    "care:task_done": Expect(
        frozenset({"class_teacher"}), ok=302, method="post", params=(("pk", "plans_task"),)
    ),
    # Only the crisis step's owner (A1's class teacher) marks it done; for everyone else it does not exist.
    "care:crisis_step_done": Expect(
        frozenset({"class_teacher"}), ok=302, method="post", params=(("pk", "plans_crisis_step"),)
    ),
    # 告知家长 (issue 21 build 3): the guardian of student_a1 reads and confirms what the school shared; the other
    # guardian does not find it (404); every other role never has these pages (403).
    "care:family_plans": Expect(GUARDIANS, role_never=EVERYONE - GUARDIANS),
    "care:family_plan_read": Expect(
        frozenset({"guardian"}),
        ok=302,
        method="post",
        params=(("pk", "plans_share"),),
        role_never=EVERYONE - GUARDIANS,
    ),  # fmt: skip
    "care:institutions": Expect(frozenset({"district_admin"}), role_never=EVERYONE - {"district_admin"}),
}


def objects(world) -> dict:
    from django.utils import timezone

    from care.cases.services import open_or_update_case
    from care.models import (
        Case,
        CrisisStep,
        Institution,
        InstitutionMember,
        Plan,
        PlanAction,
        PlanShare,
        Referral,
        ReferralStatus,
    )
    from care.plans.services import _plan_for_update

    now = timezone.now()
    case, _created = open_or_update_case(
        student=world.student_a1b, level="orange", source_type="other", actor=world.psych, now=now
    )
    plan = _plan_for_update(case, world.psych, now)
    task = PlanAction.objects.create(
        plan=plan,
        text="matrix",
        owner=world.class_teacher,
        due_on=now.date() + dt.timedelta(days=3),
        created_at=now,
    )
    hospital = Institution.objects.create(
        district=world.haidian, name="北京安定医院 (matrix)", kind="hospital", created_at=now
    )
    InstitutionMember.objects.create(institution=hospital, user=world.clinician, added_at=now)
    referral = Referral.objects.create(
        case=case, student=world.student_a1b, school=world.school_a, institution=hospital, reason="matrix",
        status=ReferralStatus.SENT, status_at=now, consent_by="家长", consent_on=now.date(), consent_via="书面",
        proposed_at=now,
    )  # fmt: skip
    step, _made = CrisisStep.objects.update_or_create(
        case=case, kind="accompanied", defaults={"owner": world.class_teacher, "due_at": now}
    )
    # A closed yellow case of student_a1 (no open case: nothing else in the matrix changes) shared with its guardian.
    a1_case = Case.objects.create(
        student=world.student_a1, school=world.school_a, level="yellow", status="closed", source_type="other",
        opened_at=now, closed_at=now,
    )  # fmt: skip
    a1_plan = Plan.objects.create(
        case=a1_case, goals="matrix", agreed_on=now.date(), created_at=now, updated_at=now
    )
    share = PlanShare.objects.create(plan=a1_plan, family_tasks="matrix", shared_at=now)
    return {
        "plans_case": case,
        "plans_task": task,
        "plans_referral": referral,
        "plans_crisis_step": step,
        "plans_share": share,
    }
