"""Screening pages: campaigns, consent, answering, second-stage queue, coverage (R5.1, R5.3).

Thin views: reads through ``screening.campaigns.selectors`` (which start from ``access.policy``), writes through
``screening.campaigns.services``; outside one's scope is 404; every read of a student's T1+ data writes an audit event.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import has_role, roles_of
from access.routes import held_by, policy
from access.tiers import Tier
from org.models import Role
from screening.battery.selectors import battery_districts, suicide_risk_gaps
from screening.campaigns import selectors, services
from screening.campaigns.models import (
    AnswerHours,
    Assignment,
    CampaignStatus,
    ConsentDecision,
    Level,
    NextStep,
    ResponseStatus,
    StudentView,
)
from screening.campaigns.services import ScreeningError
from xinyu.converters import datetime_or_none
from xinyu.db_router import use_replica  # coverage and results are dashboard reads (replica when set)
from xinyu.web.spreadsheets import safe_cell, xlsx_response


def error_response(
    exc: ScreeningError, request: HttpRequest, template: str = "screening/error.html"
) -> HttpResponse:
    fix = getattr(exc, "fix", None)  # the page that removes the obstacle (issue 15)
    if request.content_type == "application/json" or request.headers.get("Accept") == "application/json":
        body = {"error": exc.message}
        if fix:
            body["fix"] = {"label": str(fix[0]), "url": fix[1]}
        return JsonResponse(body, status=exc.status)
    # A critical questionnaire refused off hours names the help lines; the page links them (issue 15).
    context = {"message": exc.message, "fix": fix, "lines": getattr(exc, "lines", None)}
    return render(request, template, context, status=exc.status)


def _text(value, lang: str | None = None) -> str:
    if isinstance(value, dict):
        lang = (lang or get_language() or "zh-hans").lower()
        key = "zh-hans" if lang.startswith("zh") else "en"
        return value.get(key) or value.get("zh-hans") or value.get("en") or ""
    return str(value or "")


# --- campaigns ------------------------------------------------------------------------------------------------


def _require_organiser(request: HttpRequest) -> None:
    if not selectors.campaign_nodes(request.user):
        raise PermissionDenied


@login_required
@policy(
    None,
    "campaign",
    "campaign set-up; no one's personal data",
    opens=lambda user: bool(selectors.campaign_nodes(user)),
)
def campaign_list(request: HttpRequest) -> HttpResponse:
    _require_organiser(request)
    nodes = selectors.campaign_nodes(request.user)
    if request.method == "POST":
        try:
            node = next(n for n in nodes if str(n.pk) == request.POST.get("organiser"))
            starts, ends = (
                datetime_or_none(request.POST["starts_at"]),
                datetime_or_none(request.POST["ends_at"]),
            )
            if starts is None or ends is None:
                raise ValueError("a start and an end are needed")  # the form's message below
            starts = timezone.make_aware(starts) if timezone.is_naive(starts) else starts
            ends = timezone.make_aware(ends) if timezone.is_naive(ends) else ends
            c = services.create_campaign(
                by=request.user,
                organiser=node,
                name=request.POST.get("name", "").strip()[:100] or _("Mental-health screening"),
                starts_at=starts,
                ends_at=ends,
                grade_from=int(request.POST.get("grade_from") or 4),
                grade_to=int(request.POST.get("grade_to") or 12),
                consent_rule=request.POST.get("consent_rule") or "active_under_age",
                notice_text=request.POST.get("notice_text", ""),
                student_view=request.POST.get("student_view") or StudentView.NOTHING,
                answer_hours=request.POST.get("answer_hours") or AnswerHours.RESPONDER,
            )
        except (StopIteration, KeyError, TypeError, ValueError):
            return render(
                request, "screening/error.html", {"message": _("Please check the form.")}, status=400
            )
        except ScreeningError as exc:
            return error_response(exc, request)
        return redirect("screening:campaign", pk=c.pk)
    return render(
        request,
        "screening/campaign_list.html",
        {
            "campaigns": selectors.managed_campaigns(request.user),
            "nodes": nodes,
            "may_set_default": bool(battery_districts(request.user)),
            "answer_hours_choices": AnswerHours.choices,
        },
    )


@login_required
@policy(None, "campaign", "battery, licences and launch; no one's personal data")
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_organiser(request)
    campaign = selectors.managed_campaign_or_404(request.user, pk)
    from screening.instruments import catalogue

    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "battery":
                services.set_battery_entry(
                    campaign=campaign,
                    grade_from=int(request.POST["grade_from"]),
                    grade_to=int(request.POST["grade_to"]),
                    instrument_id=request.POST["instrument_id"],
                    variant=request.POST.get("variant", ""),
                    order=int(request.POST["order"]) if request.POST.get("order") else None,
                )
            elif action == "remove":
                services.remove_battery_entry(campaign=campaign, entry_id=int(request.POST["entry"]))
                messages.success(request, _("The instrument was taken out of the battery."))
            elif action in ("up", "down"):
                services.move_battery_entry(
                    campaign=campaign, entry_id=int(request.POST["entry"]), up=action == "up"
                )
            elif action == "answer_hours":  # issue 15: when critical questionnaires may be answered
                services.set_answer_hours(
                    by=request.user, campaign=campaign, answer_hours=request.POST["answer_hours"]
                )
                messages.success(request, services.answer_hours_text(campaign))
            elif action == "targeting":  # issue 20 build 4: districts, schools, classes, grades
                services.set_targeting(
                    by=request.user,
                    campaign=campaign,
                    unit_ids=[int(v) for v in request.POST.getlist("units")],
                    class_ids=[int(v) for v in request.POST.getlist("classes")],
                    grades=[int(v) for v in request.POST.getlist("grades")],
                )
                messages.success(request, _("The students to screen were saved."))
            elif action == "launch":
                if not request.POST.get("confirmed"):  # first the counts; nothing is launched yet
                    services.check_launchable(campaign)  # a blocked launch says so before any counts
                    return _confirm_launch(request, campaign)
                services.launch_campaign(
                    by=request.user, campaign=campaign, confirmed=request.POST["confirmed"][:64]
                )
                messages.success(request, _("The campaign is launched."))
            elif action == "close":
                services.close_campaign(campaign=campaign)
            else:
                raise ScreeningError(_("Unknown action."))
        except (KeyError, ValueError, LookupError):
            return render(
                request, "screening/error.html", {"message": _("Please check the form.")}, status=400
            )
        except ScreeningError as exc:
            return error_response(exc, request)
        return redirect("screening:campaign", pk=campaign.pk)
    from django.db.models import prefetch_related_objects

    from screening.campaigns.presenting import staff_name

    # The targeted units and classes, read once for the warnings, the targeting form and its counts.
    prefetch_related_objects([campaign], "target_units", "target_classes")
    battery = list(campaign.battery.all())
    unlicensed = services.unlicensed_instruments(campaign)
    return render(
        request,
        "screening/campaign_detail.html",
        {
            "campaign": campaign,
            "battery": [
                (e, staff_name(e.instrument_id, e.instrument_version), _variant_label(e)) for e in battery
            ],
            "instruments": [(i.id, _text(i.title), i.licence) for i in catalogue()],
            "variant_choices": [
                (_text(i.title), [(code, _text(label)) for code, label in i.variants.items()])
                for i in catalogue()
                if i.variants
            ],
            "unlicensed": [staff_name(i) for i in unlicensed],
            "answer_hours_text": services.answer_hours_text(campaign),
            "answer_hours_choices": AnswerHours.choices,
            "no_psych": services.schools_without_psych_teacher(campaign),
            # issue 15: the pages that unblock publishing, linked from the messages that block it
            "may_see_licences": bool(battery_districts(request.user)),
            "suicide_gaps": _battery_gaps(battery),
            **(_targeting_context(campaign) if campaign.status == CampaignStatus.DRAFT else {}),
        },
    )


def _targeting_context(campaign) -> dict:
    """The choices of a draft campaign's targeting form and what is chosen now (issue 20 build 4)."""
    from screening.campaigns.presenting import grade_name

    units, classes = selectors.targeting_choices(campaign)
    chosen_units = {u.pk for u in campaign.target_units.all()}
    chosen_classes = {c.pk for c in campaign.target_classes.all()}
    grades = services.targeted_grades(campaign)
    return {
        "unit_choices": [(u, u.pk in chosen_units) for u in units],
        "class_choices": [
            (school, [(c, c.pk in chosen_classes) for c in group]) for school, group in classes
        ],
        "grade_choices": [(g, grade_name(g), g in grades) for g in range(1, 13)],
        "summary": services.launch_summary(campaign),
    }


def _confirm_launch(request: HttpRequest, campaign) -> HttpResponse:
    """The counts of the launch and one button to confirm them (issue 20 build 4)."""
    from screening.campaigns.presenting import grade_name

    summary = services.launch_summary(campaign)
    return render(
        request,
        "screening/campaign_confirm.html",
        {
            "campaign": campaign,
            "summary": summary,
            "grades": [(grade_name(g), n) for g, n in summary.by_grade.items()],
            "no_psych": services.schools_without_psych_teacher(campaign),
        },
    )


@login_required
@policy(None, "campaign", "what a student of each targeted grade will be shown; no one's personal data")
def campaign_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """预览 — each targeted grade's questionnaires as the student's answering page shows them (issue 20 build 4):
    the student's title (never the clinical one), instructions and items, nothing to answer."""
    _require_organiser(request)
    campaign = selectors.managed_campaign_or_404(request.user, pk)
    from screening.campaigns.presenting import grade_name
    from screening.instruments.scoring import visible_items

    summary = services.launch_summary(campaign) if campaign.status == CampaignStatus.DRAFT else None
    lang = get_language()
    grades = []
    # A draft: the grades its students are in now; a launched campaign: the grades it was set up for.
    wanted = list(summary.by_grade) if summary and summary.students else services.targeted_grades(campaign)
    for grade, entries in selectors.battery_by_grade(campaign, wanted).items():
        parts = []
        for entry in entries:
            inst = services._instrument(entry.instrument_id, entry.instrument_version)
            shown = {i.id for i in visible_items(inst, {})}
            items = [_item_view(i, {}, lang) | {"hidden": i.id not in shown} for i in inst.items]
            parts.append(
                {
                    "title": _text(inst.student_title, lang),
                    "instructions": _text(getattr(inst, "instructions", None), lang),
                    "items": items,
                    "later": sum(1 for i in items if i["hidden"]),
                    "prefix": f"g{grade}-{len(parts) + 1}-",  # ids unique on a page of several grades
                }
            )
        students = summary.by_grade.get(grade, 0) if summary else None
        grades.append({"grade": grade, "name": grade_name(grade), "students": students, "parts": parts})
    return render(
        request,
        "screening/campaign_preview.html",
        {"campaign": campaign, "grades": grades, "summary": summary},
    )


def _variant_label(entry) -> str:
    """The threshold variant by its name ("原版界值 ≥25"), the instrument's default when none was chosen."""
    from screening.instruments import load

    try:
        inst = load(entry.instrument_id, entry.instrument_version)
    except KeyError:
        return ""
    code = entry.variant or inst.default_variant
    return _text(inst.variants.get(code, {})) if code else ""


def _battery_gaps(battery) -> list[str]:
    """Grades of a campaign (all students 10 or older) whose battery has no suicide-risk items."""
    per_grade: dict[int, list[str]] = {}
    for e in battery:
        for g in range(e.grade_from, e.grade_to + 1):
            per_grade.setdefault(g, []).append(e.instrument_id)
    from screening.campaigns.presenting import grade_name

    return [grade_name(g) for g in suicide_risk_gaps(per_grade, range(1, 13))]


# --- consent --------------------------------------------------------------------------------------------------


@policy(Tier.T1, "guardian-link", "a one-time consent link: the child's name and the notice only")
def consent_link(request: HttpRequest, token: str) -> HttpResponse:
    """A guardian's one-time link (or QR code): the token dies on first use; reused or expired is 410."""
    try:
        req = services.consent_request_for_token(token)
    except ScreeningError as exc:
        return error_response(exc, request)
    if request.method == "POST":
        decision = request.POST.get("decision")
        if decision not in {ConsentDecision.CONSENT, ConsentDecision.REFUSE}:
            return render(request, "screening/error.html", {"message": _("Please choose.")}, status=400)
        try:
            services.consent_by_token(token=token, decision=decision)
        except ScreeningError as exc:
            return error_response(exc, request)
        audit.record(actor=None, action="screening.consent", student_id=req.student_id, request=request,
                     detail={"decision": decision, "via": "link"})  # fmt: skip
        return render(request, "screening/consent_done.html", {"decision": decision})
    return render(request, "screening/consent_link.html", {"req": req, "campaign": req.campaign})


@login_required
@policy(Tier.T1, "children", "a guardian's own children's consent requests", held_by({Role.GUARDIAN}))
def guardian_consent(request: HttpRequest) -> HttpResponse:
    if Role.GUARDIAN not in roles_of(request.user):
        raise PermissionDenied
    items = selectors.guardian_consent_items(request.user)
    if request.method == "POST":
        chosen = next((a for a, _s in items if str(a.pk) == request.POST.get("assignment")), None)
        if chosen is None:
            raise Http404
        try:
            services.consent_by_account(
                user=request.user,
                campaign=chosen.campaign,
                student=chosen.student,
                decision=request.POST.get("decision", ""),
            )
        except ScreeningError as exc:
            return error_response(exc, request)
        audit.record(actor=request.user, action="screening.consent", student_id=chosen.student_id,
                     request=request, detail={"decision": request.POST.get("decision"), "via": "account"})  # fmt: skip
        return redirect("screening:guardian_consent")
    for a, _s in items:
        audit.record(
            actor=request.user, action="screening.consent.view", student_id=a.student_id, request=request
        )
    return render(request, "screening/guardian_consent.html", {"items": items})


# --- answering ------------------------------------------------------------------------------------------------


def _require_student(request: HttpRequest, *, light: bool = False) -> None:
    """Only a student answers. A page reads the user's posts anyway (the navigation), so it loads them once here;
    a JSON route (``light``) asks the one light question instead (issue 3, "Speed")."""
    if not (has_role(request.user, Role.STUDENT) if light else Role.STUDENT in roles_of(request.user)):
        raise PermissionDenied


@login_required
@policy(Tier.T1, "self", "the student's own screenings", opens=held_by({Role.STUDENT}))
def my_screenings(request: HttpRequest) -> HttpResponse:
    _require_student(request)
    rows = [
        (a, services.may_start(a), services.student_hours_note(a.campaign))
        for a in selectors.student_assignments(request.user)
    ]
    for a, _ok, _hours in rows:
        audit.record(
            actor=request.user, action="screening.mine", obj=a, student_id=a.student_id, request=request
        )
    return render(request, "screening/my_screenings.html", {"rows": rows})


def _item_view(item, answers: dict, lang: str | None) -> dict:
    return {
        "id": item.id,
        "text": _text(item.text, lang),
        "refusable": item.refusable,
        "options": [{"value": o.value, "label": _text(o.label, lang)} for o in item.response_set],
        "answer": answers.get(item.id),
    }


@login_required
@policy(Tier.T3, "self", "the student's own answers while answering")
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Assent, then one instrument per page with every answer autosaved (answer.js)."""
    _require_student(request)
    try:
        a = services.student_assignment(user=request.user, assignment_id=pk)
        if request.method == "POST":
            services.record_assent(user=request.user, assignment=a, agreed=request.POST.get("agree") == "1")
            return redirect("screening:answer", pk=a.pk)
        if not a.campaign.is_open():
            raise ScreeningError(_("This screening is not open now."), 410)
    except ScreeningError as exc:
        return error_response(exc, request)
    assent = getattr(a, "assent", None)
    if assent is None or not assent.agreed:
        return render(
            request,
            "screening/assent.html",
            {"a": a, "may_start": services.may_start(a), "declined": assent is not None},
        )
    responses = list(a.responses.all())
    waiting = [r for r in responses if r.status == ResponseStatus.OPEN]
    if not waiting:
        return redirect("screening:done", pk=a.pk)
    # issue 15: a questionnaire with critical items opens only in the campaign's answering hours; the others
    # stay answerable meanwhile (the first one that may be opened now is shown).
    current = next((r for r in waiting if services.answerable_now(r, school=a.school)), None)
    if current is None:
        return error_response(services.WindowClosed(a.campaign, a.school), request)
    from screening.instruments.scoring import REFUSED, visible_items

    instrument = services._instrument(current.instrument_id, current.instrument_version)
    answers = services.answers_of(current)
    visible = {i.id for i in visible_items(instrument, answers)}
    lang = get_language()
    items = []
    for item in instrument.items:
        view = _item_view(item, answers, lang)
        view["hidden"] = item.id not in visible
        view["refused"] = answers.get(item.id) == REFUSED
        items.append(view)
    audit.record(actor=request.user, action="screening.answer.view", obj=current, student_id=a.student_id,
                 request=request)  # fmt: skip
    return render(
        request,
        "screening/answer.html",
        {
            "a": a,
            "response": current,
            "title": _text(instrument.student_title, lang),  # never the clinical title (issue 15)
            "instructions": _text(getattr(instrument, "instructions", None), lang),
            "items": items,
            "step": responses.index(current) + 1,
            "steps": len(responses),
            "answered": sum(1 for i in items if i["answer"] is not None or i["refused"]),
        },
    )


def _json_body(request: HttpRequest) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ScreeningError(_("The request is not valid JSON.")) from None
    if not isinstance(body, dict):
        raise ScreeningError(_("The request is not valid JSON."))
    return body


@login_required
@require_POST
@policy(Tier.T3, "self", "autosave of one answer (JSON)")
def save_answer(request: HttpRequest, pk: int) -> JsonResponse:
    """Autosave: idempotent per item; unknown item, out-of-range value or another student's response → 4xx."""
    try:
        _require_student(request, light=True)
        body = _json_body(request)
        item_id = body.get("item")
        if not isinstance(item_id, str):
            raise ScreeningError(_("An item is required."))
        ans = services.save_answer(
            user=request.user,
            response_id=pk,
            item_id=item_id,
            value=body.get("value"),
            seconds=body.get("seconds"),
            instrument_version=body.get("version"),
        )
    except ScreeningError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    visible = services.visible_item_ids(ans.response)
    return JsonResponse({"ok": True, "item": ans.item_id, "visible": visible})


@login_required
@require_POST
@policy(Tier.T3, "self", "submit one questionnaire exactly once (JSON)")
def submit(request: HttpRequest, pk: int) -> JsonResponse:
    try:
        _require_student(request, light=True)
        body = _json_body(request)
        key = body.get("key") or request.headers.get("Idempotency-Key", "")
        outcome = services.submit_response(
            user=request.user, response_id=pk, idempotency_key=str(key), request=request
        )
    except ScreeningError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    a = outcome.response.assignment
    return JsonResponse(
        {
            "ok": True,
            "result": outcome.result.pk,
            "created": outcome.created,
            "acute": outcome.result.acute,
            "next": _next_url(a, outcome),
        }
    )


def _next_url(a: Assignment, outcome) -> str:
    from django.urls import reverse

    if outcome.result.acute:
        return reverse("screening:done", kwargs={"pk": a.pk}) + "?now=1"
    return reverse("screening:answer", kwargs={"pk": a.pk})


@login_required
@policy(Tier.T3, "self", "thank-you and help; the student's own bands only if the campaign allows")
def done(request: HttpRequest, pk: int) -> HttpResponse:
    _require_student(request)
    try:
        a = services.student_assignment(user=request.user, assignment_id=pk)
    except ScreeningError as exc:
        return error_response(exc, request)
    results = selectors.results_of(a)
    acute = any(r.acute for r in results)
    audit.record(
        actor=request.user, action="screening.done.view", obj=a, student_id=a.student_id, request=request
    )
    shown = []
    if a.campaign.student_view != StudentView.NOTHING:
        from screening.campaigns.presenting import student_result_lines

        shown = student_result_lines(results, scores=a.campaign.student_view == StudentView.SCORES)
    finished = not a.responses.filter(status=ResponseStatus.OPEN).exists()
    return render(
        request,
        "screening/done.html",
        # issue 15: the help lines (12356, 12355, the district's own) for every student, whatever they answered.
        {
            "a": a,
            "acute": acute,
            "shown": shown,
            "finished": finished,
            "lines": services.crisis_lines(a.school),
        },
    )


# --- second stage ---------------------------------------------------------------------------------------------


def _require_psych(request: HttpRequest) -> None:
    if Role.PSYCH_TEACHER not in roles_of(request.user):
        raise PermissionDenied


@login_required
@policy(
    Tier.T3,
    "school",
    "second-stage queue: suggested levels of the psych teacher's school or campus",
    opens=held_by({Role.PSYCH_TEACHER}),
)
def review_queue(request: HttpRequest) -> HttpResponse:
    rows = selectors.review_queue(request.user)
    audit.record(actor=request.user, action="screening.review.list", request=request,
                 detail={"ids": [r.assignment.student_id for r in rows]})  # fmt: skip
    return render(request, "screening/review_queue.html", {"rows": rows})


def _review_message(done: services.ReviewOutcome) -> str:
    """Say what the review did (issue 15, build 3): the level confirmed, and the case opened or joined."""
    level = Level(done.review.confirmed_level).label
    said = _("Level confirmed as %(level)s.") % {"level": level}
    if done.case is None:
        if done.review.next_step == NextStep.MONITOR:
            return said + _(" Recorded as monitoring: no case opened; the level is on the student's file.")
        return said + _(" The review is recorded and the matter closed; no case opened.")
    if done.case_created:
        said += _(" A case was opened.")
    else:
        said += _(" The student already had an open case (%(level)s): this concern was added to it.") % {
            "level": done.case.get_level_display()
        }
    if done.crisis_checklist:
        said += _(" The crisis checklist is ready: each step has an owner who has been told.")
    return said


@login_required
@policy(Tier.T3, "student", "one student's results, reasons and second-stage record")
def review(request: HttpRequest, pk: int) -> HttpResponse:
    _require_psych(request)
    a = selectors.reviewable_assignment_or_404(request.user, pk)
    if request.method == "POST":
        talked = datetime_or_none(request.POST.get("talked_at", "")) or None
        if talked is not None and timezone.is_naive(talked):
            talked = timezone.make_aware(talked)
        level, step = request.POST.get("confirmed_level"), request.POST.get("next_step")
        if level not in Level.values or step not in NextStep.values:
            return render(
                request, "screening/error.html", {"message": _("Please check the form.")}, status=400
            )
        try:
            done = services.record_review(
                by=request.user,
                assignment=a,
                talked_at=talked or timezone.now(),
                outcome=request.POST.get("outcome", "")[:5000],
                confirmed_level=level,
                next_step=step,
            )
        except ScreeningError as exc:
            return error_response(exc, request)
        audit.record(actor=request.user, action="screening.review.record", obj=a, student_id=a.student_id,
                     request=request, detail={"level": level, "next_step": step})  # fmt: skip
        messages.success(request, _review_message(done))
        if done.case is not None:  # the next step follows: the case (its referrals when referring)
            target = "care:case_referrals" if step == NextStep.REFER else "care:case_detail"
            return redirect(target, pk=done.case.pk)
        return redirect("screening:review_queue")
    results = selectors.results_of(a)
    audit.record(actor=request.user, action="screening.review.view", obj=a, student_id=a.student_id,
                 request=request)  # fmt: skip
    from screening.campaigns.presenting import result_view

    # The page speaks Chinese: names, bands, thresholds crossed and why a sheet is not valid (issue 15, point 7).
    lang = get_language()
    rows = [result_view(r, variant=r.response.variant, lang=lang) for r in results]
    return render(
        request,
        "screening/review.html",
        {
            "a": a,
            "results": rows,
            "reviews": selectors.reviews_of(a),
            "levels": Level.choices,
            "steps": NextStep.choices,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )


# --- absence --------------------------------------------------------------------------------------------------


ABSENCE_ROLES = {Role.PSYCH_TEACHER, Role.CLASS_TEACHER}


@login_required
@require_POST
@policy(Tier.T1, "student", "mark an assigned student absent (or present again) for a campaign; no answers")
def mark_absent(request: HttpRequest, pk: int) -> HttpResponse:
    """缺席: the psychological teacher or the class teacher records that an assigned student was absent (R5.1);
    the coverage page counts it. Another class's or school's student is 404."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from access.policy import visible_students

    if not roles_of(request.user) & ABSENCE_ROLES:
        raise PermissionDenied
    a = (
        Assignment.objects.select_related("campaign")
        .filter(pk=pk, student__in=visible_students(request.user, Tier.T1))
        .first()
    )
    if a is None:
        raise Http404
    absent = request.POST.get("absent", "1") == "1"
    try:
        services.mark_absent(assignment=a, absent=absent)
    except ScreeningError as exc:
        return error_response(exc, request)
    audit.record(actor=request.user, action="screening.absent", obj=a, student_id=a.student_id, request=request,
                 detail={"absent": absent})  # fmt: skip
    nxt = request.POST.get("next", "")
    # A path on this site only, sent as it is (redirect() would try ":" as a view name: the form fuzz, issue 19).
    if nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(nxt)
    if roles_of(request.user) & COVERAGE_ROLES:
        return redirect("screening:coverage", pk=a.campaign_id)
    return redirect("web:home")


@login_required
@policy(Tier.T1, "class", "a class's roll for a campaign: names, progress and absence; no answers or scores")
def class_roll(request: HttpRequest, pk: int, class_pk: int) -> HttpResponse:
    """名单 — who in the class has answered, and the absent button (R5.1: every eligible student screened)."""
    if not roles_of(request.user) & ABSENCE_ROLES:
        raise PermissionDenied
    roll = selectors.class_roll(request.user, pk, class_pk)
    audit.record(actor=request.user, action="screening.roll.view", obj=roll.campaign, request=request,
                 detail={"class": class_pk, "students": len(roll.rows)})  # fmt: skip
    return render(request, "screening/class_roll.html", {"roll": roll, "class_pk": class_pk})


# --- coverage -------------------------------------------------------------------------------------------------


COVERAGE_ROLES = {
    Role.PSYCH_TEACHER,
    Role.SCHOOL_LEADER,
    Role.DISTRICT_ADMIN,
    Role.DISTRICT_OFFICER,
    Role.DISTRICT_COUNSELOR,
    Role.CITY_ADMIN,
    Role.CITY_OFFICER,
    Role.SUPERVISOR,
}


def _require_coverage(request: HttpRequest) -> None:
    """Coverage is for psychological teachers, leaders, the district and the city (counts only)."""
    if not roles_of(request.user) & COVERAGE_ROLES:
        raise PermissionDenied


@login_required
@policy(
    Tier.T0,
    "school",
    "counts only; cells under XINYU_MIN_CELL suppressed above school level",
    held_by(COVERAGE_ROLES),
)
@use_replica()
def coverage_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.coverage_campaigns(request.user)
    return render(request, "screening/coverage_list.html", {"campaigns": campaigns})


@login_required
@policy(Tier.T0, "school", "counts only; cells under XINYU_MIN_CELL suppressed above school level")
@use_replica()
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    _require_coverage(request)
    campaign = selectors.coverage_campaign_or_404(request.user, pk)
    rows, suppressed = selectors.coverage(request.user, campaign)
    return render(
        request,
        "screening/coverage.html",
        {
            "campaign": campaign,
            "rows": rows,
            "suppressed": suppressed,
            "columns": _columns(),
            "min_cell": _min_cell(),
            "may_roll": bool(roles_of(request.user) & ABSENCE_ROLES),
        },
    )


def _columns() -> list[tuple[str, str]]:
    return [
        ("assigned", _("Assigned")),
        ("consented", _("Consented")),
        ("refused", _("Refused")),
        ("started", _("Started")),
        ("submitted", _("Submitted")),
        ("absent", _("Absent")),
    ]


@login_required
@policy(Tier.T0, "school", "coverage as Excel; same suppression as the page")
@use_replica()
def coverage_export(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook

    _require_coverage(request)
    campaign = selectors.coverage_campaign_or_404(request.user, pk)
    rows, _suppressed = selectors.coverage(request.user, campaign)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="coverage")
    cols = _columns()
    ws.append(
        [safe_cell(str(x)) for x in [_("School"), _("Grade"), _("Class"), *[label for _k, label in cols]]]
    )
    for r in rows:
        ws.append([safe_cell(v) for v in [r.school, r.grade, r.school_class, *r.texts]])
    return xlsx_response(wb, f"coverage-{campaign.pk}.xlsx")


def _min_cell() -> int:
    from django.conf import settings

    return settings.XINYU_MIN_CELL


# --- result distributions (deliverable 9) ---------------------------------------------------------------------


def _level_labels() -> dict[str, str]:
    return {**{str(v): str(label) for v, label in Level.choices}, selectors.INVALID: _("Invalid")}


def _gender_label(code: str) -> str:
    from org.models import Gender

    return str(dict(Gender.choices).get(code, code or "—"))


def _withheld_note() -> str:
    return _("Not published: everyone in this group is in one category.")


def _dist_view(tables: list[selectors.DistTable]) -> list[dict]:
    """Tables with labels for the page, the chart data and the Excel export (counts only, no names)."""
    from screening.campaigns.presenting import staff_name
    from screening.instruments import load

    lang = get_language()
    levels = _level_labels()
    out = []
    for t in tables:
        if t.measure == "confirmed":
            title, labels = _("Confirmed levels (second stage)"), [levels[c] for c in t.columns]
        elif t.measure == "level":
            title, labels = (
                _("%(instrument)s: suggested levels") % {"instrument": staff_name(t.instrument, lang=lang)},
                [levels[c] for c in t.columns],
            )
        else:
            names: dict[str, str] = {}
            score_label = t.measure
            try:
                score = load(t.instrument).score_def(t.measure)
                names = {b.code: _text(b.label, lang) for b in score.bands}
                score_label = _text(score.label, lang) or t.measure
            except KeyError:
                score_label = _("Score")
            title = _("%(instrument)s: bands of %(score)s") % {
                "instrument": staff_name(t.instrument, lang=lang),
                "score": score_label,
            }
            labels = [names.get(c) or c for c in t.columns]
        rows = [
            {
                "school": r.school,
                "grade": r.grade,
                "gender": _gender_label(r.gender),
                "cells": r.cells,
                "total": r.total,
                "texts": r.texts,  # cells then total, a hidden one as "<5" or "×" (access.disclosure)
                "withheld": r.withheld,
            }
            for r in t.rows
        ]
        kind = "band" if t.measure not in {"level", "confirmed"} else "level"
        out.append({"title": title, "labels": labels, "codes": t.columns, "kind": kind, "rows": rows})
    return out


def _chart_data(view: list[dict]) -> list[dict]:
    """Stacked bars per table: one bar per school/grade/gender row, one series per column (null = suppressed)."""
    data = []
    for t in view:
        cats = [f"{r['school']} · {r['grade']} · {r['gender']}" for r in t["rows"]]
        series = [
            {"name": label, "code": t["codes"][i], "data": [r["cells"][i] for r in t["rows"]]}
            for i, label in enumerate(t["labels"])
        ]
        data.append({"title": t["title"], "kind": t["kind"], "categories": cats, "series": series})
    return data


@login_required
@policy(
    Tier.T0, "school", "result distributions: counts only; cells under XINYU_MIN_CELL suppressed above school"
)
@use_replica()
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """结果分布 — bands and levels per school, grade and gender (deliverable 9)."""
    _require_coverage(request)
    campaign = selectors.coverage_campaign_or_404(request.user, pk)
    tables, suppressed = selectors.result_distribution(request.user, campaign)
    view = _dist_view(tables)
    return render(
        request,
        "screening/results.html",
        {
            "campaign": campaign,
            "tables": view,
            "chart_data": _chart_data(view),
            "suppressed": suppressed,
            "min_cell": _min_cell(),
            "withheld_note": _withheld_note(),
        },
    )


@login_required
@policy(Tier.T0, "school", "result distributions as Excel; same suppression as the page")
@use_replica()
def results_export(request: HttpRequest, pk: int) -> HttpResponse:
    from openpyxl import Workbook

    _require_coverage(request)
    campaign = selectors.coverage_campaign_or_404(request.user, pk)
    tables, _suppressed = selectors.result_distribution(request.user, campaign)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="results")
    for t in _dist_view(tables):
        ws.append([safe_cell(str(t["title"]))])
        head = [_("School"), _("Grade"), _("Gender"), *t["labels"], _("Total")]
        ws.append([safe_cell(str(x)) for x in head])
        for r in t["rows"]:
            values = [str(_withheld_note())] if r["withheld"] else r["texts"]
            ws.append([safe_cell(v) for v in [r["school"], r["grade"], r["gender"], *values]])
        ws.append([])
    return xlsx_response(wb, f"results-{campaign.pk}.xlsx")
