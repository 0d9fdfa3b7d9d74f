"""Persona-matrix rows of the supervision dashboards (issue 7). Objects: school A's node and the current
semester's period (its code is the URL parameter). Who sees dashboards: school A's leader and psychological
teachers (the east-campus one through its school), 海淀's officer and admin, the city officer and admin and the
supervisor; 朝阳's officer gets 404 for a 海淀 school; every other role 403 before any lookup."""

from __future__ import annotations

from types import SimpleNamespace

from access.tests.matrix_support import EVERYONE, Expect

VIEWERS = frozenset(
    {"psych", "psych_east", "leader", "district_officer", "district_admin", "other_district_officer",
     "city_officer", "city_admin", "supervisor"}
)  # fmt: skip
NOT_VIEWERS = EVERYONE - VIEWERS
SEE_SCHOOL_A = VIEWERS - {"other_district_officer"}
RECOMPUTERS = frozenset({"district_admin", "city_admin"})
SCHOOL_A = (("node", "sup_school_a"), ("period", "sup_period"))

PAGE = {
    "supervision:index": Expect(VIEWERS, ok=302, role_never=NOT_VIEWERS),
    "supervision:dashboard": Expect(SEE_SCHOOL_A, params=SCHOOL_A, role_never=NOT_VIEWERS),
    "supervision:trend": Expect(
        SEE_SCHOOL_A,
        params=(("node", "sup_school_a"), ("indicator", "r1.2-campus-psych")),
        role_never=NOT_VIEWERS,
    ),
    "supervision:export_xlsx": Expect(SEE_SCHOOL_A, params=SCHOOL_A, role_never=NOT_VIEWERS),
    "supervision:export_pdf": Expect(SEE_SCHOOL_A, params=SCHOOL_A, role_never=NOT_VIEWERS),
    "supervision:recompute": Expect(RECOMPUTERS, ok=302, method="post", role_never=EVERYONE - RECOMPUTERS),
    "api:api_supervision_dashboard": Expect(VIEWERS, anonymous=401, role_never=NOT_VIEWERS),
}


def objects(world) -> dict:
    from supervision.dashboards.selectors import default_period

    period = default_period()
    return {"sup_school_a": world.school_a, "sup_period": SimpleNamespace(pk=period.code)}
