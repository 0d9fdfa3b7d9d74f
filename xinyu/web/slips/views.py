"""The page to print a class's initial passwords: GET confirms, POST returns the PDF or Excel file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from access import activation, audit
from access.auth import recent_auth
from access.routes import policy
from access.tiers import Tier
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows
from xinyu.web.slips.render import PDF_TYPE, XLSX_TYPE, render_activation_pdf, render_pdf, render_xlsx
from xinyu.web.slips.selectors import (
    get_printable_class_or_404,
    may_issue_activation,
    print_preview,
    staff_for_activation,
)
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


@policy(
    Tier.T1, "staff", "staff accounts to activate: print activation slips or send SMS codes (roster.import)"
)
@login_required
@require_http_methods(["GET", "POST"])
@recent_auth()  # issuing a code is a key operation: it can set someone's password
def staff_activation(request: HttpRequest) -> HttpResponse:
    """激活单 — an administrator who imports staff (re)issues their first login (issue 18 build 2)."""
    if not may_issue_activation(request.user):
        raise PermissionDenied
    staff = staff_for_activation(request.user)
    if request.method == "POST":
        chosen = list(staff.filter(pk__in=[id_or_zero(v) for v in request.POST.getlist("user")]))
        what = request.POST.get("what", "")
        if not chosen or what not in {"slips", "sms"}:
            messages.error(request, _("Please tick at least one person, then choose slips or SMS."))
        elif what == "slips":
            slips = activation.issue_slips(users=chosen, by=request.user, request=request)
            content = render_activation_pdf(slips, request.build_absolute_uri(reverse("auth:activate")))
            response = HttpResponse(content, content_type=PDF_TYPE)
            response["Content-Disposition"] = 'attachment; filename="activation-slips.pdf"'
            return response
        else:
            sent, refused = 0, []
            for user in chosen:
                try:
                    activation.send_code_for(user=user, by=request.user, request=request)
                    sent += 1
                except activation.ActivationError as exc:
                    refused.append(f"{user}: {exc.message}")
            if sent:
                messages.success(request, _("Codes sent by SMS: %(n)s.") % {"n": sent})
            for line in refused:
                messages.error(request, line)
        return redirect("slips:staff")
    part = first_rows(staff, request, 500)
    rows = part.rows
    states = activation.states_of(rows)
    audit.record(
        actor=request.user,
        action="staff.activation_list",
        request=request,
        detail={"ids": [u.pk for u in rows]},
    )
    people = [(u, states[u.pk], activation.mask_phone(u.phone) if u.phone else "") for u in rows]
    return render(request, "org/slips/staff_activation.html", {"people": people, "people_part": part})
