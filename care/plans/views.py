"""Pages of the plan, guardian contacts and referrals of a case, the institution clinician's referrals, "my
tasks" and the district's partner-institution registry (issue 4 items 5–7).

Thin views: reads through ``care.plans.selectors`` (from ``access.policy``), writes through
``care.plans.services``. A role that never has a page gets 403 before any lookup; an object outside the user's
scope is 404; bad input shows its message with status 400/409 and changes nothing. Every showing of a case's
T3 data writes an audit event without clinical text.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import roles_of
from access.routes import policy
from access.tiers import Tier
from care.models import (
    Case,
    ContactChannel,
    CrisisStep,
    Institution,
    InstitutionKind,
    Plan,
    PlanAction,
    Referral,
    ReferralStatus,
)
from care.plans import selectors, services
from care.plans.deadlines import referral_overdue, referral_step_due
from care.plans.services import SAFETY_PARTS, PathwayError
from org.models import Role
from xinyu.web.home import url_or_none


def _error(request: HttpRequest, exc: PathwayError, back: str) -> HttpResponse:
    return render(request, "care/plans_error.html", {"message": exc.message, "back": back}, status=exc.status)


def _require(request: HttpRequest, roles) -> None:
    if not roles_of(request.user) & roles:
        raise PermissionDenied


def _date(raw: str | None, label: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        day = parse_date(raw)
    except ValueError:
        day = None
    if day is None:
        raise PathwayError(_("%(field)s is not a valid date.") % {"field": label})
    return day


def _datetime(raw: str | None, label: str) -> dt.datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        at = parse_datetime(raw)
    except ValueError:
        at = None
    if at is None:
        raise PathwayError(_("%(field)s is not a valid date and time.") % {"field": label})
    return timezone.make_aware(at) if timezone.is_naive(at) else at


def _pick(qs, raw: str | None):
    try:
        return qs.filter(pk=int(raw)).first() if raw else None
    except (TypeError, ValueError):
        return None


def _case_or_404(qs, pk: int) -> Case:
    case = selectors.case_or_none(qs, pk)
    if case is None:
        raise Http404
    return case


def _case_context(case: Case) -> dict:
    return {"case": case, "case_url": url_or_none("care:case", "care:case_detail", kwargs={"pk": case.pk})}


# --- Plan -----------------------------------------------------------------------------------------------------


@login_required
@policy(Tier.T3, "student", "a case's intervention plan, actions, safety plan: the school's psych teacher writes; "
        "the district counselor reads escalated cases")  # fmt: skip
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.READER_ROLES)
    case = _case_or_404(selectors.readable_cases(request.user), pk)
    back = request.path
    if request.method == "POST":
        what = request.POST.get("action", "")
        user, p = request.user, request.POST
        try:
            if what == "goals":
                services.save_goals(
                    case=case,
                    by=user,
                    goals=p.get("goals", ""),
                    review_on=_date(p.get("review_on"), _("Review on")),
                )
            elif what == "safety":
                services.save_safety_plan(case=case, by=user, parts={f: p.get(f, "") for f in SAFETY_PARTS})
            elif what == "agreement":
                services.record_agreement(
                    case=case, by=user, agreed_on=_date(p.get("agreed_on"), _("Agreed on")),
                    meeting=p.get("meeting", ""), agreed_with=p.get("agreed_with", ""),
                )  # fmt: skip
            elif what == "add_action":
                services.add_action(
                    case=case, by=user, text=p.get("text", ""), owner=_pick(selectors.owner_choices(case), p.get("owner")),
                    due_on=_date(p.get("due_on"), _("Due on")),
                )  # fmt: skip
            elif what == "done_action":
                action = _pick(PlanAction.objects.filter(plan__case=case), p.get("task"))
                if action is None:
                    raise Http404
                services.complete_action(action=action, by=user)
            else:
                raise PathwayError(_("Unknown action."))
        except PathwayError as exc:
            return _error(request, exc, back)
        messages.success(request, _("Saved."))
        return redirect(back)
    the_plan = selectors.plan_of(case)
    actions = selectors.plan_actions(the_plan)
    audit.record(
        actor=request.user, action="care.plan.view", obj=the_plan or case, student_id=case.student_id,
        request=request, detail={"case": case.pk, "actions": len(actions)},
    )  # fmt: skip
    today = timezone.localdate()
    for a in actions:
        a.overdue = a.done_at is None and a.due_on < today
    return render(
        request,
        "care/plan.html",
        {
            **_case_context(case),
            "plan": the_plan,
            "actions": actions,
            "can_edit": case.is_open and selectors.may_write(request.user, case),
            "owners": selectors.owner_choices(case),
            "safety_parts": [
                (f, Plan._meta.get_field(f).verbose_name, getattr(the_plan, f) if the_plan else "")
                for f in SAFETY_PARTS
            ],
        },
    )


# --- Guardian contacts ----------------------------------------------------------------------------------------


@login_required
@policy(Tier.T3, "student", "a case's guardian-contact log and its deadline: psych teacher, escalated district "
        "counselor (read), the student's class teacher")  # fmt: skip
def contacts(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.CONTACT_ROLES)
    case = _case_or_404(selectors.contact_cases(request.user), pk)
    if request.method == "POST":
        p = request.POST
        try:
            services.log_contact(
                case=case, by=request.user, channel=p.get("channel", ""), at=_datetime(p.get("at"), _("When")),
                guardian_name=p.get("guardian_name", ""), reached=p.get("reached") == "1", outcome=p.get("outcome", ""),
            )  # fmt: skip
        except PathwayError as exc:
            return _error(request, exc, request.path)
        messages.success(request, _("Contact recorded."))
        return redirect(request.path)
    rows = selectors.contacts_of(case)
    clinical = selectors.readable_cases(request.user).filter(pk=case.pk).exists()
    audit.record(
        actor=request.user, action="care.contact.list", obj=case, student_id=case.student_id, request=request,
        detail={"case": case.pk, "contacts": len(rows)},
    )  # fmt: skip
    return render(
        request,
        "care/contacts.html",
        {
            **_case_context(case),
            "rows": rows,
            "clinical": clinical,
            "status": selectors.contact_status(case),
            "channels": ContactChannel.choices,
            "can_add": case.is_open and (selectors.may_write(request.user, case) or not clinical),
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


# --- Referrals ------------------------------------------------------------------------------------------------


@login_required
@policy(Tier.T3, "student", "a case's referrals and the proposal form: psych teacher; escalated district counselor "
        "reads")  # fmt: skip
def case_referrals(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.READER_ROLES)
    case = _case_or_404(selectors.readable_cases(request.user), pk)
    if request.method == "POST":
        p = request.POST
        try:
            referral = services.propose_referral(
                case=case, by=request.user, institution=_pick(selectors.institutions_for_case(case), p.get("institution")),
                reason=p.get("reason", ""), shared=p.get("shared", ""), urgent=p.get("urgent") == "1",
            )  # fmt: skip
        except PathwayError as exc:
            return _error(request, exc, request.path)
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
            **_case_context(case),
            "rows": rows,
            "institutions": selectors.institutions_for_case(case),
            "can_edit": case.is_open and selectors.may_write(request.user, case),
        },
    )


@login_required
@policy(Tier.T3, "student", "referrals: the school's (psych teacher), escalated (district counselor), sent to the "
        "clinician's institution (minimum data)")  # fmt: skip
def referral_list(request: HttpRequest) -> HttpResponse:
    _require(request, selectors.REFERRAL_ROLES)
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
        "(name, grade, reason, what was shared) and the feedback form")  # fmt: skip
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.REFERRAL_ROLES)
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
        "due": referral_step_due(referral),
        "overdue": referral_overdue(referral),
        "can_feedback": minimum and referral.status in selectors.AT_INSTITUTION[:3],
    }
    if not minimum:
        context.update(
            _case_context(referral.case),
            events=list(referral.events.select_related("actor")),
            can_edit=referral.case.is_open and selectors.may_write(request.user, referral.case),
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
    _require(request, selectors.READER_ROLES)
    referral = _referral_or_404(request, pk)
    if selectors.is_clinician_view(request.user, referral):
        raise Http404
    p, to = request.POST, request.POST.get("to", "")
    try:
        if to == ReferralStatus.CONSENTED:
            services.record_consent(
                referral=referral, by=request.user, consent_by=p.get("consent_by", ""),
                consent_on=_date(p.get("consent_on"), _("Consent given on")), consent_via=p.get("consent_via", ""),
            )  # fmt: skip
        else:
            services.move_referral(
                referral=referral, by=request.user, to=to, support_plan=p.get("support_plan", ""),
                appointment_at=_datetime(p.get("appointment_at"), _("Appointment at")),
            )  # fmt: skip
    except PathwayError as exc:
        return _error(request, exc, reverse_referral(referral))
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
    _require(request, {Role.INSTITUTION_CLINICIAN})
    referral = _referral_or_404(request, pk)  # another institution's referral: 404, nothing changed
    try:
        services.post_feedback(referral=referral, by=request.user, feedback=request.POST.get("feedback", ""))
    except PathwayError as exc:
        return _error(request, exc, reverse_referral(referral))
    messages.success(request, _("Feedback sent to the school."))
    return redirect("care:referral", pk=referral.pk)


# --- My tasks -------------------------------------------------------------------------------------------------


@login_required
@policy(Tier.T3, "self", "the actions assigned to the user (a class teacher's T3), and guardian contacts due")
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = list(selectors.my_tasks(request.user))
    now = timezone.now()
    today = timezone.localdate(now)
    for t in tasks:
        t.overdue = t.due_on < today
    steps = list(selectors.my_crisis_steps(request.user))  # issue 15, build 3: crisis steps I own
    for s in steps:
        s.overdue = s.due_at < now
    due = selectors.contacts_due(request.user) if selectors.may_log_contacts(request.user) else []
    if tasks or due or steps:
        audit.record(
            actor=request.user, action="care.task.list", request=request,
            detail={"tasks": [t.pk for t in tasks], "crisis_steps": [s.pk for s in steps],
                    "students": sorted({t.plan.case.student_id for t in tasks} | {c.student_id for c, _s in due}
                                       | {s.case.student_id for s in steps})},
        )  # fmt: skip
    return render(request, "care/my_tasks.html", {"tasks": tasks, "contacts_due": due, "crisis_steps": steps})


@require_POST
@login_required
@policy(Tier.T3, "self", "the owner marks their task done")
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = PlanAction.objects.select_related("plan__case").filter(pk=pk, owner=request.user).first()
    if action is None:
        raise Http404
    try:
        services.complete_action(action=action, by=request.user)
    except PathwayError as exc:
        return _error(request, exc, "")
    messages.success(request, _("Task done."))
    return redirect("care:my_tasks")


@require_POST
@login_required
@policy(Tier.T3, "self", "the owner of a crisis step marks it done (a class teacher: his own step only)")
def crisis_step_done(request: HttpRequest, pk: int) -> HttpResponse:
    from care.cases.services import CaseError, record_crisis_step

    step = CrisisStep.objects.select_related("case").filter(pk=pk, owner=request.user).first()
    if step is None:  # not the owner's: it does not exist for them
        raise Http404
    try:
        record_crisis_step(case=step.case, kind=step.kind, by=request.user, done=True)
    except CaseError as exc:
        messages.error(request, str(exc))
        return redirect("care:my_tasks")
    messages.success(request, _("Crisis step done: %(step)s.") % {"step": step.get_kind_display()})
    return redirect("care:my_tasks")


# --- Partner institutions -------------------------------------------------------------------------------------


@login_required
@policy(
    None, "district", "the district's partner-institution registry (district administrator); no student data"
)
def institutions(request: HttpRequest) -> HttpResponse:
    _require(request, {Role.DISTRICT_ADMIN})
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
            elif what in ("withdraw", "restore", "member"):
                inst = _pick(mine, p.get("institution"))
                if inst is None:
                    raise Http404
                if what == "member":
                    services.add_clinician(
                        by=request.user,
                        institution=inst,
                        user=_pick(selectors.clinician_choices(), p.get("user")),
                    )
                else:
                    services.set_institution_active(
                        by=request.user, institution=inst, active=what == "restore"
                    )
            else:
                raise PathwayError(_("Unknown action."))
        except PathwayError as exc:
            return _error(request, exc, request.path)
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
