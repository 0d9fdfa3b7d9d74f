"""Referral pages (转介) and the partner-institution registry (合作机构; issue 4 item 7, R13). Thin: reads from
care.referrals.selectors, writes through care.referrals.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.routes import held_by, policy
from access.tiers import Tier
from care.models import Institution, InstitutionKind, Referral, ReferralStatus
from care.plans import selectors as plan_selectors
from care.plans.services import PathwayError
from care.plans.views import (
    case_context,
    case_or_404,
    date_field,
    datetime_field,
    error_page,
    pick,
    require_roles,
)
from care.referrals import selectors, services
from care.referrals.deadlines import referral_overdue, referral_step_due
from org.models import Role
from xinyu.web.orgadmin.services import NewAccount


@login_required
@policy(Tier.T3, "student", "a case's referrals and the proposal form: psych teacher; escalated district counselor "
        "reads")  # fmt: skip
def case_referrals(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, plan_selectors.READER_ROLES)
    case = case_or_404(plan_selectors.readable_cases(request.user), pk)
    if request.method == "POST":
        p = request.POST
        try:
            referral = services.propose_referral(
                case=case, by=request.user, institution=pick(selectors.institutions_for_case(case), p.get("institution")),
                reason=p.get("reason", ""), shared=p.get("shared", ""), urgent=p.get("urgent") == "1",
            )  # fmt: skip
        except PathwayError as exc:
            return error_page(request, exc, request.path)
        messages.success(request, _("Referral proposed. Record the guardians' consent before sending it."))
        return redirect("care:referral", pk=referral.pk)
    rows = list(case.referrals.select_related("institution"))
    for r in rows:
        r.overdue = referral_overdue(r)
    audit.record(
        actor=request.user, action="care.referral.list", obj=case, student_id=case.student_id, request=request,
        detail={"case": case.pk, "ids": [r.pk for r in rows]},
    )  # fmt: skip
    return render(
        request,
        "care/case_referrals.html",
        {
            **case_context(case),
            "rows": rows,
            "institutions": selectors.institutions_for_case(case),
            "can_edit": case.is_open and plan_selectors.may_write(request.user, case),
        },
    )


@login_required
@policy(Tier.T3, "student", "referrals: the school's (psych teacher), escalated (district counselor), sent to the "
        "clinician's institution (minimum data)", opens=selectors.may_see_referrals)  # fmt: skip
def referral_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.referral_list(request.user)
    audit.record(
        actor=request.user, action="care.referral.list", request=request,
        detail={"ids": [r.pk for r in rows], "students": sorted({r.student_id for r in rows})},
    )  # fmt: skip
    return render(request, "care/referral_list.html", {"rows": rows})


def _referral_or_404(request: HttpRequest, pk: int) -> Referral:
    referral = (
        selectors.referrals_for(request.user)
        .select_related("case", "student", "school", "institution")
        .filter(pk=pk)
        .first()
    )
    if referral is None:
        raise Http404
    return referral


@login_required
@policy(Tier.T3, "student", "one referral: the school sees it whole; the institution's clinician the minimum data "
        "(name, grade, age, reason, what was shared) and the feedback form")  # fmt: skip
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, selectors.REFERRAL_ROLES)
    referral = _referral_or_404(request, pk)
    minimum = selectors.is_clinician_view(request.user, referral)
    audit.record(
        actor=request.user, action="care.referral.view", obj=referral, student_id=referral.student_id,
        request=request, detail={"minimum": minimum, "status": referral.status},
    )  # fmt: skip
    enrollment = referral.student.current_enrollment()
    context = {
        "referral": referral,
        "minimum": minimum,
        "grade": enrollment.grade if enrollment else None,
        # The clinician reads the age, never the birth date (issue 19 finding 11: need-to-know).
        "age": referral.student.age_on(timezone.localdate()),
        "due": referral_step_due(referral),
        "overdue": referral_overdue(referral),
        "can_feedback": minimum and referral.status in selectors.AT_INSTITUTION[:3],
    }
    if not minimum:
        context.update(
            case_context(referral.case),
            events=list(referral.events.select_related("actor")),
            can_edit=referral.case.is_open and plan_selectors.may_write(request.user, referral.case),
            today=timezone.localdate().isoformat(),
        )
    return render(request, "care/referral_detail.html", context)


@require_POST
@login_required
@policy(
    Tier.T3,
    "student",
    "the school moves a referral: consent, sent, appointment, seen, back at school, cancel",
)
def referral_move(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, plan_selectors.READER_ROLES)
    referral = _referral_or_404(request, pk)
    if selectors.is_clinician_view(request.user, referral):
        raise Http404
    p, to = request.POST, request.POST.get("to", "")
    try:
        if to == ReferralStatus.CONSENTED:
            services.record_consent(
                referral=referral, by=request.user, consent_by=p.get("consent_by", ""),
                consent_on=date_field(p.get("consent_on"), _("Consent given on")), consent_via=p.get("consent_via", ""),
            )  # fmt: skip
        else:
            services.move_referral(
                referral=referral, by=request.user, to=to, support_plan=p.get("support_plan", ""),
                appointment_at=datetime_field(p.get("appointment_at"), _("Appointment at")),
            )  # fmt: skip
    except PathwayError as exc:
        return error_page(request, exc, reverse_referral(referral))
    messages.success(request, _("Saved."))
    return redirect("care:referral", pk=referral.pk)


def reverse_referral(referral: Referral) -> str:
    return reverse("care:referral", args=[referral.pk])


@require_POST
@login_required
@policy(
    Tier.T3, "student", "the institution's clinician posts feedback on a referral sent to their institution"
)
def referral_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, {Role.INSTITUTION_CLINICIAN})
    referral = _referral_or_404(request, pk)  # another institution's referral: 404, nothing changed
    try:
        services.post_feedback(referral=referral, by=request.user, feedback=request.POST.get("feedback", ""))
    except PathwayError as exc:
        return error_page(request, exc, reverse_referral(referral))
    messages.success(request, _("Feedback sent to the school."))
    return redirect("care:referral", pk=referral.pk)


@login_required
@policy(
    None,
    "district",
    "the district's partner-institution registry (district administrator); no student data",
    opens=held_by({Role.DISTRICT_ADMIN}),
)
def institutions(request: HttpRequest) -> HttpResponse:
    require_roles(request, {Role.DISTRICT_ADMIN})
    districts = selectors.managed_districts(request.user)
    if request.method == "POST":
        p, what = request.POST, request.POST.get("action", "")
        mine = Institution.objects.filter(district__in=districts)
        try:
            if what == "add":
                district = next((d for d in districts if str(d.pk) == p.get("district")), districts[0])
                services.add_institution(
                    by=request.user, district=district, name=p.get("name", ""), kind=p.get("kind", ""),
                    address=p.get("address", ""), phone=p.get("phone", ""),
                )  # fmt: skip
            elif what == "new_clinician":
                inst = pick(mine, p.get("institution"))
                if inst is None:
                    raise Http404
                services.add_new_clinician(
                    by=request.user, institution=inst,
                    account=NewAccount(
                        username=p.get("username", ""), display_name=p.get("display_name", ""),
                        password=p.get("password", ""), phone=p.get("phone", ""),
                    ),
                )  # fmt: skip
            elif what in ("withdraw", "restore", "member"):
                inst = pick(mine, p.get("institution"))
                if inst is None:
                    raise Http404
                if what == "member":
                    services.add_clinician(
                        by=request.user,
                        institution=inst,
                        user=pick(selectors.clinician_choices(), p.get("user")),
                    )
                else:
                    services.set_institution_active(
                        by=request.user, institution=inst, active=what == "restore"
                    )
            else:
                raise PathwayError(_("Unknown action."))
        except PathwayError as exc:
            return error_page(request, exc, request.path)
        messages.success(request, _("Saved."))
        return redirect(request.path)
    return render(
        request,
        "care/institutions.html",
        {
            "rows": selectors.registry(request.user),
            "districts": districts,
            "kinds": InstitutionKind.choices,
            "clinicians": selectors.clinician_choices(),
        },
    )
