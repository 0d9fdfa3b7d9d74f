"""Student file pages (一人一档, R5.2; issue 4 item 1): the file, its printable form and its PDF for an authorised
transfer. Thin views: access and content come from ``care.file.selectors``; every opening is audited as
``care.file.view`` and every export as ``care.file.export`` (the guardians see both, docs/care.md)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from access import audit
from access.auth import recent_auth
from access.routes import policy
from access.tiers import Tier
from care.alerts.levels import RiskLevel
from care.file import selectors as student_file
from care.file.pdf import render_pdf
from xinyu.converters import id_or_zero

ALL_YEARS = "all"  # ?year=all: every year on one page (the default shows the newest school year first)


def _year(request: HttpRequest) -> int | None:
    raw = request.GET.get("year", "").strip()
    if not raw or raw == ALL_YEARS:
        return None
    if not 1990 <= id_or_zero(raw) <= 2100:
        raise Http404
    return id_or_zero(raw)


def _page(request: HttpRequest, pk: int, *, export: str = "") -> student_file.FilePage:
    access = student_file.file_access(request.user, pk)  # 403 role never / 404 outside scope
    if export and not access.may_export:
        raise PermissionDenied
    if export:  # an export is the whole file, unfiltered
        page = student_file.file_page(request.user, access)
    else:
        page = student_file.file_page(
            request.user,
            access,
            kinds_wanted=request.GET.getlist("kind"),
            year=_year(request),
            newest_first=request.GET.get("year", "").strip() != ALL_YEARS,
        )
    audit.record(
        actor=request.user,
        action="care.file.export" if export else "care.file.view",
        obj=access.student,
        student_id=access.student.pk,
        request=request,
        detail=student_file.audit_detail(page, export=export),
    )
    return page


def _context(page: student_file.FilePage) -> dict:
    names = page.school_names
    levels = dict(RiskLevel.choices)
    tz = timezone.get_current_timezone()
    for e in page.entries:
        local = e.at.astimezone(tz)  # formatted here once: the date filter costs ~10 µs a call
        e.when_iso, e.when_text = local.isoformat(), local.strftime("%Y-%m-%d %H:%M")
        e.school_name = names.get(e.school_id, "")
        e.kind_label = page.kinds.get(e.kind, e.kind)
        e.level_label = levels.get(e.level, e.level)
    kinds = sorted(page.filters.kinds or [])
    return {
        "page": page,
        "kind_query": urlencode([("kind", k) for k in kinds]),
        "student": page.access.student,
        "clinical": page.access.tier >= Tier.T3,
        "printed_at": timezone.localtime(),
    }


@login_required
@policy(Tier.T3, "student", "the file: T3 for the psych teacher / escalated counselor, level colour for T2")
def file_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk)
    if request.GET.get("part") == "entries" and page.filters.year is not None:
        # One older school year's entries, loaded on demand into the page (HTMX); audited like the page.
        return render(request, "care/_file_entries.html", _context(page))
    return render(request, "care/file.html", _context(page))


@login_required
@policy(Tier.T3, "student", "printable file for a transfer: the current school's psych teacher; audited")
@recent_auth()  # issue 8: re-authentication before exports and key operations
def file_print(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk, export="print")
    return render(request, "care/file_print.html", _context(page))


@login_required
@policy(Tier.T3, "student", "the file as PDF for a transfer: the current school's psych teacher; audited")
@recent_auth()  # issue 8: re-authentication before exports and key operations
def file_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk, export="pdf")
    data = render_pdf(_context(page))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="student-file-{pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
