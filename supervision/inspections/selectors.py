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
    """Schools a supervisor may inspect now: a closed (撤销) school is not offered (issue 18)."""
    return Node.objects.schools().filter(approval.nodes_q(user, INSPECT_ROLES)).open_on().order_by("path")


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


def mask_figures(items: list, school: Node, period, *, above_school: bool) -> None:
    """Set each checklist item's ``num_text``, ``den_text``, ``value_text`` and ``status_shown`` as the viewer may see them
    (issue 19). The checklist keeps a snapshot of the school's figures; its own staff see it raw. Above the
    school (the supervisor, the district) a sensitive count is shown only when the school's dashboard shows the
    same count now (audited by access.disclosure); otherwise "<5" when small, "×" when hidden to protect
    another; the status of a masked figure is not shown (met / not met would narrow it)."""
    from access.disclosure import SECONDARY, min_cell, primary_mark
    from supervision.dashboards.selectors import headlines_above_school
    from supervision.indicators import catalogue

    sensitive = {i.code for i in catalogue.indicators(period.kind) if i.sensitive}
    shown = headlines_above_school(school, period) if above_school and sensitive else {}
    for i in items:
        i.num_text, i.den_text, i.status_shown = str(i.numerator), str(i.denominator), i.status
        i.value_text = f"{i.numerator} / {i.denominator}" if i.denominator else "—"
        if not above_school or i.indicator not in sensitive or i.denominator is None:
            continue
        now = shown.get(i.indicator)
        masked = False
        for attr, value, current in (
            ("num_text", i.numerator, now.numerator if now else None),
            ("den_text", i.denominator, now.denominator if now else None),
        ):
            if value is None or current != value:
                masked = True
                small = value is None or value < min_cell()
                setattr(i, attr, primary_mark() if small else SECONDARY)
        if masked:
            i.status_shown = ""
        i.value_text = f"{i.num_text} / {i.den_text}"  # a zero is "<5" here too, never "—"
