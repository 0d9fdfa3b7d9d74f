"""更正 — the pages of corrections of identity and contact data (care.corrections.services; PIPL Art. 46). Thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access.policy import roles_of
from access.routes import held_by, policy
from access.tiers import Tier
from care.corrections import services as corrections
from care.models import CorrectionField, CorrectionRequest
from org.models import Role
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows

ASKERS = frozenset({Role.GUARDIAN, Role.STUDENT})


@policy(
    Tier.T1,
    "children",
    "a guardian (or a student of 14+) asks to correct identity or contact data; their own requests",
)
@login_required
@require_http_methods(["GET", "POST"])
def correction_new(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & ASKERS:
        raise PermissionDenied
    students = corrections.students_for(request.user)
    error = ""
    if request.method == "POST":
        raw = request.POST.get("student", "")
        try:
            corrections.request_correction(
                user=request.user, student_id=id_or_zero(raw), field=request.POST.get("field", ""),
                new_value=request.POST.get("value", ""), note=request.POST.get("note", ""), request=request,
            )  # fmt: skip
        except corrections.CorrectionError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Your request is sent to the school for review."))
            return redirect("care:correction_new")
    is_guardian = Role.GUARDIAN in roles_of(request.user)
    choices = [
        (v, label) for v, label in CorrectionField.choices if is_guardian or v in corrections.STUDENT_FIELDS
    ]
    mine = first_rows(
        CorrectionRequest.objects.filter(requested_by=request.user).select_related("student"), request, 20
    )
    return render(
        request,
        "care/correction_new.html",
        {"students": students, "choices": choices, "mine": mine.rows, "mine_part": mine, "error": error},
        status=400 if error else 200,
    )


def _require_reviewer(request: HttpRequest) -> None:
    if not roles_of(request.user) & corrections.REVIEWER_ROLES:
        raise PermissionDenied


@policy(
    Tier.T1,
    "school",
    "correction requests about the school's students: the field, old and new value",
    opens=held_by(corrections.REVIEWER_ROLES),
)
@login_required
def correction_queue(request: HttpRequest) -> HttpResponse:
    _require_reviewer(request)
    part = first_rows(corrections.reviewable(request.user), request, 100)
    return render(request, "care/correction_queue.html", {"rows": part.rows, "rows_part": part})


@policy(Tier.T1, "student", "apply or refuse (with a reason) one correction request")
@login_required
@require_POST
def correction_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_reviewer(request)
    try:
        corrections.decide(
            user=request.user, pk=pk, apply=request.POST.get("decision") == "apply",
            reason=request.POST.get("reason", ""), request=request,
        )  # fmt: skip
    except corrections.CorrectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("care:correction_queue")
