"""Persona-matrix rows of the school calendar and the year rollover (issue 18): the city and district
administrators and a school's leader keep the calendar and run their schools' rollovers; everyone else's role
never has these pages (403). A district administrator keeps its own district's semester dates, never the city's
semesters. The progress of a rollover is for those whose scope holds the school."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

KEEPERS = frozenset({"city_admin", "district_admin", "leader"})
SEMESTER_KEEPERS = frozenset({"city_admin", "district_admin"})

PAGE = {
    "calendar:index": Expect(KEEPERS, role_never=EVERYONE - KEEPERS),
    # The city's semesters are the city administrator's: a district administrator gets 404 (not their node) — a
    # district keeps only its own semester dates (issue 18), as the follow-the-city row shows for 海淀.
    "calendar:semesters": Expect(
        frozenset({"city_admin"}), params=(("pk", "calendar_city"),), role_never=EVERYONE - SEMESTER_KEEPERS
    ),
    "calendar:follow_city": Expect(
        SEMESTER_KEEPERS,
        ok=302,
        method="post",
        params=(("pk", "calendar_district"), ("semester", "calendar_semester")),
        role_never=EVERYONE - SEMESTER_KEEPERS,
    ),
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
    return {
        "calendar_rollover_plan": plan,
        "calendar_city": world.city,
        "calendar_district": world.haidian,
        "calendar_semester": world.year.semesters.get(term=1),
    }
