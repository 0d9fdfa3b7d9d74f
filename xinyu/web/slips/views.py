"""The page to print a class's initial passwords: GET confirms, POST returns the PDF or Excel file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from access.auth import recent_auth
from access.routes import policy
from access.tiers import Tier
from xinyu.web.slips.render import PDF_TYPE, XLSX_TYPE, render_pdf, render_xlsx
from xinyu.web.slips.selectors import get_printable_class_or_404, print_preview
from xinyu.web.slips.services import issue_class_passwords

FORMATS = {"pdf": PDF_TYPE, "xlsx": XLSX_TYPE}


def document(batch, fmt: str, login_url: str) -> bytes:
    cls = batch.school_class
    if fmt == "pdf":
        return render_pdf(batch.slips, login_url, title=f"{cls.school.name} {cls.name}")
    return render_xlsx(batch.slips, login_url, sheet_title=cls.name)


@policy(Tier.T1, "class", "initial student passwords of one class (roster.print_passwords)")
@login_required
@require_http_methods(["GET", "POST"])
@recent_auth()  # issue 8: re-authentication before exports and key operations
def class_slips(request: HttpRequest, pk: int) -> HttpResponse:
    cls = get_printable_class_or_404(request.user, pk)
    fmt = request.POST.get("format", "")
    if request.method == "POST" and fmt in FORMATS:
        batch = issue_class_passwords(school_class=cls, actor=request.user, request=request, fmt=fmt)
        if not batch.slips:
            messages.info(request, _("No student of this class needs a new password."))
            return redirect("slips:class", pk=cls.pk)
        content = document(batch, fmt, request.build_absolute_uri(reverse("login")))
        response = HttpResponse(content, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="passwords-class-{cls.pk}.{fmt}"'
        return response
    status = 400 if request.method == "POST" else 200
    context = {"school_class": cls, "preview": print_preview(cls), "bad_format": status == 400}
    return render(request, "org/slips/confirm.html", context, status=status)
