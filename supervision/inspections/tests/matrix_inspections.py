"""Persona-matrix rows of inspections (督导检查, R18). Objects: an inspection of school A by the (city)
supervisor for the semester under way, its checklist, and a rectification task owned by school A's leader.
Writes out of order still answer 302 (back to the inspection with the reason); tests/test_inspection*.py check
what each does. The supervisor writes; the school's leader and psychological teachers, 海淀 and the city read."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

READ = frozenset(
    {"psych", "psych_east", "leader", "district_officer", "district_admin", "city_officer", "city_admin",
     "supervisor"}
)  # fmt: skip
ROLES = READ | {"other_district_officer"}  # roles that read inspections somewhere
SUP = frozenset({"supervisor"})
ITEM = (("pk", "sup_item"),)
INSP = (("pk", "sup_inspection"),)
TASK = (("pk", "sup_task"),)

PAGE = {
    "supervision:inspections": Expect(ROLES, role_never=EVERYONE - ROLES),
    "supervision:inspection_new": Expect(SUP, role_never=EVERYONE - SUP),
    "supervision:inspection": Expect(READ, params=INSP, role_never=EVERYONE - ROLES),
    "supervision:inspection_export": Expect(READ, params=INSP, role_never=EVERYONE - ROLES),
    # Readers of the inspection who are not its supervisor get 403; 朝阳's officer does not find it (404).
    "supervision:inspection_finding": Expect(
        SUP, ok=302, method="post", params=ITEM, role_never=EVERYONE - SUP - {"other_district_officer"}
    ),
    "supervision:inspection_task_new": Expect(
        SUP, ok=302, method="post", params=INSP, role_never=EVERYONE - SUP - {"other_district_officer"}
    ),
    "supervision:inspection_close": Expect(
        SUP, ok=302, method="post", params=INSP, role_never=EVERYONE - SUP - {"other_district_officer"}
    ),
    "supervision:rectification_tasks": Expect(ROLES, role_never=EVERYONE - ROLES),
    "supervision:task_done": Expect(
        frozenset({"leader"}), ok=302, method="post", params=TASK,
        role_never=EVERYONE - {"leader", "other_district_officer"},
    ),
    "supervision:task_note": Expect(
        frozenset({"leader", "supervisor"}), ok=302, method="post", params=TASK,
        role_never=EVERYONE - {"leader", "supervisor", "other_district_officer"},
    ),
    "supervision:task_verify": Expect(
        SUP, ok=302, method="post", params=TASK, role_never=EVERYONE - SUP - {"other_district_officer"}
    ),
}  # fmt: skip


def objects(world) -> dict:
    import datetime as dt

    from django.utils import timezone

    from supervision.indicators.periods import ensure_periods
    from supervision.inspections import services as inspections

    period = next(p for p in ensure_periods(world.year) if p.code.endswith("-S1"))
    inspection = inspections.create_inspection(
        user=world.supervisor, school=world.school_a, period=period, visited_on=timezone.localdate()
    )
    task = inspections.add_task(
        user=world.supervisor, inspection=inspection, title="补充东校区心理辅导室值班表",
        owner_id=world.leader.pk, deadline=timezone.localdate() + dt.timedelta(days=30),
    )  # fmt: skip
    return {"sup_inspection": inspection, "sup_item": inspection.items.first(), "sup_task": task}
