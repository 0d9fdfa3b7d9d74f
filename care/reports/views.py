"""Abnormality report pages (R2.3): file a report from a phone, my reports, the triage queue, one report.

Thin views: reads from ``care.reports.selectors``, writes through ``care.reports.services``; every view of a
report's content is audited (T3)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.routes import policy
from access.tiers import Tier
from care.alerts.levels import RiskLevel
from care.cases.services import CASE_LEVELS
from care.models import ReportCategory, ReportUrgency, TriageOutcome
from care.reports import selectors, services
from org.models import Student
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows

PAGE_SIZE = 25


def _require_reporter(request: HttpRequest) -> None:
    if not services.may_report(request.user):
        raise PermissionDenied


@login_required
@policy(
    Tier.T1,
    "student",
    "file an abnormality report: any staff member, students of their school (name, class)",
    opens=services.may_report,
)
def report_new(request: HttpRequest) -> HttpResponse:
    _require_reporter(request)
    students = services.reportable_students(request.user)
    form = {"category": "", "urgency": ReportUrgency.NORMAL, "observed": "", "key": uuid.uuid4().hex}
    picked = None
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("category", "urgency", "observed", "key")}
        try:
            student_id = int(request.POST.get("student", ""))
        except ValueError:
            student_id = None
        if student_id is None:
            messages.error(request, _("Choose the student first."))
        else:
            try:
                report, _created = services.file_report(
                    reporter=request.user,
                    student_id=student_id,
                    category=form["category"],
                    observed=form["observed"],
                    urgency=form["urgency"],
                    key=form["key"],
                )
            except Student.DoesNotExist:
                raise Http404 from None
            except services.ReportError as exc:
                messages.error(request, str(exc))
                picked = students.filter(pk=student_id).values("pk", "name").first()
                if picked is None:
                    raise Http404 from None
            else:
                messages.success(
                    request,
                    _("Thank you. The class teacher and the psychological teacher have been told."),
                )
                return redirect("care:report_mine")
        status = 400
    else:
        status = 200
        if request.GET.get("student"):
            picked = students.filter(pk=id_or_zero(request.GET["student"])).values("pk", "name").first()
            if picked is None:
                raise Http404
    query = request.GET.get("q", "")
    # Issue 20: a class of 33 answers "仅显示前 20 条，共 33 条" and offers them all.
    part = first_rows(selectors.matching_students(students, query), request, selectors.PICK_SHOWN)
    matches = selectors.picked_rows(part.rows)
    return render(
        request,
        "care/report_new.html",
        {
            "form": form,
            "query": query,
            "matches": matches,
            "matches_part": part,
            "picked": picked,
            "categories": ReportCategory.choices,
            "urgencies": ReportUrgency.choices,
        },
        status=status,
    )


@login_required
@policy(None, "self", "the reports the user filed: student name and state only (received / handled)")
def report_mine(request: HttpRequest) -> HttpResponse:
    _require_reporter(request)
    page = Paginator(selectors.my_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "care/report_mine.html", {"page": page, "rows": list(page.object_list)})


@login_required
@policy(
    Tier.T3,
    "student",
    "reports to triage: psych teachers of the school/campus; leaders: late ones, no content",
    opens=selectors.may_see_queue,
)
def report_queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.triage_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    now = timezone.now()
    for r in rows:
        r.overdue = r.triaged_at is None and r.triage_deadline < now
    audit.record(
        actor=request.user,
        action="care.report.list",
        request=request,
        detail={"ids": [r.pk for r in rows], "students": sorted({r.student_id for r in rows})},
    )
    return render(
        request,
        "care/report_queue.html",
        {"page": page, "rows": rows, "can_triage": services.may_triage(request.user)},
    )


@login_required
@policy(
    Tier.T3, "student", "one report: what was seen (T3) and its triage; psych teachers of the school/campus"
)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.may_triage(request.user):
        raise PermissionDenied
    report = selectors.report_for_triage_or_none(request.user, pk)
    if report is None:
        raise Http404
    status = 200
    if request.method == "POST":
        try:
            services.triage_report(
                report=report,
                by=request.user,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", "")[:4000],
                level=request.POST.get("level", ""),
            )
        except services.ReportError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(request, _("Triage recorded."))
            return redirect("care:report_detail", pk=report.pk)
    audit.record(
        actor=request.user,
        action="care.report.view",
        obj=report,
        student_id=report.student_id,
        request=request,
    )
    return render(
        request,
        "care/report_detail.html",
        {
            "report": report,
            "overdue": report.triaged_at is None and report.triage_deadline < timezone.now(),
            "outcomes": TriageOutcome.choices,
            "levels": [(v, label) for v, label in RiskLevel.choices if v in CASE_LEVELS],
        },
        status=status,
    )
