"""Pages of mental-health funding (R16): the year's budget lines and spending of the user's schools, the
districts' allocations by source with last year's total, evidence files, Excel in and out. Thin: reads through
``schoolwork.funding.selectors``, writes through ``schoolwork.funding.services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access.policy import roles_of
from access.routes import policy
from org.models import SchoolYear
from schoolwork.funding import selectors, services
from schoolwork.funding.models import FundingCategory, FundingSource
from schoolwork.funding.services import FundingError, SheetRejected
from schoolwork.home import attachments
from xinyu.lists import first_rows
from xinyu.web.spreadsheets import safe_cell, uploaded_sheet, xlsx_response

SHEET_MAX_BYTES = 2 * 1024 * 1024


def _year(request: HttpRequest) -> SchoolYear:
    """The school year asked for (``?year=2026``), else the current one (or the latest); 404 if none."""
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw:
        found = SchoolYear.objects.filter(start_year=raw if raw.isdigit() else 0).first()
    else:
        found = SchoolYear.current() or SchoolYear.objects.order_by("-start_year").first()
    if found is None:
        raise Http404
    return found


def _require(request: HttpRequest) -> None:
    if not selectors.may_read(request.user):
        raise PermissionDenied


def _fail(request: HttpRequest, exc: FundingError) -> HttpResponse:
    errors = exc.errors if isinstance(exc, SheetRejected) else []
    return render(
        request,
        "schoolwork/program_error.html",
        {"message": exc.message, "row_errors": errors},
        status=exc.status,
    )


def _back(year: SchoolYear) -> HttpResponse:
    return redirect(f"{reverse('schoolwork:funding')}?year={year.start_year}")


@policy(
    None, "school", "mental-health budgets, spending and allocations per school and district; no one's data"
)
@login_required
@require_http_methods(["GET", "POST"])
def funding(request: HttpRequest) -> HttpResponse:
    _require(request)
    year = _year(request)
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "line":
                services.save_budget_line(
                    user=user, school_id=request.POST.get("school", ""), year=year,
                    category=request.POST.get("category", ""), budgeted=request.POST.get("budgeted"),
                    spent=request.POST.get("spent"), note=request.POST.get("note", ""),
                )  # fmt: skip
                messages.success(request, _("The budget line is saved."))
            elif action == "delete_line":
                line = selectors.get_line_or_404(user, int(request.POST.get("line") or 0))
                services.delete_budget_line(user=user, line=line)
                messages.success(request, _("The budget line is deleted."))
            elif action == "allocation":
                services.save_allocation(
                    user=user, district_id=request.POST.get("district", ""), year=year,
                    source=request.POST.get("source", ""), amount=request.POST.get("amount"),
                    note=request.POST.get("note", ""),
                )  # fmt: skip
                messages.success(request, _("The allocation is saved."))
            elif action == "delete_allocation":
                a = selectors.get_allocation_or_404(user, int(request.POST.get("allocation") or 0))
                services.delete_allocation(user=user, allocation=a)
                messages.success(request, _("The allocation is deleted."))
            else:
                raise FundingError(_("Unknown action."))
        except FundingError as exc:
            return _fail(request, exc)
        except ValueError:
            raise Http404 from None
        return _back(year)
    roles = roles_of(user)
    writable = selectors.writable_schools(user)
    writable_ids = {s.pk for s in writable}
    own = selectors.own_districts(user)
    show_schools = bool(roles & (selectors.SCHOOL_ROLES | selectors.DISTRICT_ROLES))
    schools = selectors.school_funding(selectors.funding_schools(user), year) if show_schools else []
    lines_part = first_rows(
        selectors.lines_for(user, year).order_by("school__path", "category") if show_schools else [],
        request,
        500,
    )
    lines = lines_part.rows
    line_files = attachments.attachments_by_owner("budget_line", [x.pk for x in lines])
    for x in lines:
        x.files = line_files.get(x.pk, [])
        x.may_write = x.school_id in writable_ids
    districts = selectors.district_funding(selectors.readable_districts(user), year)
    allocations = list(selectors.allocations_for(user, [year]).order_by("district__path", "source"))
    alloc_files = attachments.attachments_by_owner("allocation", [a.pk for a in allocations])
    own_ids = {d.pk for d in own}
    for a in allocations:
        a.files = alloc_files.get(a.pk, [])
        a.may_write = a.district_id in own_ids
    context = {
        "year": year,
        "years": SchoolYear.objects.order_by("-start_year"),
        "schools": schools,
        "show_schools": show_schools,
        "lines": lines,
        "lines_part": lines_part,
        "writable": writable,
        "districts": districts,
        "allocations": allocations,
        "own_districts": own,
        "categories": FundingCategory.choices,
        "sources": FundingSource.choices,
        "source_labels": selectors.SOURCE_LABELS,
        "locked": selectors.locked_ids(year),
    }
    return render(request, "schoolwork/funding.html", context)


@policy(None, "school", "import a sheet of schools' budget lines (all or nothing)")
@login_required
@require_POST
def funding_import(request: HttpRequest) -> HttpResponse:
    _require(request)
    if not selectors.writable_schools(request.user):
        raise PermissionDenied
    year = _year(request)
    upload = request.FILES.get("sheet")
    if upload is None or upload.size > SHEET_MAX_BYTES:
        return _fail(request, FundingError(_("Choose a CSV or .xlsx file of at most 2 MB.")))
    with uploaded_sheet(upload) as path:
        try:
            n = services.import_budget_sheet(
                user=request.user, year=year, path=path, original_name=upload.name
            )
        except FundingError as exc:
            return _fail(request, exc)
    messages.success(request, _("%(n)s budget lines imported.") % {"n": n})
    return _back(year)


@policy(
    None, "school", "Excel of the budget lines, schools' totals and districts' allocations the user reads"
)
@login_required
def funding_export(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    _require(request)
    year = _year(request)
    user = request.user
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Budget lines"))
    ws.append(list(h[0] for h in services.SHEET_COLUMNS.values()) + ["学校"])
    labels = selectors.CATEGORY_LABELS
    for x in selectors.lines_for(user, year).order_by("school__path", "category"):
        ws.append([safe_cell(x.school.code), str(labels[x.category]), x.budgeted, x.spent, safe_cell(x.note),
                   safe_cell(x.school.name)])  # fmt: skip
    ws = wb.create_sheet(_("Schools"))
    ws.append(
        [_("School"), _("Budgeted (yuan)"), _("Spent (yuan)"), _("Students"), _("Spent per student (yuan)")]
    )
    for r in selectors.school_funding(selectors.funding_schools(user), year):
        ws.append([safe_cell(r.school.name), r.budgeted, r.spent, r.students, r.spent_per_student])
    ws = wb.create_sheet(_("District allocations"))
    sources = list(FundingSource.choices)
    ws.append([_("District")] + [str(label) for _k, label in sources]
              + [_("Total (yuan)"), _("Last year (yuan)")])  # fmt: skip
    for d in selectors.district_funding(selectors.readable_districts(user), year):
        ws.append([safe_cell(d.district.name)] + [d.by_source.get(k) for k, _label in sources]
                  + [d.total, d.previous_total])  # fmt: skip
    return xlsx_response(wb, f"funding-{year.start_year}.xlsx")
