"""Persona-matrix rows of the school counseling room (issue 5 part 1).

Objects: a room on school A's main campus (psych of school A covers it; psych_east does not), a free slot
tomorrow, student_a1's request in another slot, and a session psych recorded with student_a1 (risk none).
test_matrix's own objects give student_a1 an open red alert, so the leader sees student_a1 at T3: the session
page opens for them (without notes), and their request for the notes is refused (403, audited)."""

from __future__ import annotations

from django.utils import timezone

from access.tests.matrix_support import EVERYONE, Expect

PSYCH = frozenset({"psych", "psych_east"})
BOOKERS = frozenset(
    {"student", "guardian", "other_guardian", "psych", "psych_east", "class_teacher", "other_class_teacher",
     "teacher", "other_school_teacher", "leader"}
)  # fmt: skip
KEEPERS = frozenset({"psych", "psych_east", "leader"})
SESSION_ROLES = frozenset({"psych", "psych_east", "leader", "district_counselor"})
WORKLOAD = frozenset({"psych", "psych_east", "leader", "district_officer", "other_district_officer"})

PAGE = {
    "counseling:room_book": Expect(BOOKERS, role_never=EVERYONE - BOOKERS),
    # student_a1's request: the student and their guardian may cancel it; other bookers do not find it.
    "counseling:room_cancel": Expect(
        frozenset({"student", "guardian"}),
        ok=302,
        method="post",
        params=(("pk", "room_appointment"),),
        role_never=EVERYONE - BOOKERS,
    ),  # fmt: skip
    "counseling:room_desk": Expect(PSYCH, role_never=EVERYONE - PSYCH),
    "counseling:room_decide": Expect(
        frozenset({"psych"}),
        ok=302,
        method="post",
        params=(("pk", "room_appointment"),),
        role_never=EVERYONE - PSYCH,
        body={"data": {"action": "confirm"}},
    ),  # fmt: skip
    "counseling:room_walk_in": Expect(
        frozenset({"psych"}),
        ok=302,
        method="post",
        params=(("pk", "room_room"),),
        role_never=EVERYONE - PSYCH,
        body={
            "data": {"student_no": "G110108201503010011", "starts_at": "2020-01-06T10:00", "minutes": "30"}
        },
    ),  # fmt: skip
    "counseling:room_rooms": Expect(KEEPERS, role_never=EVERYONE - KEEPERS),
    "counseling:room_room": Expect(
        frozenset({"psych", "leader"}), params=(("pk", "room_room"),), role_never=EVERYONE - KEEPERS
    ),
    "counseling:room_session_new": Expect(PSYCH, role_never=EVERYONE - PSYCH),
    "counseling:room_session": Expect(
        frozenset({"psych", "leader"}), params=(("pk", "room_session"),), role_never=EVERYONE - SESSION_ROLES
    ),
    # The notes: the author only. The leader sees the session but is refused its notes (403, audited).
    "counseling:room_session_notes": Expect(
        frozenset({"psych"}),
        params=(("pk", "room_session"),),
        role_never=EVERYONE - SESSION_ROLES | {"leader"},
    ),  # fmt: skip
    "counseling:room_session_break": Expect(
        frozenset({"psych"}),
        ok=302,
        method="post",
        params=(("pk", "room_session"),),
        role_never=EVERYONE - SESSION_ROLES | {"leader"},
        body={"data": {"harm_to": "self", "reason": "matrix: a stated plan", "told": "guardian"}},
    ),  # fmt: skip
    "counseling:room_workload": Expect(WORKLOAD, role_never=EVERYONE - WORKLOAD),
    "counseling:room_workload_export": Expect(WORKLOAD, role_never=EVERYONE - WORKLOAD),
    "counseling:room_help": Expect(EVERYONE),
    "counseling:room_links": Expect(frozenset({"district_admin"}), role_never=EVERYONE - {"district_admin"}),
}


def objects(world) -> dict:
    from counseling.rooms.models import CounselingSession
    from counseling.rooms.tests.room_helpers import book, make_room, make_slot, tomorrow_at

    room = make_room(world.campus_a_main)
    make_slot(room, world.psych, tomorrow_at(10))
    appointment = book(world, make_slot(room, world.psych, tomorrow_at(11)))
    session = CounselingSession.objects.create(
        school=world.school_a, room=room, student=world.student_a1, counselor=world.psych,
        started_at=timezone.now(), duration_minutes=40, kind="individual", topics=["study"], risk_level="none",
        next_step="none", notes="matrix notes", created_at=timezone.now(),
    )  # fmt: skip
    return {"room_room": room, "room_appointment": appointment, "room_session": session}
