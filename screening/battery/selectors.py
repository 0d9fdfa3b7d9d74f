"""Reads of a district's default battery and licences (issue 15, i15-battery; R5.1): the platform's and the
district's default per grade, the suicide-risk gaps, the licences held and missing."""

from __future__ import annotations

from access.policy import posts_of
from org.models import Node, NodeKind, Role, User
from screening.battery.models import DistrictBattery, InstrumentLicence
from screening.campaigns.presenting import text

# The platform's default battery per grade (docs/instruments.md "Default batteries", issue 15): well-being and
# anxiety in primary school (instruments.md Practice), depression, anxiety and suicide risk from grade 7, and the
# ASQ's suicide-risk questions from grade 5 — the first grade whose students are all 10 or older (the age the ASQ
# is validated from) under Beijing's entry rule (6 by 31 August). Grade 4 is 9 or 10: no ASQ by default; a
# district may add it on its default-battery page. A district's own default (DistrictBattery) replaces this.
PLATFORM_BATTERY: dict[int, list[str]] = {
    4: ["who-5", "scared-c"],
    **{g: ["who-5", "scared-c", "asq"] for g in (5, 6)},
    **{g: ["phq-a", "gad-7", "asq"] for g in range(7, 13)},
}
# Beijing enrols a child in grade 1 who is 6 by 31 August: on 1 September of grade g every student is at least
# g + 5 years old, so from this grade on every student has reached the ASQ's validated age of 10.
ALL_TEN_OR_OLDER_FROM_GRADE = 5


def catalogue_ids() -> dict[str, str]:
    """Known instrument id → latest version (the catalogue's ids are matched case-insensitively)."""
    from screening.instruments import catalogue

    out: dict[str, str] = {}
    for inst in catalogue():
        out[inst.id] = inst.version
    return out


DEFAULT_BATTERY_ROLES = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}
BATTERY_PAGE_GRADES = range(4, 13)  # R5.1: grade 4 and up
# The order the page lists instruments in, and so the order students answer them: a gentle well-being start,
# anxiety and symptom checklists, depression, and the suicide-risk questions last.
BATTERY_PAGE_ORDER = [
    "who-5", "scared-c", "psc-17-y", "ces-dc", "phq-2", "phq-9", "phq-a", "gad-2", "gad-7", "k6", "asq",
]  # fmt: skip


def battery_districts(user: User) -> list[Node]:
    """The districts whose default battery (and licences) the user looks after: a district administrator's or
    officer's own district."""
    return [
        p.node for p in posts_of(user) if p.role in DEFAULT_BATTERY_ROLES and p.node.kind == NodeKind.DISTRICT
    ]


def suicide_risk_instruments() -> set[str]:
    """Instruments with suicide-risk items: those whose definition has critical rules (ASQ, PHQ-9, PHQ-A)."""
    from screening.instruments import catalogue

    return {i.id for i in catalogue() if i.critical}


def district_default_battery(district: Node | None) -> dict[int, list[str]]:
    """Grade → instrument ids in answering order: the district's own default, else the platform's."""
    if district is not None:
        battery = DistrictBattery.objects.filter(district=district).first()
        if battery is not None:
            out: dict[int, list[str]] = {}
            for e in battery.entries.all():
                out.setdefault(e.grade, []).append(e.instrument_id)
            return out
    return {g: list(ids) for g, ids in PLATFORM_BATTERY.items()}


def grade_bands(per_grade: dict[int, list[str]], lo: int, hi: int) -> list[tuple[int, int, list[str]]]:
    """Consecutive grades with the same instruments as one band: {4: [a], 5: [a, b], 6: [a, b]} → [(4, 4, [a]),
    (5, 6, [a, b])]. Grades without instruments form no band."""
    bands: list[tuple[int, int, list[str]]] = []
    for g in range(lo, hi + 1):
        ids = per_grade.get(g, [])
        if not ids:
            continue
        if bands and bands[-1][1] == g - 1 and bands[-1][2] == ids:
            bands[-1] = (bands[-1][0], g, ids)
        else:
            bands.append((g, g, list(ids)))
    return bands


def suicide_risk_gaps(per_grade: dict[int, list[str]], grades: range = range(4, 13)) -> list[int]:
    """Grades whose students are all 10 or older (the ASQ's validated age) but whose battery has no suicide-risk
    items. A warning, not a block: the district decides (issue 15)."""
    risky = suicide_risk_instruments()
    return [
        g
        for g in grades
        if g >= ALL_TEN_OR_OLDER_FROM_GRADE and per_grade.get(g) and not risky & set(per_grade[g])
    ]


def licensed_catalogue() -> list:
    """The latest definition of every instrument that needs a licence ("confirm" or "licensed")."""
    from screening.instruments import catalogue

    latest = {i.id: i for i in catalogue()}  # ordered by version: the last one wins
    return [i for i in latest.values() if i.licence != "free"]


def licences_needed(district: Node) -> list[str]:
    """Licensed instruments the district has not recorded a licence for (the home card's count)."""

    held = set(InstrumentLicence.objects.filter(district=district).values_list("instrument_id", flat=True))
    return [i.id for i in licensed_catalogue() if i.id not in held]


def licence_page(user: User, district: Node) -> dict:
    """The licence page: every licensed instrument with whether the district holds it, whether its default
    battery uses it, and — for an officer who may not record one — who can."""
    from org.models import Post

    held = {
        lic.instrument_id: lic
        for lic in InstrumentLicence.objects.filter(district=district).select_related("recorded_by")
    }

    in_default = {i for ids in district_default_battery(district).values() for i in ids}
    rows = [
        {
            "id": i.id,
            "title": text(i.title),
            "kind": i.licence,
            "held": held.get(i.id),
            "in_default": i.id in in_default,
        }
        for i in licensed_catalogue()
    ]
    may_record = any(p.role == Role.DISTRICT_ADMIN and p.node_id == district.pk for p in posts_of(user))
    admins = (
        []
        if may_record
        else [
            str(p.user)
            for p in Post.objects.active()
            .filter(role=Role.DISTRICT_ADMIN, node=district)
            .select_related("user")
        ]
    )
    return {"district": district, "rows": rows, "may_record": may_record, "admins": admins}


def district_battery_of(district: Node):
    """The district's own default battery (None: the platform's default applies), with who set it."""

    return DistrictBattery.objects.filter(district=district).select_related("updated_by").first()
