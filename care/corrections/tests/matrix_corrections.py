"""Persona-matrix rows of corrections (更正, PIPL Art. 46): guardians and students ask (every other role 403); the
school's leader and psychological teachers see the queue (every other role 403); deciding 李小明's pending request
is for school A's leader and main psychological teacher — the east campus's psychological teacher, who does not
see 李小明, gets 404."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

ASKERS = frozenset({"guardian", "other_guardian", "student"})
REVIEWERS = frozenset({"psych", "psych_east", "leader"})

PAGE = {
    "care:correction_new": Expect(ASKERS, role_never=EVERYONE - ASKERS),
    "care:correction_queue": Expect(REVIEWERS, role_never=EVERYONE - REVIEWERS),
    "care:correction_decide": Expect(
        frozenset({"psych", "leader"}),
        ok=302,
        method="post",
        params=(("pk", "correction_pending"),),
        role_never=EVERYONE - REVIEWERS,
        body={"data": {"decision": "refuse", "reason": "matrix"}},
    ),
}


def objects(world) -> dict:
    from django.utils import timezone

    from care.models import CorrectionRequest

    row = CorrectionRequest.objects.create(
        student=world.student_a1, requested_by=world.guardian, field="student_name", old_value="李小明",
        new_value="李晓明", created_at=timezone.now(),
    )  # fmt: skip
    return {"correction_pending": row}
