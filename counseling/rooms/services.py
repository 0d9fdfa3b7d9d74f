"""Writes of the school counseling room (心理辅导室, R4.3): rooms, opening hours, the duty roster (值班), slots,
appointments (预约), walk-ins, reminders, session records (辅导记录) and breaks of confidentiality.

Keyword-only, policy first, one transaction each, audited. A refusal a user can cause raises
:class:`CounselingError` (a clear message and an HTTP status); refusals of the rules the issue names (a booking
outside opening hours or in another school's room, an overlapping duty shift) are audited too, outside the
transaction that changed nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import audit
from access.policy import can_view_student, posts_of, visible_students
from access.tiers import Tier
from care.alerts.levels import ALERT_LEVELS, RiskLevel
from care.alerts.services import confirm_level, notify, raise_alert
from care.cases.services import open_or_update_case
from counseling.rooms import selectors
from counseling.rooms.models import (
    Appointment,
    AppointmentStatus,
    ConfidentialityBreak,
    CounselingRoom,
    CounselingSession,
    DistrictLinks,
    NextStep,
    OpeningHours,
    RoomDutyShift,
    SessionKind,
    Slot,
    Topic,
)
from org.calendar.selectors import SchoolCalendar
from org.models import Node, NodeKind, Role, Student, User

SLOT_WEEKS = 4  # slots are generated this far ahead when the roster changes
REMIND_WITHIN = dt.timedelta(hours=24)
TOLD = {
    "guardian": gettext_lazy("Guardian"),
    "school_leader": gettext_lazy("School leader"),
    "class_teacher": gettext_lazy("Class teacher"),
    "district_centre": gettext_lazy("District counseling centre"),
    "police": gettext_lazy("Police"),
    "hospital": gettext_lazy("Hospital"),
}


class CounselingError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _refuse(
    *, by: User, action: str, why: str, message: str, obj=None, student_id=None, status=400, **detail
):
    """Audit a refused attempt (nothing was written) and raise the user's message."""
    audit.record(actor=by, action=action, obj=obj, student_id=student_id, detail={"why": why, **detail})
    raise CounselingError(message, status)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _overlap(a_start: dt.time, a_end: dt.time, b_start: dt.time, b_end: dt.time) -> bool:
    return a_start < b_end and b_start < a_end


# --- rooms and opening hours -----------------------------------------------------------------------------------


def _require_keeper(by: User, campus: Node) -> None:
    if not any(p.role in selectors.ROOM_KEEPERS and campus.is_within(p.node) for p in posts_of(by)):
        raise PermissionDenied


def create_room(
    *, by: User, campus: Node, name: str, location: str = "", slot_minutes: int = 40
) -> CounselingRoom:
    """设立心理辅导室 — a room on a campus, by the school's psychological teacher or leader."""
    if campus.kind != NodeKind.CAMPUS:
        raise CounselingError(_("Choose a campus."))
    _require_keeper(by, campus)
    name = name.strip()
    if not name:
        raise CounselingError(_("Give the room a name."))
    if not 10 <= slot_minutes <= 180:
        raise CounselingError(_("An appointment lasts between 10 and 180 minutes."))
    with transaction.atomic():
        if CounselingRoom.objects.filter(campus=campus, name=name).exists():
            raise CounselingError(_("This campus already has a room of that name."))
        room = CounselingRoom.objects.create(
            school_id=campus.parent_id, campus=campus, name=name[:60], location=location[:100],
            slot_minutes=slot_minutes,
        )  # fmt: skip
        audit.record(actor=by, action="counseling.room.create", obj=room, detail={"campus": campus.pk})
    return room


def add_opening_hours(*, by: User, room: CounselingRoom, weekday: int, opens: dt.time, closes: dt.time):
    """开放时间 — add an opening period; one that overlaps another of the same day is refused."""
    _require_keeper(by, room.campus)
    if weekday not in range(7):
        raise CounselingError(_("Choose a weekday."))
    if closes <= opens:
        raise CounselingError(_("The room must close after it opens."))
    with transaction.atomic():
        CounselingRoom.objects.select_for_update().filter(pk=room.pk).first()
        for other in room.opening_hours.filter(weekday=weekday):
            if _overlap(opens, closes, other.opens, other.closes):
                raise CounselingError(_("This overlaps the room's opening hours %(h)s.") % {"h": other})
        hours = OpeningHours.objects.create(room=room, weekday=weekday, opens=opens, closes=closes)
        audit.record(actor=by, action="counseling.room.hours", obj=room, detail={"weekday": weekday})
    return hours


# --- duty roster and slots ----------------------------------------------------------------------------------------


def add_duty_shift(
    *,
    by: User,
    room: CounselingRoom,
    counselor: User,
    weekday: int,
    starts: dt.time,
    ends: dt.time,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    now: dt.datetime | None = None,
) -> RoomDutyShift:
    """值班 — put a psychological teacher on the weekly roster. Refused, audited and nothing changed when the
    shift lies outside the room's opening hours or overlaps another shift of the same teacher (in any room) or
    of the same room. Slots for the next weeks are generated at once."""
    _require_keeper(by, room.campus)
    now = now or timezone.now()
    if not selectors.counselors_of(room).filter(pk=counselor.pk).exists():
        raise CounselingError(_("Only a psychological teacher of this school or campus can be on duty here."))
    if weekday not in range(7) or ends <= starts:
        raise CounselingError(_("Check the weekday and the times: the shift must end after it starts."))
    if valid_to is not None and valid_to < valid_from:
        raise CounselingError(_("The roster cannot end before it starts."))
    detail = {"room": room.pk, "counselor": counselor.pk, "weekday": weekday}
    with transaction.atomic():
        # Serialise roster changes of the room and of the teacher: the rows are the locks.
        CounselingRoom.objects.select_for_update().filter(pk=room.pk).first()
        User.objects.select_for_update().filter(pk=counselor.pk).first()
        inside = room.opening_hours.filter(weekday=weekday, opens__lte=starts, closes__gte=ends).exists()
        dates = Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
        if valid_to is not None:
            dates &= Q(valid_from__lte=valid_to)
        clash = (
            RoomDutyShift.objects.filter(dates, weekday=weekday, starts__lt=ends, ends__gt=starts)
            .filter(Q(counselor=counselor) | Q(room=room))
            .select_related("room", "counselor")
            .first()
        )
        if inside and clash is None:
            shift = RoomDutyShift.objects.create(
                room=room, counselor=counselor, weekday=weekday, starts=starts, ends=ends,
                valid_from=valid_from, valid_to=valid_to, created_by=by,
            )  # fmt: skip
            audit.record(actor=by, action="counseling.duty.add", obj=shift, detail=detail)
            today = timezone.localdate(now)
            generate_slots(room=room, start=max(today, valid_from), days=SLOT_WEEKS * 7, now=now)
            return shift
    if not inside:
        _refuse(
            by=by, action="counseling.duty.refused", why="outside_hours", obj=room, **detail,
            message=_("The shift lies outside the room's opening hours on that day."),
        )  # fmt: skip
    _refuse(
        by=by, action="counseling.duty.refused", why="overlap", obj=room, **detail,
        message=_("This shift overlaps %(who)s's duty %(when)s in %(room)s.")
        % {"who": clash.counselor, "when": clash, "room": clash.room},
    )  # fmt: skip
    raise AssertionError("unreachable")


def end_duty_shift(
    *, by: User, shift: RoomDutyShift, last_day: dt.date, now: dt.datetime | None = None
) -> int:
    """End a shift after ``last_day``; its free slots after that day are withdrawn (booked ones stay, for the
    teacher to reschedule). Returns the slots withdrawn."""
    _require_keeper(by, shift.room.campus)
    now = now or timezone.now()
    with transaction.atomic():
        shift.valid_to = max(last_day, shift.valid_from)
        shift.save(update_fields=["valid_to"])
        cut = timezone.make_aware(dt.datetime.combine(shift.valid_to + dt.timedelta(days=1), dt.time.min))
        free = selectors._free(Slot.objects.filter(shift=shift, starts_at__gte=max(cut, now)))
        n = Slot.objects.filter(pk__in=list(free.values_list("pk", flat=True))).update(withdrawn=True)
        audit.record(actor=by, action="counseling.duty.end", obj=shift, detail={"withdrawn": n})
    return n


def generate_slots(*, room: CounselingRoom, start: dt.date, days: int, now: dt.datetime | None = None) -> int:
    """预约时段 — slots of ``room.slot_minutes`` from every shift of the roster, day by day from ``start``, public
    holidays skipped; idempotent (a slot already there is kept). Returns how many were added."""
    now = now or timezone.now()
    shifts = list(room.duty_shifts.all())
    step = dt.timedelta(minutes=room.slot_minutes)
    # No slots on holidays: the school's calendar (national holidays, its district's and its own days off).
    calendar = SchoolCalendar(start, days, room.school)
    holidays = calendar.holidays(start, start + dt.timedelta(days=days))
    rows = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day in holidays:
            continue
        for s in shifts:
            if s.weekday != day.weekday() or day < s.valid_from or (s.valid_to and day > s.valid_to):
                continue
            at = timezone.make_aware(dt.datetime.combine(day, s.starts))
            end = timezone.make_aware(dt.datetime.combine(day, s.ends))
            while at + step <= end:
                if at > now:
                    rows.append(
                        Slot(room=room, counselor_id=s.counselor_id, shift=s, starts_at=at, ends_at=at + step)
                    )
                at += step
    before = Slot.objects.filter(room=room).count()
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    return Slot.objects.filter(room=room).count() - before


def open_coming_slots(*, now: dt.datetime | None = None) -> int:
    """Keep every room in use bookable ``SLOT_WEEKS`` ahead as the weeks pass (run daily with the reminders;
    idempotent). Returns the slots added."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    added = 0
    for room in CounselingRoom.objects.filter(is_active=True, duty_shifts__isnull=False).distinct():
        added += generate_slots(room=room, start=today, days=SLOT_WEEKS * 7, now=now)
    return added


# --- links out (R4.1) -------------------------------------------------------------------------------------------


def set_district_links(
    *, by: User, district: Node, platform_name: str, platform_url: str, hotlines: list[dict]
) -> DistrictLinks:
    """A district administrator sets the district's online platform and hotlines shown on students' pages."""
    if not any(p.role == Role.DISTRICT_ADMIN and p.node_id == district.pk for p in posts_of(by)):
        raise PermissionDenied
    platform_name = platform_name.strip()[:100]
    platform_url = platform_url.strip()[:200]
    errors = []
    if not platform_name:
        errors.append(_("Name the online counseling platform."))
    if platform_url and not platform_url.startswith(("https://", "http://")):
        errors.append(_("The platform address starts with https://."))
    if not hotlines or any(not h["number"] or not h["name"] for h in hotlines):
        errors.append(_("Give at least one hotline, one a line: the number, a space, its name."))
    if errors:
        raise CounselingError(" ".join(errors))
    with transaction.atomic():
        row, _created = DistrictLinks.objects.update_or_create(
            district=district,
            defaults={"platform_name": platform_name, "platform_url": platform_url, "hotlines": hotlines},
        )
        audit.record(actor=by, action="counseling.links.set", obj=row, detail={"hotlines": len(hotlines)})
    return row


# --- appointments -----------------------------------------------------------------------------------------------


def _may_request_for(by: User, student: Student) -> bool:
    if student.user_id == by.pk:
        return True
    roles = {p.role for p in posts_of(by)} & selectors.ON_BEHALF_ROLES
    return bool(roles) and can_view_student(by, student, Tier.T1)


def book(
    *,
    by: User,
    student: Student,
    slot: Slot,
    concern: str = "",
    key: str = "",
    now: dt.datetime | None = None,
) -> Appointment:
    """预约 — book a free slot for ``student``: the student themself, or a teacher or guardian on their behalf.

    Refused (audited, nothing changed): a room outside the student's own campus, a slot outside the room's
    opening hours, a slot past or withdrawn, a slot someone else holds. The database holds one appointment per
    slot (a partial unique constraint), so of two students racing for a slot exactly one wins. Idempotent per
    ``key``: the same submission twice gives the same appointment."""
    now = now or timezone.now()
    if not _may_request_for(by, student):
        raise PermissionDenied
    if key:
        done = Appointment.objects.filter(requested_by=by, key=key[:64]).first()
        if done is not None:
            return done
    room = slot.room
    detail = {"slot": slot.pk, "room": room.pk}
    if not selectors.bookable_rooms(student).filter(pk=room.pk).exists():
        _refuse(
            by=by, action="counseling.booking.refused", why="other_room", student_id=student.pk, obj=slot,
            message=_("This room is not your school's counseling room."), status=403, **detail,
        )  # fmt: skip
    if not selectors.within_opening_hours(room, slot.starts_at, slot.ends_at):
        _refuse(
            by=by, action="counseling.booking.refused", why="outside_hours", student_id=student.pk, obj=slot,
            message=_("This time is outside the room's opening hours."), **detail,
        )  # fmt: skip
    if slot.withdrawn or slot.starts_at <= now:
        raise CounselingError(_("This time can no longer be booked. Please choose another."), 409)
    appt = Appointment(
        student=student, room=room, slot=slot, counselor_id=slot.counselor_id, starts_at=slot.starts_at,
        ends_at=slot.ends_at, requested_by=by, on_behalf=student.user_id != by.pk, concern=concern.strip()[:1000],
        key=key[:64], created_at=now,
    )  # fmt: skip
    try:
        with transaction.atomic():
            appt.save(force_insert=True)
            notify(
                users=selectors.counselors_of(room).filter(pk=slot.counselor_id) or [],
                kind="counseling.request",
                subject=_("A counseling appointment waits for your confirmation (%(when)s)")
                % {"when": timezone.localtime(slot.starts_at).strftime("%m-%d %H:%M")},
                url=reverse("counseling:room_desk"),
                key=f"counseling.request.{appt.pk}",
                now=now,
            )
            audit.record(
                actor=by, action="counseling.appointment.request", obj=appt, student_id=student.pk,
                detail={**detail, "on_behalf": appt.on_behalf},
            )  # fmt: skip
    except IntegrityError:
        if key and (done := Appointment.objects.filter(requested_by=by, key=key[:64]).first()):
            return done
        audit.record(
            actor=by, action="counseling.booking.refused", obj=slot, student_id=student.pk,
            detail={"why": "taken", **detail},
        )  # fmt: skip
        raise CounselingError(_("Someone has just booked this time. Please choose another."), 409) from None
    return appt


def _require_counselor(by: User, appt: Appointment) -> None:
    if not selectors.counseled_rooms(by).filter(pk=appt.room_id).exists():
        raise PermissionDenied


def confirm(*, by: User, appointment: Appointment, now: dt.datetime | None = None) -> Appointment:
    """确认 — the psychological teacher confirms a request; the student (and whoever asked) are told."""
    _require_counselor(by, appointment)
    now = now or timezone.now()
    with transaction.atomic():
        appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appt.status == AppointmentStatus.CONFIRMED:
            return appt
        if appt.status != AppointmentStatus.REQUESTED:
            raise CounselingError(_("Only a request waiting for confirmation can be confirmed."), 409)
        appt.status, appt.decided_by, appt.decided_at = AppointmentStatus.CONFIRMED, by, now
        appt.save(update_fields=["status", "decided_by", "decided_at"])
        _tell_student(
            appt, _("Your counseling appointment is confirmed: %(when)s, %(room)s"), "confirmed", now
        )
        audit.record(actor=by, action="counseling.appointment.confirm", obj=appt, student_id=appt.student_id)
    return appt


def decline(*, by: User, appointment: Appointment, now: dt.datetime | None = None) -> Appointment:
    """婉拒 — decline a request (the slot becomes free again)."""
    _require_counselor(by, appointment)
    now = now or timezone.now()
    with transaction.atomic():
        appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appt.status == AppointmentStatus.DECLINED:
            return appt
        if not appt.is_open:
            raise CounselingError(_("This appointment is no longer open."), 409)
        appt.status, appt.decided_by, appt.decided_at = AppointmentStatus.DECLINED, by, now
        appt.save(update_fields=["status", "decided_by", "decided_at"])
        _tell_student(
            appt, _("Your counseling request for %(when)s could not be taken; please book another time."),
            "declined", now,
        )  # fmt: skip
        audit.record(actor=by, action="counseling.appointment.decline", obj=appt, student_id=appt.student_id)
    return appt


def reschedule(
    *, by: User, appointment: Appointment, slot: Slot, now: dt.datetime | None = None
) -> Appointment:
    """改约 — move an open appointment to another free slot of the same room (confirmed at once)."""
    _require_counselor(by, appointment)
    now = now or timezone.now()
    if slot.room_id != appointment.room_id:
        raise CounselingError(_("Choose a time in the same room."))
    if slot.withdrawn or slot.starts_at <= now:
        raise CounselingError(_("This time can no longer be booked. Please choose another."), 409)
    try:
        with transaction.atomic():
            appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if not appt.is_open:
                raise CounselingError(_("This appointment is no longer open."), 409)
            before = appt.slot_id
            appt.slot, appt.counselor_id = slot, slot.counselor_id
            appt.starts_at, appt.ends_at = slot.starts_at, slot.ends_at
            appt.status, appt.decided_by, appt.decided_at = AppointmentStatus.CONFIRMED, by, now
            appt.save(
                update_fields=[
                    "slot",
                    "counselor",
                    "starts_at",
                    "ends_at",
                    "status",
                    "decided_by",
                    "decided_at",
                ]
            )
            _tell_student(
                appt,
                _("Your counseling appointment has moved to %(when)s, %(room)s"),
                f"moved.{slot.pk}",
                now,
            )
            audit.record(
                actor=by, action="counseling.appointment.reschedule", obj=appt, student_id=appt.student_id,
                detail={"from": before, "to": slot.pk},
            )  # fmt: skip
    except IntegrityError:
        raise CounselingError(_("Someone has just booked this time. Please choose another."), 409) from None
    return appt


def cancel(*, by: User, appointment: Appointment, now: dt.datetime | None = None) -> Appointment:
    """取消 — the student, whoever asked, a guardian of the student or the counselor cancels; the slot is free
    again. Cancelling twice changes nothing."""
    is_counselor = selectors.counseled_rooms(by).filter(pk=appointment.room_id).exists()
    if not is_counselor and not selectors.my_appointments(by).filter(pk=appointment.pk).exists():
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appt.status == AppointmentStatus.CANCELLED:
            return appt
        if not appt.is_open:
            raise CounselingError(_("This appointment is no longer open."), 409)
        appt.status, appt.cancelled_by = AppointmentStatus.CANCELLED, by
        appt.save(update_fields=["status", "cancelled_by"])
        if is_counselor:
            _tell_student(appt, _("Your counseling appointment for %(when)s is cancelled."), "cancelled", now)
        else:
            notify(
                users=[appt.counselor], kind="counseling.cancelled",
                subject=_("A counseling appointment was cancelled (%(when)s)") % {"when": _when(appt)},
                url=reverse("counseling:room_desk"), key=f"counseling.cancelled.{appt.pk}", now=now,
            )  # fmt: skip
        audit.record(actor=by, action="counseling.appointment.cancel", obj=appt, student_id=appt.student_id)
    return appt


def _when(appt: Appointment) -> str:
    return timezone.localtime(appt.starts_at).strftime("%m-%d %H:%M")


def _tell_student(appt: Appointment, text: str, what: str, now: dt.datetime) -> None:
    """Tell the student (if they have a login) and whoever asked on their behalf; once per ``what``."""
    people = [u for u in (appt.student.user, appt.requested_by) if u is not None]
    notify(
        users=people, kind="counseling.appointment", subject=text % {"when": _when(appt), "room": appt.room.name},
        url=reverse("counseling:room_book"), key=f"counseling.{what}.{appt.pk}", now=now,
    )  # fmt: skip


def send_reminders(*, now: dt.datetime | None = None, within: dt.timedelta = REMIND_WITHIN) -> int:
    """提醒 — remind the student (and whoever asked) of a confirmed appointment starting within ``within``;
    once per appointment (the notification key). Returns how many were newly reminded."""
    now = now or timezone.now()
    due = Appointment.objects.filter(
        status=AppointmentStatus.CONFIRMED, starts_at__gt=now, starts_at__lte=now + within
    ).select_related("student__user", "requested_by", "room")
    n = 0
    for appt in due:
        with transaction.atomic():
            people = [u for u in (appt.student.user, appt.requested_by) if u is not None]
            n += bool(
                notify(
                    users=people,
                    kind="counseling.reminder",
                    subject=_("Reminder: counseling appointment %(when)s, %(room)s")
                    % {"when": _when(appt), "room": appt.room.name},
                    url=reverse("counseling:room_book"),
                    key=f"counseling.reminder.{appt.pk}",
                    now=now,
                )  # fmt: skip
            )
    return n


def record_walk_in(
    *, by: User, student: Student, room: CounselingRoom, starts_at: dt.datetime, minutes: int,
    now: dt.datetime | None = None,
) -> Appointment:  # fmt: skip
    """来访登记 — a student who came without an appointment, recorded by the psychological teacher."""
    if not selectors.counseled_rooms(by).filter(pk=room.pk).exists():
        raise PermissionDenied
    if not can_view_student(by, student, Tier.T3):
        raise PermissionDenied
    if not selectors.bookable_rooms(student).filter(pk=room.pk).exists():
        raise CounselingError(_("This room is not the student's school's counseling room."))
    now = now or timezone.now()
    if starts_at > now + dt.timedelta(minutes=5) or not 5 <= minutes <= 480:
        raise CounselingError(_("A walk-in is recorded when it happens, for 5 to 480 minutes."))
    with transaction.atomic():
        appt = Appointment.objects.create(
            student=student, room=room, counselor=by, starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=minutes), status=AppointmentStatus.ATTENDED, walk_in=True,
            requested_by=by, created_at=now, decided_by=by, decided_at=now,
        )  # fmt: skip
        audit.record(actor=by, action="counseling.appointment.walk_in", obj=appt, student_id=student.pk)
    return appt


# --- session records --------------------------------------------------------------------------------------------


def _may_counsel(by: User, student: Student | None, school: Node) -> bool:
    psych = [p for p in posts_of(by) if p.role == Role.PSYCH_TEACHER]
    if not psych:
        return False
    if student is None:
        return any(school.is_within(p.node) or p.node.is_within(school) for p in psych)
    return visible_students(by, Tier.T3).filter(pk=student.pk).exists()


def record_session(
    *,
    by: User,
    started_at: dt.datetime,
    duration_minutes: int,
    kind: str,
    topics: Iterable[str],
    risk_level: str,
    next_step: str,
    notes: str = "",
    student: Student | None = None,
    appointment: Appointment | None = None,
    school: Node | None = None,
    group_size: int = 1,
    key: str = "",
    now: dt.datetime | None = None,
) -> CounselingSession:
    """辅导记录 — record a session. Its notes are T4 (encrypted, the author only). A red or orange risk
    judgement opens the student's case or adds to it (care.cases.services.open_or_update_case). Idempotent per key."""
    now = now or timezone.now()
    if appointment is not None:
        student = appointment.student
        school = appointment.room.school
        if not selectors.counseled_rooms(by).filter(pk=appointment.room_id).exists():
            raise PermissionDenied
    if student is not None and school is None:
        school_id, _campus = selectors.student_campus(student)
        school = Node.objects.filter(pk=school_id).first()
    if school is None:
        raise CounselingError(_("Name the student, or the school of a group session."))
    if not _may_counsel(by, student, school):
        raise PermissionDenied
    topics = sorted(set(topics))
    errors = []
    if kind not in SessionKind.values:
        errors.append(_("Choose the kind of session."))
    if kind != SessionKind.GROUP and student is None:
        errors.append(_("A session that is not a group session names its student."))
    if not topics or not set(topics) <= set(Topic.values):
        errors.append(_("Choose at least one topic from the list."))
    if risk_level not in RiskLevel.values:
        errors.append(_("Give a risk judgement."))
    if next_step not in NextStep.values:
        errors.append(_("Choose the next step."))
    if not 5 <= duration_minutes <= 480:
        errors.append(_("A session lasts between 5 and 480 minutes."))
    if started_at > now + dt.timedelta(minutes=5):
        errors.append(_("A session is recorded after it took place."))
    if not 1 <= group_size <= 60:
        errors.append(_("A group has between 1 and 60 participants."))
    if errors:
        raise CounselingError(" ".join(errors))
    if key and (done := CounselingSession.objects.filter(counselor=by, key=key[:64]).first()):
        return done
    with transaction.atomic():
        if appointment is not None:
            appt = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if hasattr(appt, "session"):
                raise CounselingError(_("This appointment already has its session record."), 409)
            appt.status = AppointmentStatus.ATTENDED
            appt.save(update_fields=["status"])
        session = CounselingSession.objects.create(
            school=school, room=appointment.room if appointment else None,
            student=student if kind != SessionKind.GROUP or student else None, appointment=appointment,
            counselor=by, started_at=started_at, duration_minutes=duration_minutes, kind=kind,
            group_size=group_size if kind == SessionKind.GROUP else 1, topics=topics, risk_level=risk_level,
            next_step=next_step, notes=notes.strip(), key=key[:64], created_at=now,
        )  # fmt: skip
        case_id = None
        if student is not None and risk_level in ALERT_LEVELS:
            case, _created = open_or_update_case(
                student=student, level=risk_level, source_type="counseling", actor=by, source_id=str(session.pk),
                now=now,
            )  # fmt: skip
            case_id = case.pk
        audit.record(
            actor=by, action="counseling.session.record", obj=session, student_id=student.pk if student else None,
            detail={"kind": kind, "risk": risk_level, "topics": len(topics), "case": case_id},
        )  # fmt: skip
    return session


def break_confidentiality(
    *,
    by: User,
    session: CounselingSession,
    harm_to: str,
    reason: str,
    told: Iterable[str],
    now: dt.datetime | None = None,
) -> ConfidentialityBreak:
    """突破保密 — the author of a session breaks confidentiality for a risk of harm to self or others: the act is
    recorded (who, when, why, whom told) and the crisis protocol starts: the student's level is confirmed red,
    their case opened or raised to red, and a red alert raised (source ``counseling.session``)."""
    if session.counselor_id != by.pk:
        audit.record(
            actor=by, action="counseling.session.break.refused", obj=session, student_id=session.student_id
        )
        raise PermissionDenied
    if session.student_id is None:
        raise CounselingError(
            _("A group session names no student: record the break on the student's own session.")
        )
    told = sorted(set(told))
    reason = reason.strip()
    errors = []
    if harm_to not in {"self", "others", "both"}:
        errors.append(_("Say whom the risk of harm is to."))
    if len(reason) < 10:
        errors.append(_("Say why, in at least 10 characters."))
    if not told or not set(told) <= set(TOLD):
        errors.append(_("Say whom you told."))
    if errors:
        raise CounselingError(" ".join(errors))
    now = now or timezone.now()
    student = session.student
    with transaction.atomic():
        brk = ConfidentialityBreak.objects.create(
            session=session, by=by, at=now, harm_to=harm_to, reason=reason, told=told
        )
        confirm_level(
            student=student, level=RiskLevel.RED, by=by, reason=_("Confidentiality broken: risk of harm"),
            source_type="counseling.session", source_id=str(session.pk), now=now,
        )  # fmt: skip
        case, _created = open_or_update_case(
            student=student, level=RiskLevel.RED, source_type="counseling", actor=by,
            source_id=f"break-{brk.pk}", reason=_("Confidentiality broken: risk of harm"), now=now,
        )  # fmt: skip
        alert = raise_alert(
            student=student, level=RiskLevel.RED, school=session.school, raised_by=by, now=now,
            reasons=[{"code": "counseling.break", "text": {"zh-hans": "心理辅导中突破保密：存在伤害风险",
                                                              "en": "Confidentiality broken in counseling: risk of harm"}}],
            source_type="counseling.session", source_id=str(brk.pk),
        )  # fmt: skip
        brk.case_id, brk.alert_id = case.pk, alert.pk if alert else None
        brk.save(update_fields=["case_id", "alert_id"])
        audit.record(
            actor=by, action="counseling.session.break", obj=brk, student_id=student.pk,
            detail={"session": session.pk, "harm_to": harm_to, "told": told, "case": case.pk,
                    "alert": brk.alert_id},
        )  # fmt: skip
    return brk
