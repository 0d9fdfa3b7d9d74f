"""Persona-matrix row of the campaign preview (issue 20 build 4): as the campaign's own page — its organisers
(海淀's officer and administrator) see it; 朝阳's officer and a school leader organise elsewhere (404); every role
that organises no campaign gets 403. The object is the matrix's launched 海淀 campaign."""

from __future__ import annotations

from access.tests.matrix_support import EVERYONE, Expect

ORGANISERS = frozenset({"district_officer", "district_admin", "other_district_officer", "leader"})

PAGE = {
    "screening:campaign_preview": Expect(
        frozenset({"district_officer", "district_admin"}),
        params=(("pk", "campaign"),),
        role_never=EVERYONE - ORGANISERS,
    ),
}
