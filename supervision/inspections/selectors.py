"""Inspections (督导检查, R18): reads for the pages — lists with their open and overdue task counts, one
inspection with its checklist, tasks, notes and evidence, the school's task list. A fixed number of queries per
page (tested), whatever the number of inspections or tasks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from org.models import Node, User
from schoolwork.home.attachments import attachments_by_owner
from supervision.approval import rules as approval
from supervision.approval.rules import VIEW_ROLES
from supervision.inspections.services import INSPECT_ROLES, visible_q
from supervision.models import Finding, Inspection, InspectionItem, RectificationTask, TaskNote, TaskStatus


def inspections_for(
    user: User, school_id: int | None = None, mine: bool = False, supervisor_id: int | None = None
) -> QuerySet[Inspection]:
    today = timezone.localdate()
    qs = Inspection.objects.filter(visible_q(user)).select_related("school", "period", "supervisor")
    if school_id:
        qs = qs.filter(school_id=school_id)
    if mine:
        qs = qs.filter(supervisor=user)
    if supervisor_id:
        qs = qs.filter(supervisor_id=supervisor_id)
    return qs.annotate(
        not_met=Count("items", filter=Q(items__finding=Finding.NOT_MET), distinct=True),
        open_tasks=Count("tasks", filter=~Q(tasks__status=TaskStatus.VERIFIED), distinct=True),
        overdue=Count(
            "tasks", filter=Q(tasks__status=TaskStatus.OPEN, tasks__deadline__lt=today), distinct=True
        ),
    )


def supervisors_seen(user: User) -> list[User]:
    """The supervisors of the inspections the user sees, for the list's filter (one query)."""
    ids = Inspection.objects.filter(visible_q(user)).values("supervisor_id")
    return list(User.objects.filter(pk__in=ids).order_by("display_name", "pk"))


def schools_to_inspect(user: User) -> QuerySet[Node]:
    return Node.objects.schools().filter(approval.nodes_q(user, INSPECT_ROLES)).order_by("path")


def schools_seen(user: User) -> QuerySet[Node]:
    return Node.objects.schools().filter(approval.nodes_q(user, VIEW_ROLES)).order_by("path")


def detail(inspection: Inspection) -> dict:
    """The checklist with each item's tasks and evidence, and every task with its notes (five queries)."""
    today = timezone.localdate()
    tasks = list(
        inspection.tasks.select_related("owner", "item", "verified_by").prefetch_related(
            Prefetch("notes", queryset=TaskNote.objects.select_related("author"))
        )
    )
    items = list(inspection.items.all())
    item_files = attachments_by_owner("inspection_item", [i.pk for i in items])
    task_files = attachments_by_owner("rectification", [t.pk for t in tasks])
    by_item: dict[int, list[RectificationTask]] = {}
    for t in tasks:
        t.overdue = t.is_overdue(today)
        t.files = task_files.get(t.pk, [])
        if t.item_id:
            by_item.setdefault(t.item_id, []).append(t)
    for i in items:
        i.files = item_files.get(i.pk, [])
        i.item_tasks = by_item.get(i.pk, [])
    return {"items": items, "tasks": tasks, "today": today}


def tasks_for(user: User, school_id: int | None = None) -> list[RectificationTask]:
    """整改任务 — the tasks of the schools the user sees (their own first), the overdue flagged."""
    today = timezone.localdate()
    qs = RectificationTask.objects.filter(
        Q(owner=user) | Q(inspection__in=Inspection.objects.filter(visible_q(user)))
    ).select_related("inspection__school", "owner", "item")
    if school_id:
        qs = qs.filter(inspection__school_id=school_id)
    tasks = sorted(
        qs, key=lambda t: (t.owner_id != user.pk, t.status == TaskStatus.VERIFIED, t.deadline, t.pk)
    )
    for t in tasks:
        t.overdue = t.is_overdue(today)
    return tasks


def get_item_or_404(user: User, pk: int) -> InspectionItem:
    item = (
        InspectionItem.objects.filter(pk=pk, inspection__in=Inspection.objects.filter(visible_q(user)))
        .select_related("inspection__school", "inspection__period")
        .first()
    )
    if item is None:
        raise Http404
    return item


def get_task_or_404(user: User, pk: int) -> RectificationTask:
    task = (
        RectificationTask.objects.filter(
            Q(owner=user) | Q(inspection__in=Inspection.objects.filter(visible_q(user))), pk=pk
        )
        .select_related("inspection__school", "inspection__supervisor", "owner")
        .first()
    )
    if task is None:
        raise Http404
    return task


def overdue_count(user: User, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    return RectificationTask.objects.filter(owner=user, status=TaskStatus.OPEN, deadline__lt=today).count()
