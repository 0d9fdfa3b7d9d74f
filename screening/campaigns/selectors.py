"""Reads of the screening flow, every one started from ``access.policy`` (DESIGN.md, Access)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.http import Http404

from access.disclosure import WITHHELD, Table, one_category_holds_all, primary_mark, protect, row_with_total
from access.policy import node_roots, posts_of, visible_students
from access.policy import roles_of as roles_of_user
from access.tiers import Tier
from org.models import Node, NodeKind, Role, SchoolClass, User
from screening.campaigns.models import (
    Assignment,
    BatteryEntry,
    Campaign,
    CampaignStatus,
    Consent,
    ConsentDecision,
    Level,
    Response,
    ResponseStatus,
    Result,
    Review,
)

CAMPAIGN_ROLES = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.SCHOOL_LEADER}


def campaign_nodes(user: User) -> list[Node]:
    """Where the user may organise campaigns: district officers/admins their district, a leader their school."""
    return [p.node for p in posts_of(user) if p.role in CAMPAIGN_ROLES]


def _within_any(nodes: list[Node], field_name: str = "organiser__path") -> Q:
    q = Q(pk__in=[])
    for n in nodes:
        q |= Q(**{f"{field_name}__startswith": n.path})
    return q


def managed_campaigns(user: User) -> QuerySet[Campaign]:
    nodes = campaign_nodes(user)
    if not nodes:
        return Campaign.objects.none()
    return Campaign.objects.filter(_within_any(nodes)).select_related("organiser", "school_year")


def managed_campaign_or_404(user: User, pk: int) -> Campaign:
    c = managed_campaigns(user).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


def coverage_campaigns(user: User) -> QuerySet[Campaign]:
    """Campaigns touching the user's T0 subtrees (a district campaign is seen by its schools' leaders)."""
    roots = [n.parent if n.kind == NodeKind.CAMPUS else n for n in node_roots(user, Tier.T0)]
    if not roots:
        return Campaign.objects.none()
    q = Q(pk__in=[])
    for r in roots:
        q |= Q(organiser__path__startswith=r.path)
        ancestors = [r.path[: i + 6] for i in range(0, len(r.path), 6)]
        q |= Q(organiser__path__in=ancestors)
    return Campaign.objects.filter(q).exclude(status=CampaignStatus.DRAFT).select_related("organiser")


def coverage_campaign_or_404(user: User, pk: int) -> Campaign:
    c = coverage_campaigns(user).filter(pk=pk).first()
    if c is None:
        raise Http404
    return c


# --- students and guardians -----------------------------------------------------------------------------------


def student_assignments(user: User) -> QuerySet[Assignment]:
    """The signed-in student's assignments in launched campaigns."""
    return Assignment.objects.filter(
        student__user=user, campaign__status=CampaignStatus.LAUNCHED
    ).select_related("campaign", "school")


def open_student_assignments(user: User) -> list[Assignment]:
    """Assignments the student still has to do (window open, something unsubmitted or not started)."""
    from django.utils import timezone

    now = timezone.now()
    out = []
    for a in student_assignments(user).filter(campaign__starts_at__lte=now, campaign__ends_at__gt=now):
        states = list(a.responses.values_list("status", flat=True))
        unfinished = not states or any(s == ResponseStatus.OPEN for s in states)
        if unfinished and (not hasattr(a, "assent") or a.assent.agreed):
            out.append(a)
    return out


def guardian_consent_items(user: User) -> list[tuple[Assignment, str]]:
    """(assignment, state) for the guardian's children in launched campaigns."""
    from screening.campaigns.services import consent_state

    children = visible_students(user, Tier.T1).filter(guardian_links__guardian__user=user)
    rows = (
        Assignment.objects.filter(student__in=children, campaign__status=CampaignStatus.LAUNCHED)
        .select_related("campaign", "student")
        .order_by("-campaign__starts_at")
    )
    return [(a, consent_state(a)) for a in rows]


# --- second-stage queue ---------------------------------------------------------------------------------------

LEVEL_ORDER = Case(
    When(level=Level.RED, then=Value(0)),
    When(level=Level.ORANGE, then=Value(1)),
    When(level=Level.YELLOW, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@dataclass
class QueueRow:
    assignment: Assignment
    level: str
    submitted_at: object
    acute: bool
    instruments: list[str] = field(default_factory=list)


def review_queue(user: User) -> list[QueueRow]:
    """R5.3 second stage: students of the user's T3 scope with a red/orange/yellow suggestion and no review yet,
    most urgent first (red, orange, yellow; within a level the oldest submit — the nearest deadline — first)."""
    students = visible_students(user, Tier.T3)
    results = (
        Result.objects.filter(
            response__assignment__student__in=students,
            level__in=[Level.RED, Level.ORANGE, Level.YELLOW],
        )
        .exclude(response__assignment__reviews__isnull=False)
        .annotate(rank=LEVEL_ORDER)
        .select_related(
            "response__assignment__student",
            "response__assignment__school_class",
            "response__assignment__campaign",
        )
        .order_by("rank", "response__submitted_at", "pk")
    )
    rows: dict[int, QueueRow] = {}
    for r in results:
        a = r.response.assignment
        row = rows.get(a.pk)
        if row is None:
            rows[a.pk] = QueueRow(a, r.level, r.response.submitted_at, r.acute, [r.instrument_id])
        else:
            row.acute = row.acute or r.acute
            if r.instrument_id not in row.instruments:
                row.instruments.append(r.instrument_id)
    rank = {Level.RED: 0, Level.ORANGE: 1, Level.YELLOW: 2}
    return sorted(rows.values(), key=lambda x: (rank[x.level], x.submitted_at))


def reviewable_assignment_or_404(user: User, pk: int) -> Assignment:
    a = (
        Assignment.objects.filter(pk=pk, student__in=visible_students(user, Tier.T3))
        .select_related("student", "campaign", "school_class")
        .first()
    )
    if a is None:
        raise Http404
    return a


def results_of(assignment: Assignment) -> list[Result]:
    latest = (
        Result.objects.filter(response=OuterRef("response")).order_by("-computed_at", "-pk").values("pk")[:1]
    )
    return list(
        Result.objects.filter(response__assignment=assignment, pk=Subquery(latest))
        .select_related("response")  # the campaign's threshold variant names the thresholds crossed
        .order_by("response__order")
    )


def reviews_of(assignment: Assignment) -> QuerySet[Review]:
    return assignment.reviews.select_related("reviewer")


# --- coverage -------------------------------------------------------------------------------------------------

COVERAGE_COLUMNS = ["assigned", "consented", "refused", "started", "submitted", "absent"]


@dataclass
class CoverageRow:
    school: str
    grade: int | None
    school_class: str
    counts: dict[str, int | None]
    class_id: int | None = None  # only at school level: the class roll links from it
    marks: dict[str, str] = field(default_factory=dict)  # how a hidden count is written ("<5", "×")

    @property
    def cells(self) -> list[int | None]:
        return [self.counts[c] for c in COVERAGE_COLUMNS]

    @property
    def texts(self) -> list[int | str]:
        """The counts as printed: a hidden one as its mark (access.disclosure)."""
        return [self.marks.get(c) or primary_mark() if self.counts[c] is None else self.counts[c]
                for c in COVERAGE_COLUMNS]  # fmt: skip


def _school_level_ids(user: User) -> set[int]:
    """Schools the user sees at school level (a post at the school or one of its campuses)."""
    out = set()
    for n in node_roots(user, Tier.T0):
        if n.kind == NodeKind.SCHOOL:
            out.add(n.pk)
        elif n.kind == NodeKind.CAMPUS:
            out.add(n.parent_id)
    return out


def coverage(user: User, campaign: Campaign, by_class: bool = True) -> tuple[list[CoverageRow], bool]:
    """Live counts per school / grade / class within the user's T0 scope. Above school level counts only, per
    school and grade, with cells under XINYU_MIN_CELL suppressed (None). Returns (rows, suppressed_any)."""
    roots = [n.parent if n.kind == NodeKind.CAMPUS else n for n in node_roots(user, Tier.T0)]
    if not roots:
        return [], False
    school_level = _school_level_ids(user)
    scope = _within_any(roots, "school__path")
    qs = Assignment.objects.filter(scope, campaign=campaign)
    latest_consent = (
        Consent.objects.filter(campaign=campaign, student=OuterRef("student"))
        .order_by("-at", "-pk")
        .values("decision")[:1]
    )
    qs = qs.annotate(
        consent=Subquery(latest_consent),
        n_resp=Count("responses", distinct=True),
        n_open=Count("responses", filter=Q(responses__status=ResponseStatus.OPEN), distinct=True),
        last_submit=Max("responses__submitted_at"),
    ).values(
        "school_id",
        "school__name",
        "grade",
        "school_class_id",
        "school_class__name",
        "consent",
        "n_resp",
        "n_open",
        "absent",
    )
    groups: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COVERAGE_COLUMNS, 0))
    names: dict[tuple, tuple[str, str]] = {}
    for a in qs:
        detailed = by_class and a["school_id"] in school_level
        key = (a["school__name"], a["school_id"], a["grade"], a["school_class_id"] if detailed else None)
        names[key] = (a["school__name"], (a["school_class__name"] or "") if detailed else "")
        g = groups[key]
        g["assigned"] += 1
        g["consented"] += a["consent"] == ConsentDecision.CONSENT
        g["refused"] += a["consent"] in {ConsentDecision.REFUSE, ConsentDecision.WITHDRAW}
        g["started"] += a["n_resp"] > 0
        g["submitted"] += a["n_resp"] > 0 and a["n_open"] == 0
        g["absent"] += bool(a["absent"])
    rows, suppressed = [], False
    for key in sorted(groups, key=lambda k: (k[0], k[2], names[k][1])):
        counts: dict[str, int | None] = dict(groups[key])
        marks: dict[str, str] = {}
        if key[1] not in school_level:  # above the school: audited (access.disclosure, issue 19)
            p = protect(_coverage_table([groups[key][c] for c in COVERAGE_COLUMNS]))
            counts = {c: p.shown(i) for i, c in enumerate(COVERAGE_COLUMNS)}
            marks = {c: p.mark(i) for i, c in enumerate(COVERAGE_COLUMNS)}
            suppressed |= bool(p.hidden)
        rows.append(CoverageRow(names[key][0], key[2], names[key][1], counts, key[3], marks))
    return rows, suppressed


def _coverage_table(values: list[int]) -> Table:
    """One coverage row as the audit sees it: no totals are published beside it. (What everyone knows — each
    count at most assigned — cannot narrow a "<5": a shown bound is at least 5, a hidden one may be 4. The sum
    consented + refused ≤ assigned is not modelled: docs/security.md.)"""
    return Table(values, (), (), sensitive=True)


def responses_of(assignment: Assignment) -> QuerySet[Response]:
    return assignment.responses.all()


# --- result distributions (deliverable 9: 结果分布) -------------------------------------------------------------

DIST_LEVELS = [Level.RED, Level.ORANGE, Level.YELLOW, Level.NONE]
INVALID = "invalid"


@dataclass
class DistRow:
    """One school / grade / gender group of a distribution; a suppressed figure is None."""

    school: str
    grade: int | None
    gender: str
    cells: list[int | None]
    total: int | None
    marks: list[str] = field(default_factory=list)  # per cell, then the total: "<5", "×" or "" (shown)
    withheld: bool = False  # one category holds everyone: the row is not published (attribute disclosure)

    @property
    def texts(self) -> list[int | str]:
        """The cells and the total as printed (a hidden one as its mark)."""
        marks = self.marks or [""] * (len(self.cells) + 1)
        return [
            m or primary_mark() if v is None else v
            for v, m in zip([*self.cells, self.total], marks, strict=True)
        ]


@dataclass
class DistTable:
    """结果分布表 — counts of one measure (an instrument score's bands, its suggested levels, or the confirmed
    levels of the second stage) per school, grade and gender."""

    instrument: str
    measure: str  # a score id, "level" (suggested) or "confirmed"
    columns: list[str]  # band codes or level values, in order
    rows: list[DistRow]


def suppress_row(cells: list[int]) -> DistRow:
    """One distribution row (one school / grade / gender) for a viewer above the school (issue 19): not
    published at all when one category holds everyone (attribute disclosure: it would tell every member's
    level), else audited with its total by ``access.disclosure.protect`` (counts under XINYU_MIN_CELL, zero
    included, as "<5"; more hidden as "×" until none can be narrowed). School, grade and gender are the
    caller's to fill in."""
    n = len(cells)
    if one_category_holds_all(cells):
        return DistRow("", None, "", [None] * n, None, [WITHHELD] * (n + 1), withheld=True)
    p = protect(row_with_total(cells))
    return DistRow(
        "", None, "", [p.shown(i) for i in range(n)], p.shown(n), [p.mark(i) for i in range(n + 1)]
    )


def result_distribution(user: User, campaign: Campaign) -> tuple[list[DistTable], bool]:
    """Distributions of the campaign's latest results per instrument within the user's T0 scope: bands per
    score, suggested levels, and the second stage's confirmed levels, per school, grade and gender. Counts only,
    never a name; above school level every row goes through ``suppress_row`` (audited; a row where one
    category holds everyone is withheld). A fixed
    number of queries whatever the number of schools. Returns (tables, suppressed_any)."""
    from screening.instruments import load

    roots = [n.parent if n.kind == NodeKind.CAMPUS else n for n in node_roots(user, Tier.T0)]
    if not roots:
        return [], False
    school_level = _school_level_ids(user)
    latest = (
        Result.objects.filter(response=OuterRef("response")).order_by("-computed_at", "-pk").values("pk")[:1]
    )
    a = "response__assignment__"
    results = (
        Result.objects.filter(
            _within_any(roots, f"{a}school__path"),
            response__assignment__campaign=campaign,
            response__status=ResponseStatus.SUBMITTED,
            pk=Subquery(latest),
        )
        .order_by()
        .values_list(
            "instrument_id", "instrument_version", "valid", "bands", "level",
            f"{a}school_id", f"{a}school__name", f"{a}grade", f"{a}student__gender",
        )
    )  # fmt: skip
    # (instrument, measure) -> group -> column -> count; group = (school name, school id, grade, gender)
    counts: dict[tuple[str, str], dict[tuple, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    versions: dict[str, str] = {}
    for inst, version, valid, bands, level, school_id, school, grade, gender in results:
        group = (school, school_id, grade, gender)
        versions[inst] = max(versions.get(inst, version), version)
        if valid:
            for score_id, code in (bands or {}).items():
                counts[(inst, score_id)][group][code] += 1
        counts[(inst, "level")][group][level if valid else INVALID] += 1
    reviews = (
        Review.objects.filter(_within_any(roots, "assignment__school__path"), assignment__campaign=campaign)
        .order_by("assignment_id", "-talked_at", "-pk")
        .values_list(
            "assignment_id", "confirmed_level", "assignment__school_id", "assignment__school__name",
            "assignment__grade", "assignment__student__gender",
        )
    )  # fmt: skip
    seen: set[int] = set()
    for assignment_id, level, school_id, school, grade, gender in reviews:
        if assignment_id not in seen:  # the latest review of each assignment only
            seen.add(assignment_id)
            counts[("", "confirmed")][(school, school_id, grade, gender)][level] += 1
    tables, suppressed_any = [], False
    for inst, measure in sorted(counts, key=lambda k: (k[0] == "", k[0], k[1] != "level", k[1])):
        groups = counts[(inst, measure)]
        if measure in {"level", "confirmed"}:
            columns = [str(v) for v in DIST_LEVELS]
            if any(INVALID in g for g in groups.values()):
                columns.append(INVALID)
        else:
            try:
                columns = [b.code for b in load(inst, versions[inst]).score_def(measure).bands]
            except (KeyError, AttributeError, StopIteration):
                columns = []
            columns += sorted({c for g in groups.values() for c in g} - set(columns))
        rows = []
        for group in sorted(groups, key=lambda g: (g[0], g[2] or 0, g[3])):
            cells = [groups[group].get(c, 0) for c in columns]
            if group[1] in school_level:
                row = DistRow(group[0], group[2], group[3], list(cells), sum(cells))
            else:
                row = suppress_row(cells)
                row.school, row.grade, row.gender = group[0], group[2], group[3]
                suppressed_any |= row.total is None or any(v is None for v in row.cells)
            rows.append(row)
        tables.append(DistTable(inst, measure, columns, rows))
    return tables, suppressed_any


# --- A class's roll for one campaign (who has answered; absent) ----------------------------------------------

ROLL_ROLES = frozenset({Role.PSYCH_TEACHER, Role.CLASS_TEACHER})


@dataclass
class RollRow:
    assignment_id: int
    student: str
    needs_consent: bool
    consent: str | None  # the latest decision, or None
    state: str  # "absent" | "submitted" | "started" | "waiting"
    absent: bool


@dataclass
class ClassRoll:
    campaign: Campaign
    class_name: str
    rows: list[RollRow]

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(("waiting", "started", "submitted", "absent"), 0)
        for r in self.rows:
            out[r.state] += 1
        return out


def class_roll(user: User, campaign_id: int, class_id: int) -> ClassRoll:
    """名单 — the students of one class assigned to a campaign, with whether each has answered, and the absent
    mark, for the psychological teacher (school or campus) and the class teacher (own class). Names and progress
    only (T1): no answer, score or level. A class or campaign outside the user's scope is 404."""
    if not roles_of_user(user) & ROLL_ROLES:
        raise Http404
    latest_consent = (
        Consent.objects.filter(campaign_id=campaign_id, student=OuterRef("student"))
        .order_by("-at", "-pk")
        .values("decision")[:1]
    )
    qs = (
        Assignment.objects.filter(
            campaign_id=campaign_id,
            campaign__status__in=[CampaignStatus.LAUNCHED, CampaignStatus.CLOSED],
            school_class_id=class_id,
            student__in=visible_students(user, Tier.T1),
        )
        .select_related("campaign", "school_class", "student")
        .annotate(
            consent=Subquery(latest_consent),
            n_resp=Count("responses", distinct=True),
            n_open=Count("responses", filter=Q(responses__status=ResponseStatus.OPEN), distinct=True),
        )
        .order_by("student__name", "pk")
    )
    assignments = list(qs)
    if not assignments:
        raise Http404
    rows = []
    for a in assignments:
        if a.absent:
            state = "absent"
        elif a.n_resp and not a.n_open:
            state = "submitted"
        elif a.n_resp:
            state = "started"
        else:
            state = "waiting"
        rows.append(RollRow(a.pk, a.student.name, a.needs_consent, a.consent, state, a.absent))
    first = assignments[0]
    return ClassRoll(first.campaign, first.school_class.name, rows)


def roll_classes(user: User) -> list[dict]:
    """For a class teacher's home page: each own class's open campaign, with how many have submitted."""
    if Role.CLASS_TEACHER not in roles_of_user(user):
        return []
    class_ids = [
        p.school_class_id for p in posts_of(user) if p.role == Role.CLASS_TEACHER and p.school_class_id
    ]
    qs = (
        Assignment.objects.filter(school_class_id__in=class_ids, campaign__status=CampaignStatus.LAUNCHED)
        .annotate(
            n_resp=Count("responses", distinct=True),
            n_open=Count("responses", filter=Q(responses__status=ResponseStatus.OPEN), distinct=True),
        )
        .values("campaign_id", "campaign__name", "school_class_id", "school_class__name", "n_resp", "n_open")
    )
    groups: dict[tuple[int, int], dict] = {}
    for a in qs:
        key = (a["campaign_id"], a["school_class_id"])
        g = groups.setdefault(key, {**a, "assigned": 0, "submitted": 0})
        g["assigned"] += 1
        g["submitted"] += bool(a["n_resp"]) and not a["n_open"]
    return sorted(groups.values(), key=lambda g: (g["campaign__name"], g["school_class__name"]))


# --- targeting and preview (issue 20 build 4) -------------------------------------------------------------------


def targeting_choices(campaign: Campaign) -> tuple[list[Node], list[tuple[Node, list[SchoolClass]]]]:
    """What a draft campaign may target: the districts, education groups and schools under its organiser (the
    organiser itself aside), and the classes of its school year there, by school. Two queries."""
    org = campaign.organiser
    units = list(
        Node.objects.filter(
            path__startswith=org.path, kind__in=[NodeKind.DISTRICT, NodeKind.GROUP, NodeKind.SCHOOL]
        )
        .exclude(pk=org.pk)
        .order_by("path")
    )
    classes = (
        SchoolClass.objects.filter(school_year=campaign.school_year, school__path__startswith=org.path)
        .select_related("school")
        .order_by("school__path", "grade", "name")
    )
    by_school: dict[int, tuple[Node, list[SchoolClass]]] = {}
    for c in classes:
        by_school.setdefault(c.school_id, (c.school, []))[1].append(c)
    return units, list(by_school.values())


def battery_by_grade(campaign: Campaign, grades: list[int]) -> dict[int, list[BatteryEntry]]:
    """Each grade's questionnaires in the order a student answers them (one query)."""
    battery = list(campaign.battery.all())
    return {g: [e for e in battery if e.grade_from <= g <= e.grade_to] for g in sorted(set(grades))}
