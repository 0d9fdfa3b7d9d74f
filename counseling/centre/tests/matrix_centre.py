"""Persona-matrix rows of the district centre and the 24-hour message platform (R4.2): students use the message
pages; the 海淀 district counselor works the queue, the hotline log and reads the roster; the district
administrator keeps the roster; both keep the district's triage terms; administrators and counselors see the holiday calendar. Everyone else: 403."""

from __future__ import annotations

import datetime as dt

from access.tests.matrix_support import EVERYONE, Expect

STUDENT = frozenset({"student"})
COUNSELOR = frozenset({"district_counselor"})
ROSTER = frozenset({"district_counselor", "district_admin"})
CALENDAR = frozenset({"district_counselor", "district_admin", "city_admin"})

PAGE = {
    "counseling:centre_leave": Expect(STUDENT, role_never=EVERYONE - STUDENT),
    "counseling:centre_my_messages": Expect(STUDENT, role_never=EVERYONE - STUDENT),
    "counseling:centre_my_message": Expect(
        STUDENT, params=(("pk", "centre_named_message"),), role_never=EVERYONE - STUDENT
    ),
    "counseling:centre_read_code": Expect(STUDENT, role_never=EVERYONE - STUDENT),
    "counseling:centre_queue": Expect(COUNSELOR, role_never=EVERYONE - COUNSELOR),
    "counseling:centre_message": Expect(
        COUNSELOR, params=(("pk", "centre_anonymous_message"),), role_never=EVERYONE - COUNSELOR
    ),
    "counseling:centre_duty": Expect(ROSTER, role_never=EVERYONE - ROSTER),
    "counseling:centre_duty_cancel": Expect(
        frozenset({"district_admin"}),
        ok=302,
        method="post",
        params=(("pk", "centre_shift"),),
        role_never=EVERYONE - {"district_admin"},
    ),
    "counseling:centre_calendar": Expect(CALENDAR, role_never=EVERYONE - CALENDAR),
    "counseling:centre_hotline": Expect(COUNSELOR, role_never=EVERYONE - COUNSELOR),
    "counseling:centre_call": Expect(
        COUNSELOR, params=(("pk", "centre_call"),), role_never=EVERYONE - COUNSELOR
    ),
    # Online counseling: student_a1's waiting conversation — its student and the 海淀 counselor.
    "counseling:centre_chat_start": Expect(STUDENT, role_never=EVERYONE - STUDENT),
    "counseling:centre_chat": Expect(
        STUDENT | COUNSELOR, params=(("pk", "centre_online"),), role_never=EVERYONE - STUDENT - COUNSELOR
    ),
    "counseling:centre_chat_lines": Expect(
        STUDENT | COUNSELOR, params=(("pk", "centre_online"),), role_never=EVERYONE - STUDENT - COUNSELOR
    ),
    "counseling:centre_chats": Expect(COUNSELOR, role_never=EVERYONE - COUNSELOR),
    "counseling:centre_chat_take": Expect(
        COUNSELOR, ok=302, method="post", params=(("pk", "centre_online"),), role_never=EVERYONE - COUNSELOR
    ),
    "counseling:centre_chat_close": Expect(
        COUNSELOR, ok=302, method="post", params=(("pk", "centre_online"),), role_never=EVERYONE - COUNSELOR
    ),
    # Face-to-face visits: student_a1's requested visit — the 海淀 counselor decides it.
    "counseling:centre_visit": Expect(STUDENT, role_never=EVERYONE - STUDENT),
    "counseling:centre_visits": Expect(COUNSELOR, role_never=EVERYONE - COUNSELOR),
    "counseling:centre_visit_decide": Expect(
        COUNSELOR, ok=302, method="post", params=(("pk", "centre_visit"),), role_never=EVERYONE - COUNSELOR
    ),
    # The district's own triage terms (issue 16 build 2): its counselors and its administrator keep them.
    "counseling:centre_terms": Expect(ROSTER, role_never=EVERYONE - ROSTER),
    "counseling:centre_term": Expect(ROSTER, params=(("pk", "centre_term"),), role_never=EVERYONE - ROSTER),
    "counseling:centre_term_retire": Expect(
        ROSTER, ok=302, method="post", params=(("pk", "centre_term"),), role_never=EVERYONE - ROSTER
    ),
}


def objects(world) -> dict:
    from django.utils import timezone

    from counseling.centre.models import (
        CentreVisit,
        DutyShift,
        HotlineCall,
        Message,
        OnlineSession,
        TriageTerm,
    )

    now = timezone.now()
    named = Message.objects.create(
        district=world.haidian, student=world.student_a1, body="matrix", submit_key="matrix-named-0000000",
        created_at=now, reply_due=now + dt.timedelta(hours=12),
    )  # fmt: skip
    anonymous = Message.objects.create(
        district=world.haidian, anonymous=True, code_hash="0" * 64, body="matrix", submit_key="matrix-anon-00000000",
        created_at=now, reply_due=now + dt.timedelta(hours=12),
    )  # fmt: skip
    shift = DutyShift.objects.create(
        district=world.haidian, counselor=world.district_counselor, starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3), created_at=now,
    )  # fmt: skip
    call = HotlineCall.objects.create(
        district=world.haidian, taken_by=world.district_counselor, started_at=now, duration_minutes=10,
        caller_type="student", topic="study", outcome="supported", submit_key="matrix-call-00000000", created_at=now,
    )  # fmt: skip
    online = OnlineSession.objects.create(district=world.haidian, student=world.student_a1, requested_at=now)
    visit = CentreVisit.objects.create(
        district=world.haidian,
        student=world.student_a1,
        wanted_at=now + dt.timedelta(days=2),
        requested_at=now,
    )
    term = TriageTerm.objects.create(
        district=world.haidian, kind="slang", form="飞升", meaning="自杀", source="matrix", seen_on=now.date(),
        created_at=now, updated_at=now,
    )  # fmt: skip
    return {
        "centre_term": term,
        "centre_visit": visit,
        "centre_online": online,
        "centre_named_message": named,
        "centre_anonymous_message": anonymous,
        "centre_shift": shift,
        "centre_call": call,
    }
