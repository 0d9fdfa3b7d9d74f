"""Reads for the roster import pages: the nodes a user may import into and their own jobs."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from access.policy import action_nodes
from org.models import ImportJob, Node, NodeKind, User


def import_nodes(user: User) -> QuerySet[Node]:
    """Where ``user`` may import rosters: the nodes of their roster.import posts (a superuser: the roots)."""
    if user.is_superuser:
        return Node.objects.filter(parent__isnull=True)
    return Node.objects.filter(pk__in=[n.pk for n in action_nodes(user, "roster.import")])


def recent_jobs(user: User) -> QuerySet[ImportJob]:
    """The user's import jobs, newest first (the page shows the first of them and offers the rest)."""
    return ImportJob.objects.filter(created_by=user).select_related("node").order_by("-created_at")


def get_job_or_404(user: User, pk: int) -> ImportJob:
    """A user sees their own import jobs only; anyone else's is 404 (no leak that it exists)."""
    job = ImportJob.objects.filter(pk=pk, created_by=user).select_related("node").first()
    if job is None:
        raise Http404
    return job


def school_codes(user: User) -> list[dict]:
    """The schools (with their campuses) a user may import for, and the codes a roster file gives for them
    (学校代码 / 学校标识码, 校区): shown on the import page (issue 18 build 5). No person's data."""
    roots = list(import_nodes(user))
    if not roots:
        return []
    within = Q()
    for node in roots:
        within |= Q(path__startswith=node.path)
    schools = list(  # open schools only: a closed one (撤销, xinyu.web.orgadmin) takes no new rows
        Node.objects.schools()
        .filter(within, closed_on__isnull=True)
        .order_by("path")
        .values("id", "name", "code")
    )
    campuses: dict[int, list[dict]] = {}
    for c in (
        Node.objects.filter(
            kind=NodeKind.CAMPUS, parent_id__in=[s["id"] for s in schools], closed_on__isnull=True
        )
        .order_by("path")
        .values("parent_id", "name", "code")
    ):
        campuses.setdefault(c["parent_id"], []).append(c)
    return [s | {"campuses": campuses.get(s["id"], [])} for s in schools]
