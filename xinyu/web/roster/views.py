"""Roster import pages (名册导入): upload, a job page with a polling progress bar and the row report, the
report as Excel, templates. For whoever ``may(user, "roster.import")`` — district and school administrators."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from access.auth import recent_auth
from access.policy import may
from access.routes import policy
from access.tiers import Tier
from org.models import ImportKind, ImportStatus
from org.roster.reading import FileProblem
from xinyu.lists import first_rows
from xinyu.web.roster import services
from xinyu.web.roster.forms import ColumnsForm, ImportForm
from xinyu.web.roster.selectors import get_job_or_404, recent_jobs, school_codes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT_ROWS_SHOWN = 500


def _require_importer(request: HttpRequest) -> None:
    if not may(request.user, "roster.import"):
        raise PermissionDenied


@policy(None, "job", "roster admins (roster.import): the upload form and their own recent jobs")
@login_required
@require_http_methods(["GET", "POST"])
@recent_auth()  # issue 8: re-authentication before exports and key operations
def index(request: HttpRequest) -> HttpResponse:
    _require_importer(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = services.create_job(
            user=request.user,
            kind=data["kind"],
            node=data["node"],
            original_name=data["file"].name,
            upload=data["file"],
            dry_run=data["dry_run"],
            skip_invalid=data["skip_invalid"],
        )
        if not services.settle_columns(job):  # issue 18 build 5: headers not the template's → mapping step
            return redirect("roster:columns", pk=job.pk)
        services.dispatch(job, language=get_language())
        return redirect("roster:job", pk=job.pk)
    context = {
        "form": form,
        "jobs_part": (jobs := first_rows(recent_jobs(request.user), request, 20)),
        "jobs": jobs.rows,
        "kinds": ImportKind.choices,
        "schools": school_codes(request.user),
    }
    return render(request, "org/roster/index.html", context, status=400 if form.errors else 200)


@policy(
    Tier.T1, "job", "own import jobs only (404 otherwise): status and the row report with student numbers"
)
@login_required
@require_GET
def job(request: HttpRequest, pk: int) -> HttpResponse:
    _require_importer(request)
    found = get_job_or_404(request.user, pk)
    if found.status == ImportStatus.MAPPING:
        return redirect("roster:columns", pk=found.pk)
    context = {
        "job": found,
        "progress": services.progress_of(found),
        "errors": found.errors[:REPORT_ROWS_SHOWN],
        "more_errors": max(found.error_count - REPORT_ROWS_SHOWN, 0),
        "summary": services.summary_rows(found),
    }
    return render(request, "org/roster/job.html", context)


@policy(
    Tier.T1,
    "job",
    "own import jobs only (404 otherwise): the file's columns, a few of its values, the field each goes to",
)
@login_required
@require_http_methods(["GET", "POST"])
@recent_auth()  # confirming starts the import, a key operation (issue 8), and the page shows the file's values
def columns(request: HttpRequest, pk: int) -> HttpResponse:
    """The column-mapping step (issue 18 build 5): each column of the uploaded file with the field we guess,
    confirmed or changed by the uploader; columns not imported are named before anything runs."""
    _require_importer(request)
    found = get_job_or_404(request.user, pk)
    if found.status != ImportStatus.MAPPING:
        return render(request, "org/roster/columns.html", {"job": found, "settled": True})
    try:
        proposals, samples = services.column_proposal(found)
    except FileProblem as problem:
        return render(request, "org/roster/columns.html", {"job": found, "problem": problem.message})
    form = ColumnsForm(request.POST or None, kind=found.kind, proposals=proposals)
    if request.method == "POST" and form.is_valid():
        services.confirm_columns(
            found,
            user=request.user,
            columns=form.cleaned_data["columns"],
            headers=[p.header for p in proposals],
            save=form.cleaned_data["save"],
        )
        services.dispatch(found, language=get_language())
        return redirect("roster:job", pk=found.pk)
    rows = [
        {"proposal": p, "field": f, "samples": samples[p.index] if p.index < len(samples) else []}
        for p, f in zip(proposals, form.column_fields(), strict=True)
    ]
    context = {
        "job": found,
        "form": form,
        "rows": rows,
        "ignored": [p for p in proposals if not p.key and p.header],
    }
    return render(request, "org/roster/columns.html", context, status=400 if form.errors else 200)


@policy(None, "job", "own import jobs only (404 otherwise): progress numbers, no one's data")
@login_required
@require_GET
def progress(request: HttpRequest, pk: int) -> JsonResponse:
    _require_importer(request)
    return JsonResponse(services.progress_of(get_job_or_404(request.user, pk)))


@policy(Tier.T1, "job", "own import jobs only (404 otherwise): the row report as Excel")
@login_required
@require_GET
@recent_auth()  # issue 8: re-authentication before exports and key operations
def report(request: HttpRequest, pk: int) -> HttpResponse:
    _require_importer(request)
    found = get_job_or_404(request.user, pk)
    response = HttpResponse(services.report_xlsx(found), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{found.pk}-report.xlsx"'
    return response


@policy(None, "public", "an empty template: the columns of a roster file")
@login_required
@require_GET
def template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    _require_importer(request)
    if kind not in ImportKind.values or fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "csv":
        response = HttpResponse(services.template_csv(kind), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(services.template_xlsx(kind), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="roster-{kind}-template.{fmt}"'
    return response
