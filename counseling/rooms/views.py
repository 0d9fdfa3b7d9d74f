"""Pages of the school counseling room (心理辅导室, R4.3): booking from a phone, the counselor's desk, rooms and
the duty roster, session records, workload (R1.3), links out (R4.1).

Thin: reads through ``counseling.rooms.selectors``, writes through ``counseling.rooms.services``. A page the
role never has is 403; an object outside one's scope 404; a refused input a clear message and its status.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access import audit
from access.policy import get_student_or_404, posts_of
from access.routes import held_by, policy
from access.tiers import Tier
from care.alerts.levels import RiskLevel
from counseling.rooms import links, selectors, services, workload
from counseling.rooms.models import NextStep, SessionKind, Slot, Topic, Weekday
from counseling.rooms.services import TOLD, CounselingError
from org.models import Role
from xinyu.converters import id_or_zero
from xinyu.lists import first_rows


def _fail(request: HttpRequest, exc: CounselingError) -> HttpResponse:
    return render(request, "counseling/room_error.html", {"message": exc.message}, status=exc.status)


def _bad(request: HttpRequest) -> HttpResponse:
    return _fail(request, CounselingError(_("Please check the form.")))


def _links(request: HttpRequest):
    node = next((p.node for p in posts_of(request.user)), None)
    return links.links_for(node)


# --- booking (students, and teachers or guardians on a student's behalf) -------------------------------------


@login_required
@policy(
    Tier.T1,
    "student",
    "free slots of the student's own campus; one's own appointments",
    opens=selectors.may_book,
)
def book(request: HttpRequest) -> HttpResponse:
    if not selectors.may_book(request.user):
        raise PermissionDenied
    everyone = selectors.booking_students(request.user)
    students_part = first_rows(everyone, request, 500)
    students = students_part.rows
    chosen = students[0] if students_part.total == 1 else None
    wanted = request.POST.get("student") or request.GET.get("student")
    if wanted:
        chosen = everyone.filter(pk=id_or_zero(wanted)).first()
        if chosen is None:
            raise Http404
    if request.method == "POST":
        slot = Slot.objects.select_related("room").filter(pk=id_or_zero(request.POST.get("slot"))).first()
        if chosen is None or slot is None:
            return _bad(request)
        try:
            services.book(
                by=request.user, student=chosen, slot=slot, concern=request.POST.get("concern", ""),
                key=request.POST.get("key", ""),
            )  # fmt: skip
        except CounselingError as exc:
            return _fail(request, exc)
        messages.success(request, _("Your request is sent. The psychological teacher will confirm it."))
        return redirect("counseling:room_book")
    slots = list(selectors.free_slots(chosen)) if chosen else []
    mine_part = first_rows(selectors.my_appointments(request.user), request, 30)
    mine = mine_part.rows
    if chosen is not None and chosen.user_id != request.user.pk:
        audit.record(actor=request.user, action="counseling.booking.view", student_id=chosen.pk, request=request,
                     detail={"tier": 1, "slots": len(slots)})  # fmt: skip
    return render(
        request,
        "counseling/room_book.html",
        {
            "students": students, "students_part": students_part, "chosen": chosen, "slots": slots,
            "mine": mine, "mine_part": mine_part, "key": secrets.token_hex(8),
            "links": _links(request),
        },
    )  # fmt: skip


@login_required
@require_POST
@policy(Tier.T1, "student", "cancel one's own (or one's child's) appointment")
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_book(request.user):
        raise PermissionDenied
    appt = selectors.my_appointment_or_404(request.user, pk)
    try:
        services.cancel(by=request.user, appointment=appt)
    except CounselingError as exc:
        return _fail(request, exc)
    messages.success(request, _("The appointment is cancelled."))
    return redirect("counseling:room_book")


# --- the counselor's desk -----------------------------------------------------------------------------------------


def _require_psych(request: HttpRequest) -> None:
    if Role.PSYCH_TEACHER not in {p.role for p in posts_of(request.user)}:
        raise PermissionDenied


@login_required
@policy(
    Tier.T3,
    "school",
    "requests in the counselor's rooms: names, times, what the student wants to talk about",
    opens=held_by({Role.PSYCH_TEACHER}),
)
def desk(request: HttpRequest) -> HttpResponse:
    _require_psych(request)
    rows = list(selectors.desk_appointments(request.user))
    audit.record(actor=request.user, action="counseling.desk.view", request=request,
                 detail={"tier": 3, "ids": [a.student_id for a in rows]})  # fmt: skip
    rooms = list(selectors.counseled_rooms(request.user))
    free = {r.pk: list(selectors.free_slots_in(r)[:12]) for r in rooms}
    for a in rows:
        a.free_slots = free.get(a.room_id, [])
    return render(
        request, "counseling/room_desk.html",
        {"rows": rows, "rooms": rooms, "now": timezone.localtime(), "links": _links(request)},
    )  # fmt: skip


@login_required
@require_POST
@policy(Tier.T1, "student", "confirm, decline, reschedule or cancel an appointment in one's room")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_psych(request)
    appt = selectors.desk_appointment_or_404(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "confirm":
            services.confirm(by=request.user, appointment=appt)
        elif action == "decline":
            services.decline(by=request.user, appointment=appt)
        elif action == "cancel":
            services.cancel(by=request.user, appointment=appt)
        elif action == "reschedule":
            slot = Slot.objects.filter(pk=id_or_zero(request.POST.get("slot")), room=appt.room).first()
            if slot is None:
                return _bad(request)
            services.reschedule(by=request.user, appointment=appt, slot=slot)
        else:
            return _bad(request)
    except CounselingError as exc:
        return _fail(request, exc)
    return redirect("counseling:room_desk")


@login_required
@require_POST
@policy(Tier.T3, "student", "record a walk-in (来访) in one's room, by the student number (学籍号)")
def walk_in(request: HttpRequest, pk: int) -> HttpResponse:
    _require_psych(request)
    room = selectors.counseled_rooms(request.user).filter(pk=pk).first()
    if room is None:
        raise Http404
    student = selectors.student_by_number(request.user, request.POST.get("student_no", ""))
    if student is None:
        return _fail(request, CounselingError(_("No student of yours has this student number.")))
    try:
        minutes = int(request.POST.get("minutes") or 0)
        starts = parse_datetime(request.POST.get("starts_at", ""))
    except ValueError:
        return _bad(request)
    if starts is None:
        return _bad(request)
    starts = timezone.make_aware(starts) if timezone.is_naive(starts) else starts
    try:
        appt = services.record_walk_in(
            by=request.user, student=student, room=room, starts_at=starts, minutes=minutes
        )
    except CounselingError as exc:
        return _fail(request, exc)
    return redirect(f"{_url('counseling:room_session_new')}?appointment={appt.pk}")


def _url(name: str, *args) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


# --- rooms and the duty roster --------------------------------------------------------------------------------------


@login_required
@policy(None, "school", "rooms of one's school; no one's personal data", opens=selectors.may_keep_rooms)
def rooms(request: HttpRequest) -> HttpResponse:
    campuses = selectors.keeper_campuses(request.user)
    if request.method == "POST":
        campus = next((c for c in campuses if str(c.pk) == request.POST.get("campus")), None)
        if campus is None:
            return _bad(request)
        try:
            room = services.create_room(
                by=request.user, campus=campus, name=request.POST.get("name", ""),
                location=request.POST.get("location", ""), slot_minutes=int(request.POST.get("slot_minutes") or 40),
            )  # fmt: skip
        except ValueError:
            return _bad(request)
        except CounselingError as exc:
            return _fail(request, exc)
        return redirect("counseling:room_room", pk=room.pk)
    return render(
        request, "counseling/room_rooms.html",
        {"rooms": selectors.kept_rooms(request.user), "campuses": campuses},
    )  # fmt: skip


@login_required
@policy(None, "school", "a room's opening hours and duty roster (staff names); no student's data")
def room(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_keep_rooms(request.user):
        raise PermissionDenied
    r = selectors.room_or_404(request.user, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "hours":
                opens, closes = parse_time(request.POST["opens"]), parse_time(request.POST["closes"])
                if opens is None or closes is None:
                    return _bad(request)
                services.add_opening_hours(
                    by=request.user, room=r, weekday=int(request.POST["weekday"]), opens=opens, closes=closes
                )
            elif action == "duty":
                counselor = selectors.counselors_of(r).filter(pk=request.POST.get("counselor") or 0).first()
                starts, ends = parse_time(request.POST["starts"]), parse_time(request.POST["ends"])
                valid_from = parse_date(request.POST.get("valid_from") or "") or timezone.localdate()
                valid_to = parse_date(request.POST.get("valid_to") or "")
                if counselor is None or starts is None or ends is None:
                    return _bad(request)
                services.add_duty_shift(
                    by=request.user, room=r, counselor=counselor, weekday=int(request.POST["weekday"]),
                    starts=starts, ends=ends, valid_from=valid_from, valid_to=valid_to,
                )  # fmt: skip
                messages.success(request, _("The shift is on the roster; its slots are open for booking."))
            elif action == "end_duty":
                shift = r.duty_shifts.filter(pk=request.POST.get("shift") or 0).first()
                last_day = parse_date(request.POST.get("last_day") or "")
                if shift is None or last_day is None:
                    return _bad(request)
                services.end_duty_shift(by=request.user, shift=shift, last_day=last_day)
            elif action == "slots":
                n = services.generate_slots(room=r, start=timezone.localdate(), days=services.SLOT_WEEKS * 7)
                messages.success(request, _("%(n)d new slots.") % {"n": n})
            else:
                return _bad(request)
        except (KeyError, ValueError):
            return _bad(request)
        except CounselingError as exc:
            return _fail(request, exc)
        return redirect("counseling:room_room", pk=r.pk)
    return render(
        request, "counseling/room_room.html",
        {
            "room": r, "hours": selectors.opening_hours(r), "roster": selectors.duty_roster(r),
            "counselors": selectors.counselors_of(r), "weekdays": Weekday.choices,
            "free": selectors.free_slots_in(r).count(), "today": timezone.localdate(),
        },
    )  # fmt: skip


# --- session records ----------------------------------------------------------------------------------------------


def _require_sessions(request: HttpRequest) -> None:
    if not selectors.may_see_sessions(request.user):
        raise PermissionDenied


@login_required
@policy(Tier.T4, "student", "the counselor writes a session record (their own notes)")
def session_new(request: HttpRequest) -> HttpResponse:
    _require_psych(request)
    data = request.POST if request.method == "POST" else request.GET
    appointment, student = None, None
    if data.get("appointment"):
        appointment = selectors.desk_appointment_or_404(request.user, int(data["appointment"]))
        student = appointment.student
    elif data.get("student"):
        try:
            student = get_student_or_404(request.user, int(data["student"]), Tier.T3)
        except ValueError:
            raise Http404 from None
    if request.method == "POST":
        try:
            started = parse_datetime(data.get("started_at", ""))
            if started is None:
                return _bad(request)
            started = timezone.make_aware(started) if timezone.is_naive(started) else started
            kind = data.get("kind", "")
            school = None
            if kind == SessionKind.GROUP and student is None:
                school = next((p.node for p in posts_of(request.user) if p.role == Role.PSYCH_TEACHER), None)
                school = school.parent if school and school.kind == "campus" else school
            session = services.record_session(
                by=request.user, student=student, appointment=appointment, school=school, started_at=started,
                duration_minutes=int(data.get("duration_minutes") or 0), kind=kind, topics=data.getlist("topics"),
                risk_level=data.get("risk_level", ""), next_step=data.get("next_step", ""),
                notes=data.get("notes", ""), group_size=int(data.get("group_size") or 1), key=data.get("key", ""),
            )  # fmt: skip
        except ValueError:
            return _bad(request)
        except CounselingError as exc:
            return _fail(request, exc)
        messages.success(request, _("The session is recorded."))
        return redirect("counseling:room_session", pk=session.pk)
    if student is not None:
        audit.record(actor=request.user, action="counseling.session.form", student_id=student.pk, request=request,
                     detail={"tier": 1})  # fmt: skip
    start = appointment.starts_at if appointment else timezone.now()
    minutes = int((appointment.ends_at - appointment.starts_at).total_seconds() // 60) if appointment else 40
    return render(
        request, "counseling/room_session_form.html",
        {
            "appointment": appointment, "student": student, "kinds": SessionKind.choices, "topics": Topic.choices,
            "levels": RiskLevel.choices, "next_steps": NextStep.choices, "key": secrets.token_hex(8),
            "started": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"), "minutes": minutes,
        },
    )  # fmt: skip


@login_required
@policy(Tier.T4, "student", "a session record; the notes only to their author (break-glass aside)")
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sessions(request)
    session = selectors.session_or_404(request.user, pk)
    audit.record(actor=request.user, action="counseling.session.view", obj=session, student_id=session.student_id,
                 request=request, detail={"tier": 3})  # fmt: skip
    is_author = session.counselor_id == request.user.pk
    notes = selectors.session_notes(request.user, session, request) if is_author else None
    topic_labels = dict(Topic.choices)
    return render(
        request, "counseling/room_session.html",
        {
            "session": session, "is_author": is_author, "notes": notes,
            "topics": [topic_labels.get(t, t) for t in session.topics], "told": TOLD,
            "breaks": list(session.breaks.select_related("by")) if is_author else [],
        },
    )  # fmt: skip


@login_required
@policy(Tier.T4, "student", "the notes of a session: the author only; refusals audited")
def session_notes(request: HttpRequest, pk: int) -> HttpResponse:
    if not selectors.may_see_sessions(request.user):
        selectors.audit_refused_notes(request.user, pk, request)
        raise PermissionDenied
    try:
        session = selectors.session_or_404(request.user, pk)
    except Http404:
        selectors.audit_refused_notes(request.user, pk, request)  # outside one's scope: 404, still recorded
        raise
    # Not the author and no break-glass grant: PermissionDenied, audited.
    notes = selectors.session_notes(request.user, session, request)
    return render(request, "counseling/room_notes.html", {"session": session, "notes": notes})


@login_required
@require_POST
@policy(Tier.T4, "student", "the author breaks confidentiality: the crisis protocol")
def session_break(request: HttpRequest, pk: int) -> HttpResponse:
    _require_sessions(request)
    session = selectors.session_or_404(request.user, pk)
    try:
        services.break_confidentiality(
            by=request.user, session=session, harm_to=request.POST.get("harm_to", ""),
            reason=request.POST.get("reason", ""), told=request.POST.getlist("told"),
        )  # fmt: skip
    except CounselingError as exc:
        return _fail(request, exc)
    messages.success(
        request, _("Recorded. The crisis protocol has started: a red alert is raised and the case is red.")
    )
    return redirect("counseling:room_session", pk=session.pk)


# --- workload (R1.3) ----------------------------------------------------------------------------------------------


def _period(request: HttpRequest) -> workload.Period:
    try:
        return workload.period_from(request.GET.get("month", ""), request.GET.get("semester", ""))
    except ValueError:
        raise Http404 from None


@login_required
@policy(None, "staff", "psychological teachers' workload figures; no student's data")
def workload_page(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_workload(request.user):
        raise PermissionDenied
    period = _period(request)
    table = workload.table(request.user, period)
    return render(
        request, "counseling/room_workload.html",
        {"table": table, "period": period, "semesters": workload.semesters(), "month": request.GET.get("month", "")},
    )  # fmt: skip


@login_required
@policy(None, "staff", "psychological teachers' workload as Excel")
def workload_export(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_workload(request.user):
        raise PermissionDenied
    period = _period(request)
    audit.record(actor=request.user, action="counseling.workload.export", request=request,
                 detail={"start": period.start.isoformat(), "end": period.end.isoformat()})  # fmt: skip
    return workload.export(workload.table(request.user, period), period)


# --- links out (R4.1) ---------------------------------------------------------------------------------------------


def parse_hotlines(text: str) -> list[dict]:
    """ "12355 青少年心理咨询热线" per line → [{"number": "12355", "name": "青少年心理咨询热线"}]."""
    out = []
    for line in text.splitlines():
        number, _sep, name = line.strip().partition(" ")
        if number:
            out.append({"number": number[:20], "name": name.strip()[:60]})
    return out


@login_required
@policy(
    None,
    "district",
    "a district administrator sets the district's links out; no one's personal data",
    opens=held_by({Role.DISTRICT_ADMIN}),
)
def district_links(request: HttpRequest) -> HttpResponse:
    districts = [p.node for p in posts_of(request.user) if p.role == Role.DISTRICT_ADMIN]
    if not districts:
        raise PermissionDenied
    district = districts[0]
    if request.method == "POST":
        try:
            services.set_district_links(
                by=request.user, district=district, platform_name=request.POST.get("platform_name", ""),
                platform_url=request.POST.get("platform_url", ""),
                hotlines=parse_hotlines(request.POST.get("hotlines", "")),
            )  # fmt: skip
        except CounselingError as exc:
            return _fail(request, exc)
        messages.success(request, _("Saved. Students of the district see these links."))
        return redirect("counseling:room_links")
    current = links.links_for(district)
    return render(
        request, "counseling/room_links.html",
        {
            "district": district, "links": current,
            "hotlines_text": "\n".join(f"{h['number']} {h['name']}" for h in current.hotlines),
        },
    )  # fmt: skip


@login_required
@policy(None, "public", "the online counseling platform and the hotlines")
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "counseling/room_help.html", {"links": _links(request)})
