"""Pages of inspections (督导检查, R18): the list (by supervisor, by school), a new inspection, one inspection
(checklist, findings, evidence, rectification tasks — phone friendly), the school's task list and the Excel
export. Thin: reads in supervision.inspections.selectors, writes in supervision.inspections.services."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from openpyxl import Workbook

from access.routes import held_by, policy
from access.tiers import Tier
from supervision.approval import rules as approval
from supervision.approval import selectors as periods
from supervision.approval.rules import VIEW_ROLES
from supervision.dashboards.selectors import sees_raw
from supervision.inspections import selectors as sel
from supervision.inspections import services as inspections
from supervision.inspections.models import Finding, TaskStatus
from supervision.inspections.services import INSPECT_ROLES, InspectionError
from xinyu.converters import id_or_zero
from xinyu.web.spreadsheets import safe_cell, xlsx_response


def _require(request: HttpRequest, roles: frozenset[str]) -> None:
    if not approval.has_role(request.user, roles):
        raise PermissionDenied


def _int(value) -> int | None:
    """An id from the query string, None for anything that is not one (20 digits overflowed the database)."""
    return id_or_zero(value) or None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _to_detail(pk: int, anchor: str = "") -> HttpResponse:
    response = redirect("supervision:inspection", pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@policy(
    Tier.T0,
    "school",
    "inspections (R18) of the schools one sees, by school or by supervisor",
    held_by(VIEW_ROLES),
)
@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_ROLES)
    school_id = _int(request.GET.get("school"))
    mine = request.GET.get("mine") == "1"
    supervisor_id = _int(request.GET.get("supervisor"))
    context = {
        "inspections": list(sel.inspections_for(request.user, school_id, mine, supervisor_id)),
        "schools": list(sel.schools_seen(request.user)), "school_id": school_id, "mine": mine,
        "supervisors": sel.supervisors_seen(request.user), "supervisor_id": supervisor_id,
        "may_create": approval.has_role(request.user, INSPECT_ROLES),
    }  # fmt: skip
    return render(request, "supervision/inspection_list.html", context)


@policy(Tier.T0, "school", "start an inspection: the checklist is generated from the indicators (supervisor)")
@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request: HttpRequest) -> HttpResponse:
    _require(request, INSPECT_ROLES)
    schools = list(sel.schools_to_inspect(request.user))
    choices = periods.approval_periods()
    status, error = 200, ""
    if request.method == "POST":
        school = next((s for s in schools if s.pk == _int(request.POST.get("school"))), None)
        period = next((p for p in choices if p.code == request.POST.get("period")), None)
        visited_on = _date(request.POST.get("visited_on"))
        if school is None or period is None or visited_on is None:
            status, error = 400, _("Please choose the school, the period and the date of the visit.")
        else:
            try:
                inspection = inspections.create_inspection(
                    user=request.user, school=school, period=period, visited_on=visited_on,
                    key=request.POST.get("key", ""),
                )  # fmt: skip
            except InspectionError as exc:
                status, error = exc.status, exc.message
            else:
                messages.success(request, _("The inspection is created with its checklist."))
                return redirect("supervision:inspection", pk=inspection.pk)
    context = {
        "schools": schools, "periods": choices, "default_period": periods.pick_period(choices, None),
        "key": secrets.token_hex(16), "error": error, "today": timezone.localdate(),
    }  # fmt: skip
    return render(request, "supervision/inspection_new.html", context, status=status)


@policy(Tier.T0, "school", "one inspection: checklist with the school's figures, findings, evidence, tasks")
@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_ROLES)
    inspection = inspections.get_inspection_or_404(request.user, pk)
    inspector = inspections.may_inspect(request.user, inspection.school)
    data = sel.detail(inspection)
    sel.mask_figures(data["items"], inspection.school, inspection.period,
                     above_school=not sees_raw(request.user, inspection.school))  # fmt: skip
    for t in data["tasks"]:
        t.mine = t.owner_id == request.user.pk
        t.may_add_file = not inspection.is_closed and (t.mine or inspector)
    context = {
        "inspection": inspection, **data, "inspector": inspector,
        "editable": inspector and not inspection.is_closed, "findings": Finding.choices,
        "owners": inspections.owners_for(inspection.school) if inspector else [],
    }  # fmt: skip
    return render(request, "supervision/inspection_detail.html", context)


def _post_action(request: HttpRequest, inspection_pk: int, run, done: str, anchor: str = "") -> HttpResponse:
    try:
        run()
    except InspectionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _to_detail(inspection_pk, anchor)


@policy(Tier.T0, "school", "record a checklist item's finding (supervisor)")
@login_required
@require_POST
def inspection_finding(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_ROLES)
    item = sel.get_item_or_404(request.user, pk)
    if not inspections.may_inspect(request.user, item.inspection.school):
        raise PermissionDenied

    def run():
        inspections.record_finding(
            user=request.user,
            item=item,
            finding=request.POST.get("finding", ""),
            note=request.POST.get("note", ""),
        )

    return _post_action(request, item.inspection_id, run, _("The finding is saved."), f"item-{item.pk}")


@policy(Tier.T0, "school", "set a rectification task with owner and deadline (supervisor); the owner is told")
@login_required
@require_POST
def inspection_task_new(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_ROLES)
    inspection = inspections.get_inspection_or_404(request.user, pk)
    if not inspections.may_inspect(request.user, inspection.school):
        raise PermissionDenied

    def run():
        inspections.add_task(
            user=request.user, inspection=inspection, title=request.POST.get("title", ""),
            owner_id=_int(request.POST.get("owner")), deadline=_date(request.POST.get("deadline")),
            item_id=_int(request.POST.get("item")),
        )  # fmt: skip

    return _post_action(request, inspection.pk, run, _("The task is set and its owner told."), "tasks")


def _task(request: HttpRequest, pk: int):
    _require(request, VIEW_ROLES)
    return sel.get_task_or_404(request.user, pk)


@policy(Tier.T0, "school", "the owner marks a rectification task done, with a note")
@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)

    def run():
        inspections.mark_done(user=request.user, task=task, note=request.POST.get("note", ""))

    return _post_action(
        request, task.inspection_id, run, _("Marked done; the supervisor will verify."), f"task-{pk}"
    )


@policy(Tier.T0, "school", "a follow-up note on a rectification task (owner or supervisor)")
@login_required
@require_POST
def task_note(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)

    def run():
        inspections.add_note(user=request.user, task=task, text=request.POST.get("text", ""))

    return _post_action(request, task.inspection_id, run, _("The note is saved."), f"task-{pk}")


@policy(Tier.T0, "school", "verify a rectification task, or reopen it with a note (supervisor)")
@login_required
@require_POST
def task_verify(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(request, pk)
    if not inspections.may_inspect(request.user, task.inspection.school):
        raise PermissionDenied
    accept = request.POST.get("decision") != "reopen"

    def run():
        inspections.verify(user=request.user, task=task, accept=accept, note=request.POST.get("note", ""))

    done = _("The task is verified.") if accept else _("The task is reopened; its owner is told.")
    return _post_action(request, task.inspection_id, run, done, f"task-{pk}")


@policy(Tier.T0, "school", "close an inspection once every item has a finding and every task is verified")
@login_required
@require_POST
def inspection_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_ROLES)
    inspection = inspections.get_inspection_or_404(request.user, pk)
    if not inspections.may_inspect(request.user, inspection.school):
        raise PermissionDenied

    def run():
        inspections.close_inspection(user=request.user, inspection=inspection)

    return _post_action(request, inspection.pk, run, _("The inspection is closed."))


@policy(Tier.T0, "school", "rectification tasks of the schools one sees; one's own first, overdue flagged")
@login_required
def rectification_tasks(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_ROLES)
    school_id = _int(request.GET.get("school"))
    context = {
        "tasks": sel.tasks_for(request.user, school_id), "schools": list(sel.schools_seen(request.user)),
        "school_id": school_id,
    }  # fmt: skip
    return render(request, "supervision/inspection_tasks.html", context)


def _count(value: int | None, text: str) -> int | str | None:
    """A checklist count in the Excel: the number, or how the page writes it when masked ("<5", "×")."""
    return value if value is None or text == str(value) else text


@policy(Tier.T0, "school", "Excel of one inspection: checklist with figures and findings, and tasks")
@login_required
def inspection_export(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, VIEW_ROLES)
    inspection = inspections.get_inspection_or_404(request.user, pk)
    data = sel.detail(inspection)
    sel.mask_figures(data["items"], inspection.school, inspection.period,
                     above_school=not sees_raw(request.user, inspection.school))  # fmt: skip
    findings = dict(Finding.choices)
    states = dict(TaskStatus.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Checklist")[:31]
    ws.append([_("School"), inspection.school.name, _("Period"), inspection.period.label, _("Date of the visit"),
               inspection.visited_on.isoformat(), _("Supervisor"), str(inspection.supervisor)])  # fmt: skip
    ws.append([])
    ws.append([_("Requirement"), _("Indicator"), _("Count"), _("Out of"), _("Target"), _("Status"), _("Finding"),
               _("Finding note")])  # fmt: skip
    for i in data["items"]:
        name = i.name_en if (request.LANGUAGE_CODE or "").startswith("en") else i.name_zh
        ws.append([safe_cell(v) for v in (
            i.requirement, name, *(_count(i.numerator, i.num_text), _count(i.denominator, i.den_text)), i.target,
            i.status_shown, str(findings.get(i.finding, "")), i.note,
        )])  # fmt: skip
    tasks = wb.create_sheet(_("Rectification tasks")[:31])
    tasks.append(
        [_("Task"), _("Indicator"), _("Owner"), _("Deadline"), _("Status"), _("Overdue"), _("Follow-up")]
    )
    for t in data["tasks"]:
        notes = "\n".join(f"{n.at:%Y-%m-%d} {n.author}: {n.text}" for n in t.notes.all())
        tasks.append([safe_cell(v) for v in (
            t.title, t.item.indicator if t.item else "", str(t.owner), t.deadline.isoformat(), str(states[t.status]),
            _("yes") if t.overdue else "", notes,
        )])  # fmt: skip
    return xlsx_response(wb, f"inspection-{inspection.pk}-{inspection.visited_on:%Y%m%d}.xlsx")
