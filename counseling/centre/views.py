"""Pages of the district counseling centre and the 24-hour message platform (R4.2). Thin: the rules are in
``services`` (writes) and ``selectors`` (reads)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import roles_of
from access.routes import held_by, policy
from access.tiers import Tier
from care.alerts.levels import RiskLevel
from counseling.centre import labels, selectors, services
from counseling.centre.models import CallerType, CallOutcome, CallTopic, RiskClass, RiskLabel, TermKind
from counseling.centre.services import CentreError
from counseling.rooms.links import links_for
from org.calendar.models import DayKind
from org.calendar.selectors import SchoolCalendar
from org.models import Node, Role
from xinyu.converters import date_or_none, datetime_or_none, id_or_zero
from xinyu.lists import first_rows

STUDENT = {Role.STUDENT}
COUNSELOR = {Role.DISTRICT_COUNSELOR}
ROSTER = {Role.DISTRICT_COUNSELOR, Role.DISTRICT_ADMIN}
CALENDAR = {Role.DISTRICT_COUNSELOR, Role.DISTRICT_ADMIN, Role.CITY_ADMIN}


def _require(request: HttpRequest, roles: set[str]) -> None:
    if not roles_of(request.user) & roles:
        raise PermissionDenied


def _hotlines(request: HttpRequest | None = None, district=None) -> dict:
    """R4.1: the hotlines and the city platform every sender sees — the district's own (``DistrictLinks``,
    kept with the school counseling rooms) or the city-wide defaults (12356, 12355)."""
    if district is None and request is not None:
        student = services.own_student(request.user)
        district = services.district_of(student) if student else None
    links = links_for(district)
    return {
        "imminent": RiskClass.IMMINENT,  # the class whose sender sees the emergency numbers at once (issue 16)
        "hotlines": [(h["number"], h["name"]) for h in links.hotlines],
        "city_platform": links.platform_url,
        "city_platform_name": links.platform_name,
    }


def _refuse(request: HttpRequest, exc: CentreError, template: str, context: dict) -> HttpResponse:
    return render(request, template, {**context, "error": exc.message}, status=exc.status)


def _aware(value: str | None) -> dt.datetime | None:
    parsed = datetime_or_none(value or "")
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


# --- the student's side ---------------------------------------------------------------------------------------


@login_required
@policy(
    Tier.T3,
    "self",
    "a student leaves a message (named or anonymous); the anonymous code is shown once",
    opens=held_by(STUDENT),
)
def leave_message(request: HttpRequest) -> HttpResponse:
    _require(request, STUDENT)
    context = {"submit_key": secrets.token_urlsafe(24), **_hotlines(request)}
    if request.method != "POST":
        return render(request, "counseling/centre_leave.html", context)
    anonymous = request.POST.get("anonymous") == "1"
    try:
        message, code, created = services.leave_message(
            user=request.user,
            body=request.POST.get("body", ""),
            anonymous=anonymous,
            submit_key=request.POST.get("submit_key", ""),
        )
    except CentreError as exc:
        return _refuse(
            request, exc, "counseling/centre_leave.html", {**context, "body": request.POST.get("body", "")}
        )
    response = render(
        request,
        "counseling/centre_sent.html",
        {
            "message": message,
            "code": code,
            "created": created,
            "anonymous": message.anonymous,
            # Nights and holidays with no one on duty: the sender is told and sees the hotlines first (R4.2).
            "nobody_on_duty": not services.on_duty(message.district, timezone.now()),
            **_hotlines(district=message.district),
        },
    )
    response["Cache-Control"] = "no-store"  # the private code must not stay in a cache
    return response


@login_required
@policy(Tier.T3, "self", "the student's own named messages")
def my_messages(request: HttpRequest) -> HttpResponse:
    _require(request, STUDENT)
    rows = list(selectors.my_messages(request.user))
    return render(request, "counseling/centre_my_messages.html", {"rows": rows, **_hotlines(request)})


@login_required
@policy(Tier.T3, "self", "one of the student's own named messages and its replies")
def my_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, STUDENT)
    message = selectors.my_message(request.user, pk)
    replies = list(message.replies.all())
    return render(
        request,
        "counseling/centre_thread.html",
        {"message": message, "replies": replies, **_hotlines(district=message.district)},
    )


@login_required
@policy(Tier.T3, "code", "an anonymous message and its replies, for whoever holds its private code")
def read_with_code(request: HttpRequest) -> HttpResponse:
    _require(request, STUDENT)
    if request.method != "POST":
        return render(request, "counseling/centre_code.html", _hotlines(request))
    try:
        message = services.open_with_code(
            code=request.POST.get("code", ""),
            user=request.user,
            address=audit.client_address(request),
            request=request,
        )
    except CentreError as exc:  # 404 unknown or wrong (the same answer), 429 wait (R4.2 guessing limit)
        response = _refuse(request, exc, "counseling/centre_code.html", _hotlines(request))
        if exc.status == 429:
            response["Retry-After"] = str(exc.retry_after)
        return response
    response = render(
        request,
        "counseling/centre_thread.html",
        {"message": message, "replies": list(message.replies.all()), **_hotlines(district=message.district)},
    )
    response["Cache-Control"] = "no-store"
    return response


# --- the counselor's side -------------------------------------------------------------------------------------


@login_required
@policy(
    Tier.T1,
    "district",
    "the centre's message queue: time, named or anonymous, crisis flag, deadline",
    held_by(COUNSELOR),
)
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    part = first_rows(selectors.message_queue(request.user), request, 200)
    rows = part.rows
    audit.record(
        actor=request.user,
        action="counseling.message.list",
        request=request,
        detail={"n": len(rows), "students": sorted({m.student_id for m in rows if m.student_id})},
    )
    districts = services.counselor_districts(request.user)
    duty = {d.pk: services.is_on_duty(request.user, d, now) for d in districts}
    template = (
        "counseling/_centre_queue.html"
        if request.headers.get("HX-Request")
        else "counseling/centre_queue.html"
    )
    context = {"rows": rows, "rows_part": part, "now": now, "on_duty": any(duty.values())}
    if not request.headers.get("HX-Request"):  # time to first reply per class, the last 30 days (issue 16)
        context["reply_times"] = [
            (d, selectors.reply_times(d, now - dt.timedelta(days=30), now)) for d in districts
        ]
    return render(request, template, context)


@login_required
@policy(Tier.T3, "message", "one message and its replies; a reply by a counselor on duty for its district")
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COUNSELOR)
    message = selectors.message_for_counselor(request.user, pk)
    now = timezone.now()
    context = {
        "message": message,
        "on_duty": services.is_on_duty(request.user, message.district, now),
        "risk_classes": RiskLabel.choices,
        "risk_label": request.POST.get("risk_label") or labels.triage_class(message),
    }
    if request.method == "POST" and request.POST.get("acknowledge"):  # 签收 a crisis: stops its escalation
        try:
            services.acknowledge_message(user=request.user, message=message, request=request)
        except CentreError as exc:
            context["replies"] = list(message.replies.select_related("author"))
            return _refuse(request, exc, "counseling/centre_message.html", context)
        messages.success(request, _("You have taken this message on; now reply to it."))
        return redirect("counseling:centre_message", pk=message.pk)
    if request.method == "POST":
        try:
            services.reply_to_message(
                user=request.user,
                message=message,
                body=request.POST.get("body", ""),
                risk_label=request.POST.get("risk_label", ""),
                request=request,
            )
        except CentreError as exc:
            context["replies"] = list(message.replies.select_related("author"))
            return _refuse(
                request,
                exc,
                "counseling/centre_message.html",
                {**context, "body": request.POST.get("body", "")},
            )
        messages.success(request, _("Your reply was sent."))
        return redirect("counseling:centre_message", pk=message.pk)
    audit.record(
        actor=request.user,
        action="counseling.message.view",
        obj=message,
        student_id=message.student_id,
        request=request,
        detail={"crisis": message.crisis},
    )
    context["replies"] = list(message.replies.select_related("author"))
    return render(request, "counseling/centre_message.html", context)


def _duty_context(request: HttpRequest, start: dt.date) -> dict:
    districts = selectors.roster_districts(request.user)
    days = [start + dt.timedelta(days=i) for i in range(14)]
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(days[0], dt.time.min, tz)
    end = dt.datetime.combine(days[-1] + dt.timedelta(days=1), dt.time.min, tz)
    shifts = list(selectors.shifts(districts, begin, end))
    node = districts[0] if len(districts) == 1 else None
    special = selectors.special_days(days[0], days[-1], node)
    cal = SchoolCalendar(days[0], 14, node)
    rows = []
    for day in days:
        kind = services.day_kind(day, cal)
        opens, closes = services.service_hours(kind)
        lo = dt.datetime.combine(day, dt.time.min, tz)
        hi = lo + dt.timedelta(days=1)
        rows.append(
            {
                "day": day,
                "kind": kind,
                "special": special.get(day),
                "opens": opens,
                "closes": closes,
                "shifts": [s for s in shifts if s.starts_at < hi and s.ends_at > lo],
            }
        )
    admin_of = services.admin_districts(request.user)
    counselors = [(d, services.district_counselors(d)) for d in admin_of]
    return {"rows": rows, "admin_of": admin_of, "counselors": counselors, "start": start}


@login_required
@policy(
    None,
    "duty",
    "the centre's duty roster (who is on duty when); the district administrator edits it",
    held_by(ROSTER),
)
def duty(request: HttpRequest) -> HttpResponse:
    start = date_or_none(request.GET.get("from", "")) or timezone.localdate()
    if request.method == "POST":
        try:
            district_id = int(request.POST.get("district", "0"))
            counselor_id = int(request.POST.get("counselor", "0"))
        except ValueError:
            district_id = counselor_id = 0
        district = next((d for d in services.admin_districts(request.user) if d.pk == district_id), None)
        counselor = None
        if district is not None:
            counselor = next(
                (u for u in services.district_counselors(district) if u.pk == counselor_id), None
            )
        starts_at, ends_at = _aware(request.POST.get("starts_at")), _aware(request.POST.get("ends_at"))
        try:
            if district is None:
                raise CentreError(_("Only the district's administrator keeps its duty roster."), 403)
            if counselor is None:
                raise CentreError(_("Only a counselor of this district's centre can be put on duty."))
            if starts_at is None or ends_at is None:
                raise CentreError(_("Give the start and the end of the shift."))
            services.schedule_shift(
                by=request.user, district=district, counselor=counselor, starts_at=starts_at, ends_at=ends_at
            )
        except CentreError as exc:
            return _refuse(request, exc, "counseling/centre_duty.html", _duty_context(request, start))
        messages.success(request, _("The shift was added to the roster."))
        return redirect("counseling:centre_duty")
    return render(request, "counseling/centre_duty.html", _duty_context(request, start))


@login_required
@require_POST
@policy(None, "duty", "the district administrator removes a shift")
def cancel_duty(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, {Role.DISTRICT_ADMIN})
    districts = services.admin_districts(request.user)
    shift = selectors.shifts(
        districts, dt.datetime.min.replace(tzinfo=dt.UTC), dt.datetime.max.replace(tzinfo=dt.UTC)
    )
    found = shift.filter(pk=pk).first()
    if found is None:
        raise Http404
    services.cancel_shift(by=request.user, shift=found)
    messages.success(request, _("The shift was removed."))
    return redirect("counseling:centre_duty")


def _calendar_node(request: HttpRequest) -> Node | None:
    """The district whose calendar the page shows: the administrator's or counselor's own (one), else national."""
    districts = selectors.roster_districts(request.user)
    return districts[0] if len(districts) == 1 else None


@login_required
@policy(None, "calendar", "public holidays and 调休 working days; administrators edit them")
def calendar(request: HttpRequest) -> HttpResponse:
    _require(request, CALENDAR)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    context = {
        "year": year,
        "may_edit": services.may_edit_calendar(request.user),
        "kinds": [(k.value, k.label) for k in (DayKind.HOLIDAY, DayKind.WORKDAY)],
    }
    if request.method == "POST":
        day = date_or_none(request.POST.get("date", ""))
        try:
            if day is None:
                raise CentreError(_("Give a date."))
            services.edit_calendar_day(
                user=request.user,
                day=day,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
            )
        except CentreError as exc:
            context["days"] = list(
                selectors.special_days(
                    dt.date(year, 1, 1), dt.date(year, 12, 31), _calendar_node(request)
                ).values()
            )
            return _refuse(request, exc, "counseling/centre_calendar.html", context)
        messages.success(request, _("The calendar was updated."))
        return redirect(f"{request.path}?year={day.year}")
    context["days"] = list(
        selectors.special_days(dt.date(year, 1, 1), dt.date(year, 12, 31), _calendar_node(request)).values()
    )
    return render(request, "counseling/centre_calendar.html", context)


def _hotline_context(request: HttpRequest) -> dict:
    return {
        "calls_part": (calls := first_rows(selectors.calls(request.user), request, 100)),
        "calls": calls.rows,
        "districts": services.counselor_districts(request.user),
        "caller_types": CallerType.choices,
        "topics": CallTopic.choices,
        "risks": RiskLevel.choices,
        "outcomes": CallOutcome.choices,
        "submit_key": secrets.token_urlsafe(24),
        "now": timezone.localtime(),
    }


@login_required
@policy(None, "hotline", "the centre's hotline log (no summaries on the list); a counselor records a call")
def hotline(request: HttpRequest) -> HttpResponse:
    _require(request, COUNSELOR)
    context = _hotline_context(request)
    if request.method == "POST":
        p = request.POST
        district = next((d for d in context["districts"] if str(d.pk) == p.get("district")), None)
        started_at = _aware(p.get("started_at"))
        try:
            if district is None:
                raise CentreError(_("Only a counselor of this district's centre logs its calls."), 403)
            if started_at is None:
                raise CentreError(_("Give the time the call started."))
            try:
                minutes = int(p.get("duration_minutes", ""))
            except ValueError:
                raise CentreError(_("The duration must be between 1 and 600 minutes.")) from None
            call, _created = services.record_call(
                user=request.user,
                district=district,
                started_at=started_at,
                duration_minutes=minutes,
                caller_type=p.get("caller_type", ""),
                topic=p.get("topic", ""),
                risk=p.get("risk", ""),
                outcome=p.get("outcome", ""),
                summary=p.get("summary", ""),
                consent_to_hand_over=p.get("consent") == "1",
                submit_key=p.get("submit_key", ""),
            )
        except CentreError as exc:
            return _refuse(request, exc, "counseling/centre_hotline.html", {**context, "form": p})
        messages.success(request, _("The call was logged."))
        return redirect("counseling:centre_call", pk=call.pk)
    return render(request, "counseling/centre_hotline.html", context)


@login_required
@policy(Tier.T3, "hotline", "one call with its summary; a hand-over to the student's school with consent")
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COUNSELOR)
    call = selectors.call_for_counselor(request.user, pk)
    if request.method == "POST":
        try:
            services.hand_over_call(
                user=request.user, call=call, student_no=request.POST.get("student_no", ""), request=request
            )
        except CentreError as exc:
            return _refuse(request, exc, "counseling/centre_call.html", {"call": call})
        messages.success(
            request, _("The call was handed over; the school's psychological teachers were notified.")
        )
        return redirect("counseling:centre_call", pk=call.pk)
    audit.record(
        actor=request.user,
        action="counseling.hotline.view",
        obj=call,
        student_id=call.student_id,
        request=request,
    )
    return render(request, "counseling/centre_call.html", {"call": call})


# --- online counseling (在线咨询): HTMX polls the lines every few seconds ------------------------------------------

CHAT = {Role.STUDENT, Role.DISTRICT_COUNSELOR}


def _online(request: HttpRequest, pk: int):
    _require(request, CHAT)
    side, session = selectors.online_for(request.user, pk)
    if session is None:
        raise Http404
    return side, session


@login_required
@policy(
    Tier.T3,
    "self",
    "a student asks for an online conversation with the district counselor on duty",
    opens=held_by(STUDENT),
)
def chat_start(request: HttpRequest) -> HttpResponse:
    _require(request, STUDENT)
    if request.method == "POST":
        try:
            session, _created = services.request_online(user=request.user)
        except CentreError as exc:
            return _refuse(request, exc, "counseling/centre_chat_start.html", _hotlines(request))
        return redirect("counseling:centre_chat", pk=session.pk)
    current = selectors.my_open_online(request.user)
    return render(request, "counseling/centre_chat_start.html", {"current": current, **_hotlines(request)})


@login_required
@policy(Tier.T3, "online", "one online conversation: its student, or a counselor of its district")
def chat(request: HttpRequest, pk: int) -> HttpResponse:
    side, session = _online(request, pk)
    error = None
    if request.method == "POST":
        try:
            services.say(user=request.user, session=session, body=request.POST.get("body", ""))
        except CentreError as exc:
            error = exc.message
        if request.headers.get("HX-Request"):
            return _lines(request, session, side, error)
        if error is None:
            return redirect("counseling:centre_chat", pk=session.pk)
    if side == "counselor":
        audit.record(
            actor=request.user, action="counseling.online.view", obj=session, student_id=session.student_id,
            request=request,
        )  # fmt: skip
    context = {
        "session": session,
        "side": side,
        "lines": list(session.lines.all()),
        "error": error,
        "on_duty": side == "counselor"
        and services.is_on_duty(request.user, session.district, timezone.now()),
        "risks": RiskLevel.choices,
        **_hotlines(district=session.district),
    }
    return render(request, "counseling/centre_chat.html", context, status=400 if error else 200)


def _lines(request: HttpRequest, session, side: str, error: str | None = None) -> HttpResponse:
    session.refresh_from_db(fields=["status", "counselor"])
    return render(
        request,
        "counseling/_centre_chat_lines.html",
        {"session": session, "side": side, "lines": list(session.lines.all()), "error": error},
    )


@login_required
@policy(Tier.T3, "online", "the lines of one conversation (polled by its page)")
def chat_lines(request: HttpRequest, pk: int) -> HttpResponse:
    side, session = _online(request, pk)
    return _lines(request, session, side)


@login_required
@policy(
    Tier.T1,
    "district",
    "the online conversations of the counselor's district: waiting, in progress, ended",
    opens=held_by(COUNSELOR),
)
def chats(request: HttpRequest) -> HttpResponse:
    _require(request, COUNSELOR)
    part = first_rows(selectors.online_sessions(request.user), request, 100)
    rows = part.rows
    audit.record(
        actor=request.user, action="counseling.online.list", request=request,
        detail={"n": len(rows), "students": sorted({s.student_id for s in rows})},
    )  # fmt: skip
    return render(request, "counseling/centre_chats.html", {"rows": rows, "rows_part": part})


@login_required
@require_POST
@policy(Tier.T1, "online", "a counselor on duty takes a waiting conversation")
def chat_take(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COUNSELOR)
    side, session = _online(request, pk)
    try:
        services.take_online(user=request.user, session=session)
    except CentreError as exc:
        messages.error(request, exc.message)
    return redirect("counseling:centre_chat", pk=session.pk)


@login_required
@require_POST
@policy(Tier.T4, "online", "the counselor who held the conversation ends it with a risk judgement and notes")
def chat_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COUNSELOR)
    side, session = _online(request, pk)
    try:
        services.close_online(
            user=request.user,
            session=session,
            risk=request.POST.get("risk", ""),
            notes=request.POST.get("notes", ""),
        )
    except CentreError as exc:
        messages.error(request, exc.message)
        return redirect("counseling:centre_chat", pk=session.pk)
    messages.success(request, _("The conversation was ended and recorded."))
    return redirect("counseling:centre_chats")


# --- face-to-face visits at the centre (面询预约) -------------------------------------------------------------------


@login_required
@policy(
    Tier.T1,
    "self",
    "a student's own visits to the district centre; request or cancel one",
    opens=held_by(STUDENT),
)
def visit(request: HttpRequest) -> HttpResponse:
    _require(request, STUDENT)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("cancel"):
                found = (
                    selectors.my_visits(request.user)
                    .filter(pk=id_or_zero(request.POST.get("cancel")))
                    .first()
                )
                if found is None:
                    raise Http404
                services.cancel_visit(user=request.user, visit=found)
                messages.success(request, _("The visit was cancelled."))
            else:
                wanted = _aware(request.POST.get("wanted_at"))
                if wanted is None:
                    raise CentreError(_("Choose a date and a time."))
                services.request_visit(user=request.user, wanted_at=wanted)
                messages.success(request, _("Your request was sent; a counselor will confirm it."))
            return redirect("counseling:centre_visit")
        except CentreError as exc:
            error = exc
    context = {
        "rows": list(selectors.my_visits(request.user)),
        "hours": _service_hours(),
        **_hotlines(request),
    }
    if error is not None:
        return _refuse(request, error, "counseling/centre_visit.html", context)
    return render(request, "counseling/centre_visit.html", context)


def _service_hours() -> list[tuple[str, str, str]]:
    labels = {"school_day": _("School days"), "weekend": _("Weekends"), "holiday": _("Public holidays")}
    return [(labels[k], *settings.XINYU_CENTRE_HOURS[k]) for k in ("school_day", "weekend", "holiday")]


@login_required
@policy(
    Tier.T1,
    "district",
    "visits asked of the counselor's district centre: student, time, status",
    opens=held_by(COUNSELOR),
)
def visits(request: HttpRequest) -> HttpResponse:
    _require(request, COUNSELOR)
    part = first_rows(selectors.centre_visits(request.user), request, 200)
    rows = part.rows
    audit.record(
        actor=request.user, action="counseling.visit.list", request=request,
        detail={"n": len(rows), "students": sorted({v.student_id for v in rows})},
    )  # fmt: skip
    return render(request, "counseling/centre_visits.html", {"rows": rows, "rows_part": part})


@login_required
@require_POST
@policy(Tier.T1, "visit", "a counselor of the centre confirms or declines a visit")
def visit_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, COUNSELOR)
    found = selectors.centre_visits(request.user).filter(pk=pk).first()
    if found is None:
        raise Http404
    try:
        services.decide_visit(user=request.user, visit=found, confirm=request.POST.get("confirm") == "1")
    except CentreError as exc:
        messages.error(request, exc.message)
    return redirect("counseling:centre_visits")


# --- the district's own triage terms (issue 16 build 2) ---------------------------------------------------------


def _term_fields(request: HttpRequest) -> dict:
    post = request.POST
    return {
        "form": post.get("form", ""),
        "meaning": post.get("meaning", ""),
        "imminent": post.get("imminent") == "on",
        "source": post.get("source", ""),
        "seen_on": date_or_none(post.get("seen_on", "")),
    }


def _term_district(request: HttpRequest, districts: list):
    """The district whose terms the page shows: ``?district=`` among the user's, else their first."""
    wanted = request.POST.get("district") or request.GET.get("district") or ""
    if not wanted:
        return districts[0] if districts else None
    found = next((d for d in districts if str(d.pk) == wanted), None)
    if found is None:
        raise Http404  # another district's terms: as if they did not exist
    return found


@login_required
@policy(
    None,
    "triage terms",
    "a district's own slang and lexicon phrases for the message triage, previewed, audited",
    opens=held_by(ROSTER),
)
def triage_terms(request: HttpRequest) -> HttpResponse:
    _require(request, ROSTER)
    districts = services.term_districts(request.user)
    district = _term_district(request, districts)
    if district is None:
        raise PermissionDenied
    context = {
        "districts": districts,
        "district": district,
        "kinds": [c for c in TermKind.choices if c[0] != TermKind.OFF],
        "shipped": services.shipped_entries(),
        "today": timezone.localdate(),
        "fields": {"kind": TermKind.SLANG, "seen_on": timezone.localdate()},
    }
    if request.method == "POST":
        fields = {"kind": request.POST.get("kind", ""), **_term_fields(request)}
        context["fields"] = fields
        try:
            if request.POST.get("action") == "save":
                term, _preview = services.add_term(
                    by=request.user, district=district, request=request, **fields
                )
                messages.success(
                    request, _("The entry was added; this district's triage reads it from now on.")
                )
                return redirect("counseling:centre_term", pk=term.pk)
            context["preview"] = services.preview_term(district=district, **fields)
            services.refuse_if_it_flags_controls(context["preview"])
        except CentreError as exc:
            context["terms"] = list(selectors.triage_terms(district))
            return _refuse(request, exc, "counseling/centre_terms.html", context)
    context["terms"] = list(selectors.triage_terms(district))
    return render(request, "counseling/centre_terms.html", context)


@login_required
@policy(None, "triage terms", "one of a district's triage terms: edit it, see its history")
def triage_term(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, ROSTER)
    term = selectors.triage_term(request.user, pk)
    context = {
        "term": term,
        "fields": term.snapshot() | {"seen_on": term.seen_on},
        "today": timezone.localdate(),
    }
    if request.method == "POST":
        fields = _term_fields(request)
        context["fields"] = fields
        try:
            if request.POST.get("action") == "save":
                services.edit_term(by=request.user, term=term, request=request, **fields)
                messages.success(request, _("The entry was changed."))
                return redirect("counseling:centre_term", pk=term.pk)
            context["preview"] = services.preview_term(
                district=term.district, kind=term.kind, exclude_pk=term.pk, **fields
            )
            services.refuse_if_it_flags_controls(context["preview"])
        except CentreError as exc:
            context["history"] = list(selectors.term_history(term))
            return _refuse(request, exc, "counseling/centre_term.html", context)
    context["history"] = list(selectors.term_history(term))
    return render(request, "counseling/centre_term.html", context)


@login_required
@require_POST
@policy(None, "triage terms", "retire a district's triage term (the undo; it and its history stay)")
def retire_triage_term(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, ROSTER)
    term = selectors.triage_term(request.user, pk)
    services.retire_term(by=request.user, term=term, request=request)
    messages.success(request, _("The entry was retired; this district's triage no longer reads it."))
    return redirect("counseling:centre_term", pk=term.pk)
