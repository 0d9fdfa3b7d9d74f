"""The guardian-contact log of a case (家校联系; issue 4 item 6, R12 joint prevention with parents). Thin: reads
from care.contacts.selectors, writes through care.contacts.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.routes import policy
from access.tiers import Tier
from care.contacts import selectors, services
from care.models import ContactChannel
from care.plans import selectors as plan_selectors
from care.plans.services import PathwayError
from care.plans.views import case_context, case_or_404, datetime_field, error_page, require_roles


@login_required
@policy(Tier.T3, "student", "a case's guardian-contact log and its deadline: psych teacher, escalated district "
        "counselor (read), the student's class teacher")  # fmt: skip
def contacts(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, selectors.CONTACT_ROLES)
    case = case_or_404(selectors.contact_cases(request.user), pk)
    if request.method == "POST":
        p = request.POST
        try:
            services.log_contact(
                case=case, by=request.user, channel=p.get("channel", ""), at=datetime_field(p.get("at"), _("When")),
                guardian_name=p.get("guardian_name", ""), reached=p.get("reached") == "1", outcome=p.get("outcome", ""),
            )  # fmt: skip
        except PathwayError as exc:
            return error_page(request, exc, request.path)
        messages.success(request, _("Contact recorded."))
        return redirect(request.path)
    rows = selectors.contacts_of(case)
    clinical = plan_selectors.readable_cases(request.user).filter(pk=case.pk).exists()
    audit.record(
        actor=request.user, action="care.contact.list", obj=case, student_id=case.student_id, request=request,
        detail={"case": case.pk, "contacts": len(rows)},
    )  # fmt: skip
    return render(
        request,
        "care/contacts.html",
        {
            **case_context(case),
            "rows": rows,
            "clinical": clinical,
            "status": selectors.contact_status(case),
            "channels": ContactChannel.choices,
            "can_add": case.is_open and (plan_selectors.may_write(request.user, case) or not clinical),
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
