"""A guardian's copy of their child's records (PIPL Art. 45): the request page and the download. Thin: the work is
in care.guardian_export.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from access.policy import roles_of
from access.routes import policy
from access.tiers import Tier
from care.guardian_export import services as guardian_export
from care.models import GuardianExport
from org.models import Role
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows


def _require_guardian(request: HttpRequest) -> None:
    if Role.GUARDIAN not in roles_of(request.user):
        raise PermissionDenied


@policy(
    Tier.T1,
    "children",
    "a guardian asks for a copy of their own child's records (password again); lists their own",
)
@login_required
@require_http_methods(["GET", "POST"])
def guardian_export_page(request: HttpRequest) -> HttpResponse:
    _require_guardian(request)
    children = guardian_export.children_of(request.user)
    error = ""
    if request.method == "POST":
        raw = request.POST.get("student", "")
        try:
            guardian_export.request_export(
                user=request.user,
                student_id=id_or_zero(raw),
                password=request.POST.get("password", ""),
                request=request,
            )
        except guardian_export.ExportError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Your request is received. The copy is prepared; you will be told when it is ready."),
            )
            return redirect("care:guardian_export")
    exports = first_rows(
        GuardianExport.objects.filter(requested_by=request.user).select_related("student"), request, 20
    )
    return render(
        request,
        "care/guardian_export.html",
        {
            "children": children,
            "exports": exports.rows,
            "exports_part": exports,
            "error": error,
            "now": timezone.now(),
        },
        status=400 if error else 200,
    )


@policy(Tier.T1, "children", "the zip of one export: the guardian who asked only, while the link is valid")
@login_required
def guardian_export_download(request: HttpRequest, pk: int) -> HttpResponse:
    _require_guardian(request)
    export, path = guardian_export.download_path(user=request.user, export_id=pk, request=request)
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
        as_attachment=True,
        filename=f"xinyu-export-{stamp}-{export.pk}.zip",
        content_type="application/zip",
    )
