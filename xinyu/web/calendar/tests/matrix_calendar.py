"""Persona-matrix rows of the school calendar and the year rollover (issue 18): the city and district
administrators and a school's leader keep the calendar and run their schools' rollovers; everyone else's role
never has these pages (403). The progress of a rollover is for those whose scope holds the school."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

KEEPERS = frozenset({"city_admin", "district_admin", "leader"})

PAGE = {
    "calendar:index": Expect(KEEPERS, role_never=EVERYONE - KEEPERS),
    "calendar:rollover": Expect(KEEPERS, role_never=EVERYONE - KEEPERS),
    "calendar:rollover_progress": Expect(
        KEEPERS, params=(("pk", "calendar_rollover_plan"),), role_never=EVERYONE - KEEPERS
    ),
}


def objects(world) -> dict:
    from django.utils import timezone

    from org.models import RolloverPlan

    plan = RolloverPlan.objects.create(
        school=world.school_a, from_year=world.year, to_year=world.year, created_at=timezone.now()
    )
    return {"calendar_rollover_plan": plan}
