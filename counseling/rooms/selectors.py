"""Reads of the school counseling room. Students come from ``access.policy``; rooms and rosters are in the
scope of the reader's posts (a campus post: its campus's rooms; a school post: every campus of the school)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from access import audit
from access.policy import posts_of, visible_students
from access.selectors import active_break_glass
from access.tiers import Tier
from counseling.rooms.models import (
    HOLDING,
    Appointment,
    AppointmentStatus,
    CounselingRoom,
    CounselingSession,
    OpeningHours,
    RoomDutyShift,
    Slot,
)
from org.models import Enrollment, EnrollmentStatus, Node, NodeKind, Post, Role, Student, User

# Who keeps rooms and rosters: the school's psychological teachers and leaders (R4.3).
ROOM_KEEPERS = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER})
# Who may ask for an appointment on a student's behalf (a teacher or a guardian; issue 5 item 1).
ON_BEHALF_ROLES = frozenset(
    {Role.GUARDIAN, Role.CLASS_TEACHER, Role.TEACHER, Role.PSYCH_TEACHER, Role.SCHOOL_LEADER}
)
# Who may ever see session records (their own, or the students they see at T3).
SESSION_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.DISTRICT_COUNSELOR})
# Who sees workload figures: a psychological teacher their own; a leader their school's; a district officer
# the district's (R1.3).
WORKLOAD_ROLES = frozenset({Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.DISTRICT_OFFICER})
BOOKING_DAYS = 14


def _nodes_q(nodes: list[Node], field: str = "campus") -> Q:
    q = Q(pk__in=[])
    for node in nodes:
        q |= Q(**{f"{field}__path__startswith": node.path})
    return q


def _role_nodes(user: User, roles: frozenset[str]) -> list[Node]:
    return [p.node for p in posts_of(user) if p.role in roles]


def kept_rooms(user: User) -> QuerySet[CounselingRoom]:
    """Rooms whose set-up and roster ``user`` keeps (psychological teacher or leader over the campus)."""
    nodes = _role_nodes(user, ROOM_KEEPERS)
    if not nodes:
        return CounselingRoom.objects.none()
    return CounselingRoom.objects.filter(_nodes_q(nodes)).select_related("school", "campus")


def counseled_rooms(user: User) -> QuerySet[CounselingRoom]:
    """Rooms where ``user`` works as a psychological teacher (confirms bookings, records walk-ins)."""
    nodes = _role_nodes(user, frozenset({Role.PSYCH_TEACHER}))
    if not nodes:
        return CounselingRoom.objects.none()
    return CounselingRoom.objects.filter(_nodes_q(nodes))


def may_keep_rooms(user: User) -> bool:
    return bool(_role_nodes(user, ROOM_KEEPERS))


def keeper_campuses(user: User) -> list[Node]:
    """The campuses where ``user`` may set up a room."""
    nodes = _role_nodes(user, ROOM_KEEPERS)
    q = Q(pk__in=[])
    for node in nodes:
        q |= Q(path__startswith=node.path)
    if not nodes:
        return []
    # A closed (撤销) campus gets no new room (issue 18).
    return list(Node.objects.filter(q, kind=NodeKind.CAMPUS).open_on().select_related("parent"))


def room_or_404(user: User, pk: int) -> CounselingRoom:
    room = kept_rooms(user).filter(pk=pk).first()
    if room is None:
        raise Http404
    return room


def counselors_of(room: CounselingRoom) -> QuerySet[User]:
    """The psychological teachers who may be on duty in ``room``: posts at its school or its campus."""
    posts = Post.objects.active().filter(
        role=Role.PSYCH_TEACHER, node_id__in=[room.school_id, room.campus_id]
    )
    return User.objects.filter(pk__in=posts.values("user_id"), is_active=True).order_by("display_name", "pk")


def opening_hours(room: CounselingRoom) -> list[OpeningHours]:
    return list(room.opening_hours.all())


def duty_roster(room: CounselingRoom, on: dt.date | None = None) -> QuerySet[RoomDutyShift]:
    day = on or timezone.localdate()
    return (
        room.duty_shifts.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .select_related("counselor")
        .order_by("weekday", "starts")
    )


def within_opening_hours(room: CounselingRoom, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Does [starts_at, ends_at) lie inside one opening period of the room on that local day?"""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date() and end.time() != dt.time(0):
        return False
    return OpeningHours.objects.filter(
        room=room, weekday=start.weekday(), opens__lte=start.time(), closes__gte=end.time()
    ).exists()


# --- booking ----------------------------------------------------------------------------------------------------


def student_campus(student: Student) -> tuple[int | None, int | None]:
    """(school id, campus id) of the student's active enrollment."""
    row = (
        Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
        .values_list("school_id", "school_class__campus_id")
        .first()
    )
    return row if row else (None, None)


def bookable_rooms(student: Student) -> QuerySet[CounselingRoom]:
    """The rooms a student may book: those of their own campus (R4.3; another school's room is refused)."""
    school_id, campus_id = student_campus(student)
    if school_id is None:
        return CounselingRoom.objects.none()
    q = Q(campus_id=campus_id) if campus_id else Q(school_id=school_id)
    return CounselingRoom.objects.filter(q, school_id=school_id, is_active=True)


def _free(qs: QuerySet[Slot]) -> QuerySet[Slot]:
    taken = Appointment.objects.filter(slot=OuterRef("pk"), status__in=HOLDING)
    return qs.filter(withdrawn=False).exclude(Exists(taken))


def free_slots(student: Student, now: dt.datetime | None = None, days: int = BOOKING_DAYS) -> QuerySet[Slot]:
    """Free slots in the student's own rooms from now for ``days`` days, soonest first."""
    now = now or timezone.now()
    return (
        _free(Slot.objects.filter(room__in=bookable_rooms(student)))
        .filter(starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=days))
        .select_related("room", "counselor")
        .order_by("starts_at", "room_id")
    )


def free_slots_in(room: CounselingRoom, now: dt.datetime | None = None, days: int = BOOKING_DAYS):
    now = now or timezone.now()
    return (
        _free(room.slots.all())
        .filter(starts_at__gt=now, starts_at__lt=now + dt.timedelta(days=days))
        .select_related("counselor")
        .order_by("starts_at")
    )


def booking_students(user: User) -> QuerySet[Student]:
    """The students ``user`` may book for: themself (a student), else those they may ask for on behalf of (the
    page shows the first of them and offers the rest, xinyu.lists)."""
    own = Student.objects.filter(user=user) if user.is_authenticated else Student.objects.none()
    if own.exists():
        return own
    if not ({p.role for p in posts_of(user)} & ON_BEHALF_ROLES):
        return Student.objects.none()
    return visible_students(user, Tier.T1).order_by("name", "pk")


def may_book(user: User) -> bool:
    if not user.is_authenticated:
        return False
    # The posts are read once per request (the navigation asks this on every page): a student's login holds a
    # student post; only a login with no post at all is looked up as a student.
    roles = {p.role for p in posts_of(user)}
    if roles & ON_BEHALF_ROLES or Role.STUDENT in roles:
        return True
    return not roles and Student.objects.filter(user=user).exists()


def my_appointments(user: User) -> QuerySet[Appointment]:
    """Appointments the user booked or asked for, or that are theirs or their children's, newest first."""
    q = Q(requested_by=user) | Q(student__user=user) | Q(student__guardian_links__guardian__user=user)
    return (
        Appointment.objects.filter(q)
        .distinct()
        .select_related("student", "room", "counselor")
        .order_by("-starts_at")
    )


def my_appointment_or_404(user: User, pk: int) -> Appointment:
    appt = my_appointments(user).filter(pk=pk).first()
    if appt is None:
        raise Http404
    return appt


# --- the counselor's desk ---------------------------------------------------------------------------------------


def desk_appointments(user: User, now: dt.datetime | None = None) -> QuerySet[Appointment]:
    """Requests waiting and appointments to come in the rooms ``user`` works in, soonest first; past ones of
    today stay (to record the session)."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Appointment.objects.filter(
            room__in=counseled_rooms(user),
            status__in=(AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED),
            starts_at__gte=today,
        )
        .select_related("student", "room", "counselor", "requested_by")
        .order_by("starts_at")
    )


def desk_appointment_or_404(user: User, pk: int) -> Appointment:
    appt = (
        Appointment.objects.filter(pk=pk, room__in=counseled_rooms(user))
        .select_related("student", "room", "slot")
        .first()
    )
    if appt is None:
        raise Http404
    return appt


def student_by_number(user: User, student_no: str) -> Student | None:
    """A student the user sees at T3, by their student number (学籍号), for a walk-in."""
    student_no = student_no.strip().upper()
    if not student_no:
        return None
    return visible_students(user, Tier.T3).filter(student_no=student_no).first()


# --- sessions ---------------------------------------------------------------------------------------------------


def may_see_sessions(user: User) -> bool:
    return bool({p.role for p in posts_of(user)} & SESSION_ROLES)


def visible_sessions(user: User) -> QuerySet[CounselingSession]:
    """Session records (without their notes) ``user`` may see: their own, and those of students they see at
    T3 (the school's psychological teachers; a leader's red/orange students; escalated for the district)."""
    if not may_see_sessions(user):
        return CounselingSession.objects.none()
    q = Q(counselor=user) | Q(student__in=visible_students(user, Tier.T3))
    return CounselingSession.objects.filter(q).select_related("student", "counselor", "room")


def session_or_404(user: User, pk: int) -> CounselingSession:
    session = visible_sessions(user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


def audit_refused_notes(user: User, pk: int, request: HttpRequest | None = None) -> None:
    """Record a request for the notes of a session outside the user's scope (answered 404)."""
    session = CounselingSession.objects.filter(pk=pk).only("pk", "student_id").first()
    if session is not None:
        audit.record(
            actor=user, action="counseling.session.notes.refused", obj=session, student_id=session.student_id,
            request=request, detail={"tier": 4, "scope": "outside"},
        )  # fmt: skip


def session_notes(user: User, session: CounselingSession, request: HttpRequest | None = None) -> str:
    """The notes (T4) of a session: to their author, or under a break-glass grant in force for the student.
    Anyone else is refused and the attempt is audited (R4.3: 严格保密)."""
    grant = None
    if session.counselor_id != user.pk and session.student_id:
        grant = active_break_glass(user, session.student)
    if session.counselor_id != user.pk and grant is None:
        audit.record(
            actor=user,
            action="counseling.session.notes.refused",
            obj=session,
            student_id=session.student_id,
            request=request,
            detail={"tier": 4},
        )
        raise PermissionDenied
    audit.record(
        actor=user,
        action="counseling.session.notes.view",
        obj=session,
        student_id=session.student_id,
        request=request,
        detail={"tier": 4, "via": "break_glass" if grant else "author", "grant": grant.pk if grant else None},
    )
    return session.notes


# --- workload ---------------------------------------------------------------------------------------------------


def workload_people(user: User) -> list[User]:
    """The psychological teachers whose workload ``user`` sees (R1.3)."""
    posts = posts_of(user)
    q = Q(pk__in=[])
    for p in posts:
        if p.role == Role.PSYCH_TEACHER:
            q |= Q(pk=user.pk)
        elif p.role in (Role.SCHOOL_LEADER, Role.DISTRICT_OFFICER):
            q |= Q(
                pk__in=Post.objects.active()
                .filter(role=Role.PSYCH_TEACHER, node__path__startswith=p.node.path)
                .values("user_id")
            )
    return list(User.objects.filter(q).order_by("display_name", "pk"))


def may_see_workload(user: User) -> bool:
    return bool({p.role for p in posts_of(user)} & WORKLOAD_ROLES)


def school_on_duty(school: Node, at: dt.datetime) -> list[User] | None:
    """The psychological teachers on duty in the school's rooms at ``at`` (their weekly roster,
    ``RoomDutyShift``); ``None``: the school keeps no roster at all that day (care then counts the teachers in
    post). Told to ``care.alerts.responders`` by ``counseling.centre.providers`` (issue 15)."""
    local = timezone.localtime(at)
    day = local.date()
    shifts = RoomDutyShift.objects.filter(
        room__school=school, room__is_active=True, valid_from__lte=day
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    if not shifts.exists():
        return None
    now = shifts.filter(weekday=day.weekday(), starts__lte=local.time(), ends__gt=local.time())
    return list(User.objects.filter(pk__in=now.values("counselor_id"), is_active=True).order_by("pk"))
