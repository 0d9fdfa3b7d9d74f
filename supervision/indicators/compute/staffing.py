"""Staffing indicators (R1.1, R1.2, R1.4): psychological teachers per school and campus, district 教研员."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Q

from org.models import Enrollment, EnrollmentStatus, Node, NodeKind, Post, Role
from supervision.indicators.catalogue import Cell
from supervision.indicators.compute import districts, ids_filter, schools
from supervision.indicators.models import Period

LARGE_SCHOOL = 500  # R1.2: schools with 500+ students add psychological teachers


def _in_force(period: Period) -> Q:
    """Posts held at some time during the period."""
    return Q(valid_from__lte=period.ends_on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=period.starts_on))


def full_time_psych_teacher(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R1.1: 1/1 for a school with at least one full-time psychological teacher post (at the school or one of
    its campuses) in force during the period, 0/1 otherwise."""
    covered = set(
        Post.objects.filter(_in_force(period), role=Role.PSYCH_TEACHER, full_time=True)
        .filter(**ids_filter("node__school_id", node_ids))
        .values_list("node__school_id", flat=True)
    )
    return {pk: (int(pk in covered), 1) for pk in schools(node_ids, period).values_list("pk", flat=True)}


def _campus_coverage(period: Period, node_ids: Iterable[int] | None) -> dict[int, dict[int, bool]]:
    """school → campus → has a psychological teacher. A post held at the school itself covers the campus of a
    single-campus school; in a school with several campuses each campus needs its own (R1.2)."""
    campuses: dict[int, dict[int, bool]] = defaultdict(dict)
    for campus_id, school_id in (
        Node.objects.filter(kind=NodeKind.CAMPUS, **ids_filter("school_id", node_ids))
        .open_on(period.starts_on)  # a campus closed before the period needs no teacher (issue 18)
        .values_list("pk", "school_id")
    ):
        campuses[school_id][campus_id] = False
    posts = Post.objects.filter(_in_force(period), role=Role.PSYCH_TEACHER).filter(
        **ids_filter("node__school_id", node_ids)
    )
    for node_id, kind, school_id in posts.values_list("node_id", "node__kind", "node__school_id"):
        if kind == NodeKind.CAMPUS:
            if node_id in campuses[school_id]:  # a post left at a closed campus covers nothing
                campuses[school_id][node_id] = True
        elif len(campuses[school_id]) == 1:
            campuses[school_id][next(iter(campuses[school_id]))] = True
    return campuses


def campus_psych_teacher(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R1.2: campuses with at least one psychological teacher, over campuses."""
    cov = _campus_coverage(period, node_ids)
    return {
        pk: (sum(cov[pk].values()), len(cov[pk]))
        for pk in schools(node_ids, period).values_list("pk", flat=True)
    }


def campuses_without_psych_teacher(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R1.2: the school's campuses and whether each has a psychological teacher."""
    cov = _campus_coverage(period, [school.pk])[school.pk]
    names = dict(Node.objects.filter(pk__in=cov).values_list("pk", "name"))
    return [
        {"campus": names[pk], "covered": ok} for pk, ok in sorted(cov.items(), key=lambda kv: names[kv[0]])
    ]


def _large_group_or_multi_site(period: Period, node_ids: Iterable[int] | None) -> set[int]:
    """R1.2: the schools that must add psychological teachers — 500+ students enrolled (active enrollments of
    the period's school year), run in an education group (the school hangs under a 集团 node) or on several
    sites (``is_multi_site``). Two queries."""
    out = set(
        schools(node_ids, period)
        .filter(Q(is_multi_site=True) | Q(parent__kind=NodeKind.GROUP))
        .values_list("pk", flat=True)
    )
    out.update(
        Enrollment.objects.filter(
            status=EnrollmentStatus.ACTIVE,
            school_year_id=period.school_year_id,
            **ids_filter("school_id", node_ids),
        )
        .values("school_id")
        .annotate(n=Count("student_id"))
        .filter(n__gte=LARGE_SCHOOL)
        .values_list("school_id", flat=True)
    )
    return out


def large_school_psych_teachers(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R1.2 (b): among large (500+ students), group-run and multi-site schools, those with more than one
    psychological teacher (full- or part-time, distinct people, posted at the school or any of its campuses,
    in force during the period). Other schools are not counted (0/0). Three queries."""
    wanted = _large_group_or_multi_site(period, node_ids)
    teachers = dict(
        Post.objects.filter(_in_force(period), role=Role.PSYCH_TEACHER, node__school_id__in=wanted)
        .values("node__school_id")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("node__school_id", "n")
    )
    return {pk: (int(teachers.get(pk, 0) > 1), 1) for pk in wanted}


def large_schools_details(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R1.2 (b): why the school must add teachers, and its psychological teachers by
    campus (counts, no names)."""
    wanted = school.pk in _large_group_or_multi_site(period, [school.pk])
    rows = (
        Post.objects.filter(_in_force(period), role=Role.PSYCH_TEACHER, node__school_id=school.pk)
        .values("node__name", "node__kind")
        .annotate(n=Count("user_id", distinct=True))
        .order_by("node__path")
    )
    return [{"place": r["node__name"], "psych_teachers": r["n"], "must_add": wanted} for r in rows] or [
        {"place": school.name, "psych_teachers": 0, "must_add": wanted}
    ]


def district_full_time_researcher(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R1.4 (level district): 1/1 for a district with at least one full-time psychological research officer
    (教研员: a ``district_officer`` post held full-time at the district) in force during the period, else 0/1."""
    staffed = set(
        Post.objects.filter(
            _in_force(period), role=Role.DISTRICT_OFFICER, full_time=True, node__kind=NodeKind.DISTRICT
        )
        .filter(**ids_filter("node_id", node_ids))
        .values_list("node_id", flat=True)
    )
    return {pk: (int(pk in staffed), 1) for pk in districts(node_ids).values_list("pk", flat=True)}


def _post_schools(post: Post) -> list[int]:
    """A post changes its school's staffing figures, or (a district post) its district's."""
    if post.node.school_id:
        return [post.node.school_id]
    return [post.node_id] if post.node.kind == NodeKind.DISTRICT else []


WATCHES = {
    "org.Post": _post_schools,
    "org.Node": lambda node: [node.school_id] if node.school_id else [],
    "org.Enrollment": lambda e: [e.school_id],  # R1.2: the 500-student threshold
}
