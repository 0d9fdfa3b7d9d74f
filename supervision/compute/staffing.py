"""Staffing indicators (R1.1, R1.2, R1.4): psychological teachers per school and campus, district 教研员."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from org.models import Node, NodeKind, Post, Role
from supervision.catalogue import Cell
from supervision.compute import ids_filter, schools
from supervision.models import Period


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
    return {pk: (int(pk in covered), 1) for pk in schools(node_ids).values_list("pk", flat=True)}


def _campus_coverage(period: Period, node_ids: Iterable[int] | None) -> dict[int, dict[int, bool]]:
    """school → campus → has a psychological teacher. A post held at the school itself covers the campus of a
    single-campus school; in a school with several campuses each campus needs its own (R1.2)."""
    campuses: dict[int, dict[int, bool]] = defaultdict(dict)
    for campus_id, school_id in Node.objects.filter(
        kind=NodeKind.CAMPUS, **ids_filter("school_id", node_ids)
    ).values_list("pk", "school_id"):
        campuses[school_id][campus_id] = False
    posts = Post.objects.filter(_in_force(period), role=Role.PSYCH_TEACHER).filter(
        **ids_filter("node__school_id", node_ids)
    )
    for node_id, kind, school_id in posts.values_list("node_id", "node__kind", "node__school_id"):
        if kind == NodeKind.CAMPUS:
            campuses[school_id][node_id] = True
        elif len(campuses[school_id]) == 1:
            campuses[school_id][next(iter(campuses[school_id]))] = True
    return campuses


def campus_psych_teacher(period: Period, node_ids: Iterable[int] | None) -> dict[int, Cell]:
    """R1.2: campuses with at least one psychological teacher, over campuses."""
    cov = _campus_coverage(period, node_ids)
    return {
        pk: (sum(cov[pk].values()), len(cov[pk])) for pk in schools(node_ids).values_list("pk", flat=True)
    }


def campuses_without_psych_teacher(school: Node, period: Period) -> list[dict]:
    """Drill-down rows for R1.2: the school's campuses and whether each has a psychological teacher."""
    cov = _campus_coverage(period, [school.pk])[school.pk]
    names = dict(Node.objects.filter(pk__in=cov).values_list("pk", "name"))
    return [
        {"campus": names[pk], "covered": ok} for pk, ok in sorted(cov.items(), key=lambda kv: names[kv[0]])
    ]


def _post_schools(post: Post) -> list[int]:
    return [post.node.school_id] if post.node.school_id else []


WATCHES = {"org.Post": _post_schools, "org.Node": lambda node: [node.school_id] if node.school_id else []}
