"""Reads of the student file (一人一档, R5.2; issue 4 item 1): who may open it and at what tier, and the page's content
gathered from the timeline providers (``care.file.timeline``).

Who sees what (docs/care.md, "The student file"):
- T3 — the psychological teacher of the student's current school (or campus) and the district counselor of an
  escalated student: every entry the providers give (scores, cases, plans, referrals …).
- T2 — the class teacher of the student's class and the school leader: the level colour only.
- After a transfer (转学) — the old school's psychological teacher: only the entries whose school is hers
  (``access.policy.former_school_ids``); the receiving school's psychological teacher sees everything, because
  the active enrollment is at her school.
- Export or print for an authorised transfer — the psychological teacher of the CURRENT school only.
Every other role never has the file (403); a student outside the viewer's scope is 404.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from access.policy import CLINICAL_ROLES, former_school_ids, role_student_q, roles_of, student_q
from access.tiers import Tier
from care.file.timeline import Entry, Filters, gather, kinds, school_year_of
from care.models import LevelRecord
from org.models import Enrollment, Node, Role, Student, User

# The roles that ever open a student's file; the others get 403 before any lookup.
FILE_ROLES = frozenset({Role.PSYCH_TEACHER, Role.DISTRICT_COUNSELOR, Role.CLASS_TEACHER, Role.SCHOOL_LEADER})
# The roles whose T3 grant opens the file's clinical view (a leader's T3 on red/orange students is "name, level,
# status" only — DESIGN.md — so a leader reads the file at T2).
FILE_T3_ROLES = CLINICAL_ROLES  # access.policy: the one list of who reads clinical text
# Export for a transfer: the current school's psychological teacher.
EXPORT_ROLES = frozenset({Role.PSYCH_TEACHER})


@dataclass(frozen=True)
class FileAccess:
    student: Student
    tier: Tier  # T3 clinical or T2 level colour
    schools: frozenset[int] | None  # None: the whole file; else only these schools' own records (old school)
    may_export: bool

    @property
    def own_records_only(self) -> bool:
        return self.schools is not None


def may_open_files(user: User) -> bool:
    return bool(roles_of(user) & FILE_ROLES)


def _in(user: User, tier: Tier, student_pk: int, roles: frozenset[str] | None = None) -> bool:
    q = student_q(user, tier) if roles is None else role_student_q(user, tier, roles)
    return Student.objects.filter(q, pk=student_pk).exists()


def file_access(user: User, pk: int) -> FileAccess:
    """What ``user`` may see of student ``pk``'s file. 403 for a role that never has files; 404 for a student
    outside the viewer's scope (no leak of whether the student exists)."""
    if not may_open_files(user):
        raise PermissionDenied
    student = Student.objects.filter(pk=pk).first()
    if student is None:
        raise Http404
    if _in(user, Tier.T3, pk, FILE_T3_ROLES):
        return FileAccess(student, Tier.T3, None, may_export=_in(user, Tier.T3, pk, EXPORT_ROLES))
    if _in(user, Tier.T2, pk):
        return FileAccess(student, Tier.T2, None, may_export=False)
    own = former_school_ids(user, student, Tier.T3, FILE_T3_ROLES)
    if own:
        return FileAccess(student, Tier.T3, own, may_export=False)
    raise Http404


@dataclass
class FilePage:
    access: FileAccess
    entries: list[Entry]
    filters: Filters
    current_level: LevelRecord | None
    enrollments: list[Enrollment]
    kinds: dict[str, str]
    years: list[int]
    school_names: dict[int, str]
    charts: list[dict] = field(default_factory=list)
    # Newest year first (issue 4, < 150 ms p95): the school year shown, and the older years loaded on demand.
    newest_year: int | None = None
    older_years: list[int] = field(default_factory=list)


def _charts(entries: list[Entry]) -> list[dict]:
    """Year-over-year score charts: one per instrument, one line per score, points oldest first."""
    by_chart: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for e in sorted(entries, key=lambda e: e.at):
        for m in e.measures:
            by_chart[m.chart][m.series].append([timezone.localtime(e.at).date().isoformat(), m.value])
    return [
        {"title": chart, "series": [{"name": name, "data": points} for name, points in series.items()]}
        for chart, series in sorted(by_chart.items())
    ]


def file_page(
    user: User,
    access: FileAccess,
    *,
    kinds_wanted: list[str] | None = None,
    year: int | None = None,
    newest_first: bool = False,
) -> FilePage:
    """The file's content for ``access``: a bounded number of queries whatever the length of the history.

    ``newest_first`` (the clinical page without a year asked for): the timeline holds the newest school year of
    the student's enrollments only, and ``older_years`` lists the earlier years the page loads on demand; the
    year-over-year charts still get every year's scores (one query either way). A file of ten years then
    builds and renders a tenth of its entries (issue 4: < 150 ms p95)."""
    student = access.student
    known = kinds()
    wanted = frozenset(k for k in (kinds_wanted or []) if k in known) or None
    enrollments = list(
        Enrollment.objects.filter(student=student).select_related("school", "school_class", "school_year")
    )
    if access.schools is not None:  # the old school sees its own part of the student's history only
        enrollments = [e for e in enrollments if e.school_id in access.schools]
    newest = None
    if newest_first and year is None:
        this_year = school_year_of(timezone.now())  # an enrollment already made for next year waits for it
        newest = min(max((e.school_year.start_year for e in enrollments), default=this_year), this_year)
    filters = Filters(kinds=wanted, year=year, schools=access.schools, since=newest)
    history: list[Entry] = []
    entries = gather(user, student, access.tier, filters, history=history)
    current = (
        None
        if access.own_records_only
        else LevelRecord.objects.filter(student=student, is_current=True).first()
    )
    school_ids = {e.school_id for e in entries if e.school_id} - {e.school_id for e in enrollments}
    names = {e.school_id: e.school.name for e in enrollments}
    if school_ids:
        names.update(Node.objects.filter(pk__in=school_ids).values_list("pk", "name"))
    years = {e.school_year.start_year for e in enrollments} | {school_year_of(e.at) for e in history}
    if year is not None:
        years.add(year)
    if newest is not None:
        years.add(newest)
    return FilePage(
        access=access,
        entries=entries,
        filters=filters,
        current_level=current,
        enrollments=enrollments,
        kinds={k: str(v) for k, v in known.items()},
        years=sorted(years, reverse=True),
        school_names=names,
        charts=_charts(history) if access.tier >= Tier.T3 else [],
        newest_year=newest,
        older_years=sorted((y for y in years if newest is not None and y < newest), reverse=True),
    )


def audit_detail(page: FilePage, *, export: str = "") -> dict:
    """The detail of the ``care.file.view`` / ``care.file.export`` audit events — stable: the guardians' page
    ("who opened my child's file") reads it. No clinical text: the tier, whether only one school's own
    records were shown, the filters, and how many entries."""
    f = page.filters
    detail = {
        "tier": int(page.access.tier),
        "own_records": sorted(page.access.schools) if page.access.schools is not None else None,
        "kinds": sorted(f.kinds) if f.kinds else [],
        "year": f.year,
        "entries": len(page.entries),
    }
    if export:
        detail["format"] = export
    return detail
