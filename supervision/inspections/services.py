"""Inspections (督导检查, R18): writes. A supervisor (督导, a post at the city or a district) inspects a school for
a period with a checklist generated from the indicators — one item per school-level indicator of the period,
with the school's figure and status from ``RollupValue`` frozen at creation — records a finding per item
(met / partly met / not met, with a note and evidence files), sets rectification tasks (整改) with an owner at
the school (its leader or a psychological teacher) and a deadline; the owner is told, follows up and marks the
task done; the supervisor verifies it (or reopens it) and closes the inspection once every item has a finding
and every task is verified.

Who: supervisors over the school write; the school's leader and psychological teachers, its district's
officers and administrators and the city read (supervision.approval.rules.VIEW_ROLES). Outside one's posts is 404,
a step one's role never takes 403. Every write is audited (``supervision.inspection.*``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care.alerts.services import notify
from org.models import Node, NodeKind, Post, Role, User
from supervision.approval import rules as approval
from supervision.approval.rules import VIEW_ROLES
from supervision.indicators import catalogue
from supervision.indicators.models import Period, RollupValue
from supervision.inspections.models import (
    Finding,
    Inspection,
    InspectionItem,
    RectificationTask,
    TaskNote,
    TaskStatus,
)

INSPECT_ROLES = frozenset({Role.SUPERVISOR})
OWNER_ROLES = frozenset({Role.SCHOOL_LEADER, Role.PSYCH_TEACHER})


class InspectionError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- access -------------------------------------------------------------------------------------------------------


def visible_q(user: User) -> Q:
    """A ``Q`` over inspections whose school lies under one of the user's posts of VIEW_ROLES."""
    return approval.nodes_q(user, VIEW_ROLES, "school__path")


def get_inspection_or_404(user: User, pk: int) -> Inspection:
    found = (
        Inspection.objects.filter(visible_q(user), pk=pk)
        .select_related("school", "period", "supervisor")
        .first()
    )
    if found is None:
        raise Http404
    return found


def may_inspect(user: User, school: Node) -> bool:
    return approval.holds(user, INSPECT_ROLES, school)


def _require_inspector(user: User, inspection: Inspection) -> None:
    if not may_inspect(user, inspection.school):
        raise PermissionDenied


def _require_open(inspection: Inspection) -> None:
    if inspection.is_closed:
        raise InspectionError(_("This inspection is closed."))


def owners_for(school: Node) -> list[User]:
    """Who may own a rectification task: the school's leaders and psychological teachers in post."""
    posts = Post.objects.active().filter(role__in=OWNER_ROLES, node__school=school).select_related("user")
    return sorted({p.user for p in posts}, key=lambda u: (u.display_name, u.pk))


def _task_url(task: RectificationTask) -> str:
    return reverse("supervision:inspection", args=[task.inspection_id]) + f"#task-{task.pk}"


# --- writes -------------------------------------------------------------------------------------------------------


def create_inspection(
    *,
    user: User,
    school: Node,
    period: Period,
    visited_on: dt.date,
    key: str = "",
    now: dt.datetime | None = None,
) -> Inspection:
    """A new inspection with its checklist (R18): one item per school-level indicator of the period's kind, the
    school's figure and status as the rollup has them now, frozen. A repeated form (same ``key``) is one
    inspection."""
    now = now or timezone.now()
    if school.kind != NodeKind.SCHOOL:
        raise Http404
    if not approval.has_role(user, INSPECT_ROLES):
        raise PermissionDenied
    if not may_inspect(user, school):
        raise Http404
    if visited_on > timezone.localdate(now) + dt.timedelta(days=366):
        raise InspectionError(_("Please give a plausible date of the visit."))
    with transaction.atomic():
        if key:
            found = Inspection.objects.filter(supervisor=user, key=key).first()
            if found is not None:
                return found
        inspection = Inspection.objects.create(
            school=school, period=period, supervisor=user, visited_on=visited_on, created_at=now, key=key[:64]
        )
        values = {
            code: (n, d)
            for code, n, d in RollupValue.objects.filter(node=school, period=period).values_list(
                "indicator", "numerator", "denominator"
            )
        }
        items = []
        for pos, ind in enumerate(i for i in catalogue.indicators(period.kind) if i.level == "school"):
            n, d = values.get(ind.code, (None, None))
            items.append(
                InspectionItem(
                    inspection=inspection, position=pos, indicator=ind.code, requirement=ind.requirement,
                    name_zh=ind.name.zh, name_en=ind.name.en, target=ind.target, numerator=n, denominator=d,
                    status=ind.status(n, d) or "",
                )
            )  # fmt: skip
        InspectionItem.objects.bulk_create(items)
        audit.record(
            actor=user, action="supervision.inspection.create", obj=inspection,
            detail={"school": school.pk, "period": period.code, "items": len(items)},
        )  # fmt: skip
    return inspection


def record_finding(*, user: User, item: InspectionItem, finding: str, note: str = "") -> InspectionItem:
    inspection = item.inspection
    _require_inspector(user, inspection)
    _require_open(inspection)
    if finding not in Finding.values:
        raise InspectionError(_("Please choose a finding: met, partly met or not met."))
    note = (note or "").strip()
    if len(note) > 2000:
        raise InspectionError(_("The note is too long (at most 2000 characters)."))
    item.finding, item.note = finding, note
    item.save(update_fields=["finding", "note"])
    audit.record(actor=user, action="supervision.inspection.finding", obj=item, detail={"finding": finding})
    return item


def add_task(
    *,
    user: User,
    inspection: Inspection,
    title: str,
    owner_id: int | None,
    deadline: dt.date | None,
    item_id: int | None = None,
    now: dt.datetime | None = None,
) -> RectificationTask:
    """整改任务 — set a task for someone at the school, by a deadline; they are told at once."""
    now = now or timezone.now()
    _require_inspector(user, inspection)
    _require_open(inspection)
    title = (title or "").strip()
    if not title:
        raise InspectionError(_("Please say what is to be corrected."))
    if len(title) > 300:
        raise InspectionError(_("The task is too long (at most 300 characters)."))
    owner = next((u for u in owners_for(inspection.school) if u.pk == owner_id), None)
    if owner is None:
        raise InspectionError(_("The owner must be a leader or a psychological teacher of the school."))
    if deadline is None or deadline < timezone.localdate(now):
        raise InspectionError(_("Please give a deadline from today on."))
    item = None
    if item_id:
        item = inspection.items.filter(pk=item_id).first()
        if item is None:
            raise InspectionError(_("That checklist item is not part of this inspection."))
    with transaction.atomic():
        task = RectificationTask.objects.create(
            inspection=inspection, item=item, title=title, owner=owner, deadline=deadline, created_at=now
        )
        audit.record(
            actor=user, action="supervision.inspection.task", obj=task,
            detail={"inspection": inspection.pk, "owner": owner.pk, "deadline": deadline.isoformat()},
        )  # fmt: skip
        notify(
            users=[owner], kind="supervision.rectification",
            subject=_("Rectification task from the inspection of %(school)s, due %(date)s: %(title)s")
            % {"school": inspection.school.name, "date": deadline.isoformat(), "title": title[:80]},
            url=_task_url(task), key=f"rectification-{task.pk}", now=now,
        )  # fmt: skip
    return task


def _note(task: RectificationTask, user: User, text: str, now: dt.datetime) -> None:
    if text:
        TaskNote.objects.create(task=task, author=user, at=now, text=text)


def _clean_note(text: str) -> str:
    text = (text or "").strip()
    if len(text) > 2000:
        raise InspectionError(_("The note is too long (at most 2000 characters)."))
    return text


def may_follow_up(user: User, task: RectificationTask) -> bool:
    return task.owner_id == user.pk or may_inspect(user, task.inspection.school)


def add_note(*, user: User, task: RectificationTask, text: str, now: dt.datetime | None = None) -> TaskNote:
    """跟进 — a follow-up note by the task's owner or a supervisor."""
    now = now or timezone.now()
    if not may_follow_up(user, task):
        raise PermissionDenied
    text = _clean_note(text)
    if not text:
        raise InspectionError(_("Please write the note."))
    note = TaskNote.objects.create(task=task, author=user, at=now, text=text)
    audit.record(actor=user, action="supervision.inspection.note", obj=task)
    return note


def mark_done(
    *, user: User, task: RectificationTask, note: str = "", now: dt.datetime | None = None
) -> RectificationTask:
    """The owner says the correction is made; the supervisor is told to verify it. Done twice is done once."""
    now = now or timezone.now()
    if task.owner_id != user.pk:
        raise PermissionDenied
    _require_open(task.inspection)
    note = _clean_note(note)
    with transaction.atomic():
        task = RectificationTask.objects.select_for_update().get(pk=task.pk)
        if task.status != TaskStatus.OPEN:
            return task
        task.status, task.done_at = TaskStatus.DONE, now
        task.save(update_fields=["status", "done_at"])
        _note(task, user, note, now)
        audit.record(actor=user, action="supervision.inspection.done", obj=task)
        notify(
            users=[task.inspection.supervisor], kind="supervision.rectification",
            subject=_("Rectification done, to verify: %(title)s") % {"title": task.title[:120]},
            url=_task_url(task), key=f"rectification-done-{task.pk}-{now.timestamp():.0f}", now=now,
        )  # fmt: skip
    return task


def verify(
    *, user: User, task: RectificationTask, accept: bool, note: str = "", now: dt.datetime | None = None
) -> RectificationTask:
    """The supervisor verifies a task marked done, or reopens it with a note saying what is still missing
    (the owner is told)."""
    now = now or timezone.now()
    _require_inspector(user, task.inspection)
    _require_open(task.inspection)
    note = _clean_note(note)
    with transaction.atomic():
        task = RectificationTask.objects.select_for_update().get(pk=task.pk)
        if accept:
            if task.status == TaskStatus.VERIFIED:
                return task
            if task.status != TaskStatus.DONE:
                raise InspectionError(_("The owner has not marked this task done yet."))
            task.status, task.verified_at, task.verified_by = TaskStatus.VERIFIED, now, user
        else:
            if not note:
                raise InspectionError(_("Please say what is still missing."))
            task.status, task.done_at, task.verified_at, task.verified_by = TaskStatus.OPEN, None, None, None
        task.save(update_fields=["status", "done_at", "verified_at", "verified_by"])
        _note(task, user, note, now)
        audit.record(
            actor=user, action="supervision.inspection.verify", obj=task, detail={"accepted": bool(accept)}
        )
        if not accept:
            notify(
                users=[task.owner], kind="supervision.rectification",
                subject=_("Rectification reopened: %(title)s") % {"title": task.title[:120]},
                url=_task_url(task), key=f"rectification-reopen-{task.pk}-{now.timestamp():.0f}", now=now,
            )  # fmt: skip
    return task


def close_inspection(*, user: User, inspection: Inspection, now: dt.datetime | None = None) -> Inspection:
    """Close once every item has a finding and every task is verified. Closing twice is closing once."""
    now = now or timezone.now()
    _require_inspector(user, inspection)
    if inspection.is_closed:
        return inspection
    missing = inspection.items.filter(finding="").count()
    if missing:
        raise InspectionError(_("%(n)s checklist item(s) have no finding yet.") % {"n": missing})
    pending = inspection.tasks.exclude(status=TaskStatus.VERIFIED).count()
    if pending:
        raise InspectionError(_("%(n)s rectification task(s) are not verified yet.") % {"n": pending})
    inspection.closed_at, inspection.closed_by = now, user
    inspection.save(update_fields=["closed_at", "closed_by"])
    audit.record(actor=user, action="supervision.inspection.close", obj=inspection)
    return inspection
