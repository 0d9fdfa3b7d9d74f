"""Pages of a case's intervention plan made with the family (干预方案, R12) and "my tasks" (issue 4 item 5); the
guardian contacts are in care.contacts, the referrals and the partner institutions in care.referrals.

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
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import roles_of
from access.routes import policy
from access.tiers import Tier
from care.contacts import selectors as contact_selectors
from care.models import Case, CrisisStep, Plan, PlanAction
from care.plans import selectors, services
from care.plans.services import SAFETY_PARTS, PathwayError
from org.models import Role
from xinyu.web.home import url_or_none


def error_page(request: HttpRequest, exc: PathwayError, back: str) -> HttpResponse:
    return render(request, "care/plans_error.html", {"message": exc.message, "back": back}, status=exc.status)


def require_roles(request: HttpRequest, roles) -> None:
    if not roles_of(request.user) & roles:
        raise PermissionDenied


def date_field(raw: str | None, label: str) -> dt.date | None:
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


def datetime_field(raw: str | None, label: str) -> dt.datetime | None:
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


def pick(qs, raw: str | None):
    try:
        return qs.filter(pk=int(raw)).first() if raw else None
    except (TypeError, ValueError):
        return None


def case_or_404(qs, pk: int) -> Case:
    case = selectors.case_or_none(qs, pk)
    if case is None:
        raise Http404
    return case


def case_context(case: Case) -> dict:
    return {"case": case, "case_url": url_or_none("care:case", "care:case_detail", kwargs={"pk": case.pk})}


# --- Plan -----------------------------------------------------------------------------------------------------


@login_required
@policy(Tier.T3, "student", "a case's intervention plan, actions, safety plan: the school's psych teacher writes; "
        "the district counselor reads escalated cases")  # fmt: skip
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, selectors.READER_ROLES)
    case = case_or_404(selectors.readable_cases(request.user), pk)
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
                    review_on=date_field(p.get("review_on"), _("Review on")),
                )
            elif what == "safety":
                services.save_safety_plan(case=case, by=user, parts={f: p.get(f, "") for f in SAFETY_PARTS})
            elif what == "agreement":
                services.record_agreement(
                    case=case, by=user, agreed_on=date_field(p.get("agreed_on"), _("Agreed on")),
                    meeting=p.get("meeting", ""), agreed_with=p.get("agreed_with", ""),
                )  # fmt: skip
            elif what == "add_action":
                services.add_action(
                    case=case, by=user, text=p.get("text", ""), owner=pick(selectors.owner_choices(case), p.get("owner")),
                    due_on=date_field(p.get("due_on"), _("Due on")),
                )  # fmt: skip
            elif what == "share":  # 告知家长 (R10, R12): on purpose, audited
                services.share_with_guardians(
                    case=case, by=user, family_tasks=p.get("family_tasks", ""),
                    share_level=p.get("share_level") == "1", reason=p.get("reason", ""),
                )  # fmt: skip
            elif what == "done_action":
                action = pick(PlanAction.objects.filter(plan__case=case), p.get("task"))
                if action is None:
                    raise Http404
                services.complete_action(action=action, by=user)
            else:
                raise PathwayError(_("Unknown action."))
        except PathwayError as exc:
            return error_page(request, exc, back)
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
            **case_context(case),
            "plan": the_plan,
            "actions": actions,
            "can_edit": case.is_open and selectors.may_write(request.user, case),
            "owners": selectors.owner_choices(case),
            "shares": selectors.shares_of_plan(the_plan),
            "safety_parts": [
                (f, Plan._meta.get_field(f).verbose_name, getattr(the_plan, f) if the_plan else "")
                for f in SAFETY_PARTS
            ],
        },
    )


# --- What the guardians are told (告知家长, R10, R12) -------------------------------------------------------


@login_required
@policy(
    Tier.T1, "children", "a guardian reads what the school shared of their own child's plan, and only that"
)
def family_plans(request: HttpRequest) -> HttpResponse:
    require_roles(request, {Role.GUARDIAN})
    shares = selectors.latest_shares_for_guardian(request.user)
    for s in shares:
        audit.record(
            actor=request.user, action="care.plan.share.view", obj=s, student_id=s.plan.case.student_id,
            request=request, detail={"case": s.plan.case_id},
        )  # fmt: skip
    return render(request, "care/family_plans.html", {"shares": shares})


@require_POST
@login_required
@policy(
    Tier.T1, "children", "a guardian confirms reading what the school shared (once; again changes nothing)"
)
def family_plan_read(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request, {Role.GUARDIAN})
    share = selectors.guardian_shares(request.user).select_related("plan__case").filter(pk=pk).first()
    if share is None:
        raise Http404
    services.confirm_reading(share=share, by=request.user)
    messages.success(request, _("Thank you. The school can see that you have read it."))
    return redirect("care:family_plans")


# --- Guardian contacts ----------------------------------------------------------------------------------------


# --- Referrals ------------------------------------------------------------------------------------------------


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
    due = (
        contact_selectors.contacts_due(request.user)
        if contact_selectors.may_log_contacts(request.user)
        else []
    )
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
        return error_page(request, exc, "")
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
