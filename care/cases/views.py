"""Case pages (个案; R12 joint intervention, R15 early warning of self-harm and harm to others): the list, open a case, one case (status, level, owner, team, sources, crisis checklist,
follow-ups, disclosures, history) and its actions, and the follow-ups due.

Thin views: reads from ``care.cases.selectors`` (which start from ``access.policy``), writes through
``care.cases.services``; every view of a case is audited (T3)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import get_student_or_404
from access.routes import policy
from access.tiers import Tier
from care.alerts.levels import RiskLevel
from care.cases import selectors, services
from care.cases.selectors import pathway_summary
from care.cases.services import CASE_LEVELS
from care.models import Alert, CaseStatus, CrisisStepKind, Department, FollowUp
from org.models import User
from xinyu.converters import datetime_or_none, id_or_zero

PAGE_SIZE = 25
LEVELS = [(v, label) for v, label in RiskLevel.choices if v in CASE_LEVELS]


def _require(request: HttpRequest, allowed: bool) -> None:
    if not allowed:  # a role that never has the page is refused before any lookup
        raise PermissionDenied


@login_required
@policy(Tier.T3, "student", "cases: psych teachers (school/campus), leaders (open red/orange: name, level, status), "
        "district counselor (escalated)", opens=selectors.may_list_cases)  # fmt: skip
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    status = status if status in ("open", "closed", "all") else "open"
    page = Paginator(selectors.case_list(request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    audit.record(
        actor=request.user,
        action="care.case.list",
        request=request,
        detail={"ids": [c.pk for c in rows], "students": sorted({c.student_id for c in rows})},
    )
    return render(
        request,
        "care/case_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "clinical": selectors.may_open_cases(request.user),
        },
    )


@login_required
@policy(Tier.T3, "student", "open a case for a student (开案): psych teachers of the school/campus")
def case_open(request: HttpRequest, student_pk: int) -> HttpResponse:
    _require(request, selectors.may_open_cases(request.user))
    student = get_student_or_404(request.user, student_pk, Tier.T3)
    existing = selectors.open_case_of(student.pk)
    alert_id = request.POST.get("alert") or request.GET.get("alert") or ""
    alert = Alert.objects.filter(pk=id_or_zero(alert_id), student=student).first()
    status = 200
    if request.method == "POST":
        try:
            case, created = services.open_case(
                student=student,
                level=request.POST.get("level", ""),
                by=request.user,
                reason=request.POST.get("reason", "")[:4000],
                alert=alert,
            )
        except services.CaseError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(
                request, _("Case opened.") if created else _("Added to the student's open case.")
            )
            return redirect("care:case_detail", pk=case.pk)
    return render(
        request,
        "care/case_open.html",
        {"student": student, "existing": existing, "alert": alert, "levels": LEVELS},
        status=status,
    )


@login_required
@policy(
    Tier.T3, "student", "one case: level, status, team, sources, crisis checklist, follow-ups, disclosures"
)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, selectors.may_open_cases(request.user))
    case = selectors.case_or_none(request.user, pk)
    if case is None:
        raise Http404
    return _render_case(request, case)


def _render_case(request: HttpRequest, case, status: int = 200) -> HttpResponse:
    now = timezone.now()
    audit.record(
        actor=request.user, action="care.case.view", obj=case, student_id=case.student_id, request=request
    )
    page = selectors.case_page(case, now)
    return render(
        request,
        "care/case_detail.html",
        {
            "case": case,
            "p": page,
            "levels": LEVELS,
            "statuses": [(v, label) for v, label in CaseStatus.choices if v != CaseStatus.CLOSED],
            "departments": Department.choices,
            "open_steps": [s for s in page.steps if not s.is_resolved],
            "may_work": services.may_work_case(request.user, case),
            # issue 15, build 3: the case owner gives crisis steps to people of the case
            "may_assign_steps": bool(page.steps) and services.may_assign_crisis_steps(request.user, case),
            "step_owners": services.crisis_owner_choices(case) if page.steps else [],
            "pathway": pathway_summary(request.user, case, now),  # plans: plan, contacts, referrals
            "now": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        },
        status=status,
    )


def _when(value: str):
    got = datetime_or_none(value or "")
    if got is not None and timezone.is_naive(got):
        got = timezone.make_aware(got)
    return got


def _act(request: HttpRequest, case, action: str) -> str:
    """Run one action on the case; returns the success message. Raises CaseError on bad input."""
    p, by = request.POST, request.user
    if action == "status":
        services.change_status(case=case, status=p.get("status", ""), by=by, reason=p.get("reason", ""))
        return _("Status changed.")
    if action == "level":
        services.change_level(case=case, level=p.get("level", ""), by=by, reason=p.get("reason", ""))
        return _("Level changed.")
    if action == "owner":
        owner = User.objects.filter(pk=id_or_zero(p.get("owner"))).first()
        if owner is None:
            raise services.CaseError(_("Choose the owner."))
        services.set_owner(case=case, owner=owner, by=by)
        return _("Owner changed.")
    if action == "escalate":
        services.escalate_case(case=case, by=by, reason=p.get("reason", ""))
        return _("The case was escalated to the district counseling centre.")
    if action == "crisis":
        done = p.get("done", "1") == "1"
        services.record_crisis_step(
            case=case, kind=p.get("step", ""), by=by, done=done, reason=p.get("reason", "")
        )
        return _("Crisis step recorded.")
    if action == "crisis_owner":
        raw = p.get("owner") or ""
        owner = User.objects.filter(pk=id_or_zero(raw)).first()
        step = services.set_crisis_step_owner(case=case, kind=p.get("step", ""), owner=owner, by=by)
        return _("The step %(step)s is now %(owner)s's; they have been told.") % {
            "step": step.get_kind_display(),
            "owner": step.owner,
        }
    if action == "follow_up":
        fu = FollowUp.objects.filter(case=case, pk=id_or_zero(p.get("follow_up"))).first()
        if fu is None:
            raise services.CaseError(_("Choose the follow-up."))
        services.record_follow_up(
            follow_up=fu,
            by=by,
            outcome=p.get("outcome", ""),
            level=p.get("level", ""),
            reason=p.get("reason", ""),
        )
        return _("Follow-up recorded.")
    if action == "disclose":
        services.record_disclosure(
            case=case,
            by=by,
            department=p.get("department", ""),
            recipient=p.get("recipient", ""),
            legal_basis=p.get("legal_basis", ""),
            shared=p.get("shared", ""),
            disclosed_at=_when(p.get("disclosed_at", "")),
        )
        return _("Disclosure recorded.")
    if action == "close":
        reasons = {k: p.get(f"missing_{k}", "") for k in CrisisStepKind.values}
        services.close_case(case=case, by=by, note=p.get("note", ""), missing_reasons=reasons)
        return _("Case closed.")
    if action == "reopen":
        services.reopen_case(case=case, by=by, reason=p.get("reason", ""))
        return _("Case reopened.")
    raise Http404


CASE_ACTIONS = (
    "status", "level", "owner", "escalate", "crisis", "crisis_owner", "follow_up", "disclose", "close", "reopen"
)  # fmt: skip


@require_POST
@login_required
@policy(Tier.T3, "student", "change a case: status, level, owner, escalate, crisis step, follow-up, disclosure, "
        "close, reopen — psych teachers of the school/campus, district counselor when escalated; audited")  # fmt: skip
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    _require(request, selectors.may_open_cases(request.user))
    if action not in CASE_ACTIONS:
        raise Http404
    case = selectors.case_or_none(request.user, pk)
    if case is None:
        raise Http404
    try:
        done = _act(request, case, action)
    except services.CaseError as exc:
        messages.error(request, str(exc))
        case.refresh_from_db()
        return _render_case(request, case, status=400)
    messages.success(request, done)
    return redirect("care:case_detail", pk=case.pk)


@login_required
@policy(Tier.T3, "student", "follow-ups due or overdue on the user's open cases")
def follow_up_list(request: HttpRequest) -> HttpResponse:
    _require(request, selectors.may_open_cases(request.user))
    page = Paginator(selectors.follow_ups_due(request.user, within_days=14), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    today = timezone.localdate()
    for f in rows:
        f.overdue = f.due_on < today
    audit.record(
        actor=request.user,
        action="care.follow_up.list",
        request=request,
        detail={"ids": [f.pk for f in rows], "students": sorted({f.case.student_id for f in rows})},
    )
    return render(request, "care/follow_up_list.html", {"page": page, "rows": rows})
