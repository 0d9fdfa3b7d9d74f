"""Writes of home–school work and governance (R9, R10, R11, R14, R17).

Every function is keyword-only, asks the policy first (through ``schoolwork.home.selectors``), writes in one
transaction and is audited. Errors a user can cause raise :class:`HomeSchoolError` with an HTTP status and a
translatable message; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import posts_of, roles_of
from care.alerts.services import notify
from org.models import (
    Enrollment,
    EnrollmentStatus,
    Guardian,
    GuardianLink,
    Node,
    NodeKind,
    Post,
    Role,
    SchoolClass,
    Student,
    User,
)
from schoolwork.home import selectors
from schoolwork.home.models import (
    Audience,
    CaseStage,
    DistrictPlan,
    ExcellentCase,
    GuardianInvitation,
    HomeVisit,
    LeadershipMeeting,
    ParentAttendance,
    ParentSession,
    Pilot,
    PlanStatus,
    Resource,
    TalkRequest,
    VisitMode,
)

INVITATION_DAYS = 30


class HomeSchoolError(Exception):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _text(value: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise HomeSchoolError(_("Please fill in: %(field)s.") % {"field": label})
    if len(value) > limit:
        raise HomeSchoolError(
            _("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": limit}
        )
    return value


def _in_semester(day: dt.date | None, today: dt.date, node: Node | None = None):
    """The semester of ``day`` where ``node`` is (its district's own dates, else the city's); a date in the future
    or outside every semester is refused (issue 6 rules)."""
    if day is None:
        raise HomeSchoolError(_("Please give a valid date."))
    if day > today:
        raise HomeSchoolError(_("The date cannot be in the future."))
    sem = selectors.semester_of(day, node)
    if sem is None:
        raise HomeSchoolError(_("The date is outside every semester of the school calendar."))
    return sem


def _local_today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


# --- home visits (家访, R10) ---------------------------------------------------------------------------------------


def record_home_visit(
    *,
    user: User,
    student: Student,
    visited_on: dt.date | None,
    visitors: str,
    mode: str,
    summary: str,
    sensitive_note: str = "",
    case_id: int | None = None,
    key: str = "",
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
) -> HomeVisit:
    """记录家访 — the class teacher (their class), the psychological teacher or a school leader (their school)
    records a visit to a student's family. A student outside the user's classes is 404; a school leader's visit
    is marked as theirs (R10: leaders' own visits recorded). The same form key twice is one visit."""
    now = now or timezone.now()
    if not selectors.visit_students(user).filter(pk=student.pk).exists():
        raise HomeSchoolError(_("Not found."), 404)
    key = (key or "")[:64]
    if key:
        done = HomeVisit.objects.filter(recorded_by=user, key=key).first()
        if done is not None:
            return done
    enrollment = student.current_enrollment()
    sem = _in_semester(visited_on, _local_today(now), enrollment.school if enrollment else None)
    if mode not in VisitMode.values:
        raise HomeSchoolError(_("Please choose how the visit took place."))
    visitors = _text(visitors, _("who went"), 200)
    summary = _text(summary, _("summary"), 2000)
    sensitive_note = _text(sensitive_note, _("sensitive note"), 5000, required=False)
    enrollment = (
        Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
        .select_related("school_class")
        .first()
    )
    case = None
    if case_id:
        case = selectors.open_cases(user).filter(pk=case_id, student=student).first()
        if case is None:
            raise HomeSchoolError(_("This case is not an open case of the student."), 404)
    with transaction.atomic():
        visit = HomeVisit.objects.create(
            student=student,
            school=enrollment.school,
            school_class=enrollment.school_class,
            school_year=sem.school_year,
            semester=sem,
            visited_on=visited_on,
            visitors=visitors,
            mode=mode,
            by_leader=Role.SCHOOL_LEADER in roles_of(user),
            summary=summary,
            sensitive_note=sensitive_note,
            case=case,
            recorded_by=user,
            recorded_at=now,
            key=key,
        )
        audit.record(
            actor=user,
            action="schoolwork.home_visit.create",
            obj=visit,
            student_id=student.pk,
            request=request,
            detail={
                "mode": mode,
                "by_leader": visit.by_leader,
                "case": bool(case),
                "note": bool(sensitive_note),
            },
        )
    return visit


# --- parent sessions (家长课, R11) ---------------------------------------------------------------------------------


def _managed_school(user: User, school_id) -> Node:
    school = next((s for s in selectors.session_schools(user) if str(s.pk) == str(school_id)), None)
    if school is None:
        raise HomeSchoolError(_("Not found."), 404)
    return school


def create_parent_session(
    *,
    user: User,
    school_id: int | str,
    held_on: dt.date | None,
    title: str,
    speaker: str = "",
    grades: str = "",
    key: str = "",
    now: dt.datetime | None = None,
) -> ParentSession:
    """家长课 — a psychological teacher or a leader of the school records a parent session (R11)."""
    now = now or timezone.now()
    school = _managed_school(user, school_id)
    key = (key or "")[:64]
    if key and (done := ParentSession.objects.filter(created_by=user, key=key).first()):
        return done
    sem = _in_semester(held_on, _local_today(now), school)
    with transaction.atomic():
        session = ParentSession.objects.create(
            school=school,
            semester=sem,
            held_on=held_on,
            title=_text(title, _("topic"), 120),
            speaker=_text(speaker, _("speaker"), 100, required=False),
            grades=_text(grades, _("for grades"), 60, required=False),
            created_by=user,
            created_at=now,
            key=key,
        )
        audit.record(actor=user, action="schoolwork.parent_session.create", obj=session)
    return session


def set_class_attendance(
    *,
    user: User,
    session: ParentSession,
    school_class: SchoolClass,
    student_ids: Iterable[int | str],
    now: dt.datetime | None = None,
) -> int:
    """出席登记 — the households of one class that came (ticked) and did not (unticked), in one go. Every ticked
    household must be a student of this class: a student of another class or school refuses the whole list and
    nothing changes. Sending the same list twice changes nothing. Returns the class's attendance count."""
    now = now or timezone.now()
    if not selectors.attendance_classes(user, session).filter(pk=school_class.pk).exists():
        raise HomeSchoolError(_("Not found."), 404)
    try:
        wanted = {int(i) for i in student_ids}
    except (TypeError, ValueError):
        raise HomeSchoolError(_("The list of households is not valid.")) from None
    members = set(
        Enrollment.objects.filter(school_class=school_class, status=EnrollmentStatus.ACTIVE).values_list(
            "student_id", flat=True
        )
    )
    strangers = wanted - members
    if strangers:
        raise HomeSchoolError(
            _("%(n)s of the ticked households are not of this class; nothing was saved.")
            % {"n": len(strangers)}
        )
    with transaction.atomic():
        present = set(
            ParentAttendance.objects.filter(session=session, school_class=school_class).values_list(
                "student_id", flat=True
            )
        )
        ParentAttendance.objects.filter(
            session=session, school_class=school_class, student_id__in=present - wanted
        ).delete()
        ParentAttendance.objects.bulk_create(
            [
                ParentAttendance(
                    session=session,
                    student_id=sid,
                    school_class=school_class,
                    recorded_by=user,
                    recorded_at=now,
                )
                for sid in wanted - present
            ],
            ignore_conflicts=True,
        )
        if wanted != present:
            audit.record(
                actor=user,
                action="schoolwork.parent_attendance.set",
                obj=session,
                detail={
                    "class": school_class.pk,
                    "added": len(wanted - present),
                    "removed": len(present - wanted),
                },
            )
    return len(wanted)


# --- guardian invitations (监护人邀请) --------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_guardian_invitations(
    *, user: User, school_class: SchoolClass, days: int = INVITATION_DAYS, now: dt.datetime | None = None
) -> list[tuple[GuardianLink, str]]:
    """One fresh one-time invitation per guardian of the class's students who has no login yet or never logged
    in (the caller checked ``may_print_passwords``). Returns (link, raw token): the raw tokens exist only in this
    answer, which the caller prints as slips with a QR code; the database keeps their SHA-256."""
    now = now or timezone.now()
    links = (
        GuardianLink.objects.filter(
            student__enrollments__school_class=school_class,
            student__enrollments__status=EnrollmentStatus.ACTIVE,
        )
        .select_related("guardian__user", "student")
        .order_by("student__student_no", "pk")
    )
    out = []
    with transaction.atomic():
        for link in links:
            g = link.guardian
            if g.user_id and g.user.last_login is not None:
                continue
            token = secrets.token_urlsafe(32)
            GuardianInvitation.objects.create(
                guardian=g,
                school=school_class.school,
                token_hash=_token_hash(token),
                issued_by=user,
                issued_at=now,
                expires_at=now + dt.timedelta(days=days),
            )
            out.append((link, token))
        audit.record(
            actor=user,
            action="schoolwork.guardian_invitation.issue",
            obj=school_class,
            detail={"n": len(out)},
        )
    return out


def invitation_for_token(token: str, now: dt.datetime | None = None) -> GuardianInvitation:
    """The live invitation for a token; unknown is 404, used or expired is 410 with a clear message."""
    now = now or timezone.now()
    inv = (
        GuardianInvitation.objects.select_related("guardian", "school")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if inv is None:
        raise HomeSchoolError(_("This invitation is not valid."), 404)
    if inv.used_at is not None:
        raise HomeSchoolError(
            _("This invitation has already been used. Please log in with your password."), 410
        )
    if inv.expires_at <= now:
        raise HomeSchoolError(
            _("This invitation has expired. Please ask the class teacher for a new one."), 410
        )
    return inv


def _guardian_username(guardian: Guardian) -> str:
    name = guardian.phone
    if User.objects.filter(username=name).exists():
        name = f"guardian{guardian.pk}"
    return name


def accept_invitation(*, token: str, password: str, password2: str, now: dt.datetime | None = None) -> User:
    """The guardian sets a password (Django's validators) from the invitation: their account is made or
    re-used, given a guardian post at the school, and the invitation dies (once only, even on a double click)."""
    now = now or timezone.now()
    with transaction.atomic():
        inv = invitation_for_token(token, now)
        g = inv.guardian
        if password != password2:
            raise HomeSchoolError(_("The two passwords differ."))
        user = g.user or User(username=_guardian_username(g), display_name=g.name)
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise HomeSchoolError(" ".join(exc.messages)) from None
        if not GuardianInvitation.objects.filter(pk=inv.pk, used_at__isnull=True).update(used_at=now):
            raise HomeSchoolError(
                _("This invitation has already been used. Please log in with your password."), 410
            )
        user.set_password(password)
        user.save()
        if g.user_id is None:
            g.user = user
            g.save(update_fields=["user"])
        if not Post.objects.filter(user=user, role=Role.GUARDIAN, node=inv.school).exists():
            Post.objects.create(
                user=user, role=Role.GUARDIAN, node=inv.school, valid_from=timezone.localdate(now)
            )
        audit.record(actor=user, action="schoolwork.guardian_invitation.accept", obj=inv)
    return user


def request_talk(
    *, user: User, student: Student, message: str = "", key: str = "", now: dt.datetime | None = None
) -> TalkRequest:
    """约谈 — a guardian asks the psychological teachers of their child's school for a talk; they are notified
    (care.alerts.services.notify, no message text in the notice). The same form key twice is one request."""
    now = now or timezone.now()
    link = (
        GuardianLink.objects.filter(guardian__user=user, student=student).select_related("guardian").first()
    )
    if link is None:
        raise HomeSchoolError(_("Not found."), 404)
    message = _text(message, _("message"), 1000, required=False)
    key = (key or secrets.token_hex(8))[:64]
    if done := TalkRequest.objects.filter(guardian=link.guardian, key=key).first():
        return done
    enrollment = (
        Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
        .select_related("school_class__campus")
        .first()
    )
    if enrollment is None:
        raise HomeSchoolError(_("Your child is not enrolled at a school at the moment."), 409)
    campus = enrollment.school_class.campus if enrollment.school_class else None
    nodes = [enrollment.school] + ([campus] if campus else [])
    teachers = User.objects.filter(
        posts__in=Post.objects.active(timezone.localdate(now)).filter(role=Role.PSYCH_TEACHER, node__in=nodes)
    ).distinct()
    with transaction.atomic():
        talk = TalkRequest.objects.create(
            guardian=link.guardian, student=student, school=enrollment.school, message=message, key=key,
            created_at=now,
        )  # fmt: skip
        notify(
            users=list(teachers),
            kind="talk_request",
            subject=_("A guardian asks for a talk about %(name)s") % {"name": student.name},
            url=reverse("org:student_detail", kwargs={"pk": student.pk}),
            key=f"talk-{talk.pk}",
            email=True,
            now=now,
        )
        audit.record(actor=user, action="schoolwork.talk_request.create", obj=talk, student_id=student.pk)
    return talk


# --- governance (R14, R17, R9) ------------------------------------------------------------------------------------


def record_meeting(
    *,
    user: User,
    school_id: int | str,
    held_on: dt.date | None,
    title: str,
    attendees: str = "",
    minutes: str = "",
    key: str = "",
    now: dt.datetime | None = None,
) -> LeadershipMeeting:
    """领导小组会议 — a leader or psychological teacher of the school records a leadership-group meeting."""
    now = now or timezone.now()
    school = _managed_school(user, school_id)
    key = (key or "")[:64]
    if key and (done := LeadershipMeeting.objects.filter(created_by=user, key=key).first()):
        return done
    if held_on is None or held_on > _local_today(now):
        raise HomeSchoolError(_("Please give a valid date, not in the future."))
    with transaction.atomic():
        m = LeadershipMeeting.objects.create(
            school=school,
            held_on=held_on,
            title=_text(title, _("topic"), 120),
            attendees=_text(attendees, _("attendees"), 300, required=False),
            minutes=_text(minutes, _("minutes"), 10000, required=False),
            created_by=user,
            created_at=now,
            key=key,
        )
        audit.record(actor=user, action="schoolwork.meeting.create", obj=m)
    return m


def create_plan(
    *, user: User, district_id: int | str, title: str, now: dt.datetime | None = None
) -> DistrictPlan:
    now = now or timezone.now()
    district = next((d for d in selectors.plan_districts(user) if str(d.pk) == str(district_id)), None)
    if district is None:
        raise HomeSchoolError(_("Not found."), 404)
    year = selectors.current_year(_local_today(now))
    if year is None:
        raise HomeSchoolError(_("No school year is set up."), 409)
    with transaction.atomic():
        plan = DistrictPlan.objects.create(
            district=district,
            school_year=year,
            title=_text(title, _("title"), 120),
            created_by=user,
            created_at=now,
        )
        audit.record(actor=user, action="schoolwork.plan.create", obj=plan)
    return plan


# (from, to) → who: the district submits its draft (or a returned plan); the city accepts or returns it.
PLAN_MOVES = {
    (PlanStatus.DRAFT, PlanStatus.SUBMITTED): "district",
    (PlanStatus.RETURNED, PlanStatus.SUBMITTED): "district",
    (PlanStatus.SUBMITTED, PlanStatus.ACCEPTED): "city",
    (PlanStatus.SUBMITTED, PlanStatus.RETURNED): "city",
}


def move_plan(
    *, user: User, plan: DistrictPlan, to: str, note: str = "", now: dt.datetime | None = None
) -> DistrictPlan:
    """实施方案报送 — submit to the city (district staff), accept or return (city staff). Repeating a move that
    was already made changes nothing."""
    now = now or timezone.now()
    if plan.status == to:
        return plan
    who = PLAN_MOVES.get((plan.status, to))
    if who is None:
        raise HomeSchoolError(_("This plan cannot move to that status now."), 409)
    allowed = (
        plan.district in selectors.plan_districts(user)
        if who == "district"
        else bool(roles_of(user) & selectors.CITY_ROLES)
    )
    if not allowed:
        raise HomeSchoolError(_("You may not do this."), 403)
    with transaction.atomic():
        before = plan.status
        plan.status = to
        if to == PlanStatus.SUBMITTED:
            plan.submitted_at = now
        else:
            plan.reviewed_at = now
            plan.review_note = _text(note, _("review note"), 500, required=False)
        plan.save()
        audit.record(actor=user, action="schoolwork.plan.move", obj=plan, detail={"from": before, "to": to})
    return plan


def designate_pilot(*, user: User, node_id: int | str, theme: str, now: dt.datetime | None = None) -> Pilot:
    """试点 — city staff designate a pilot district or school for the current school year (R17)."""
    now = now or timezone.now()
    if not roles_of(user) & {Role.CITY_ADMIN, Role.CITY_OFFICER}:
        raise HomeSchoolError(_("You may not do this."), 403)
    node = Node.objects.filter(pk=node_id, kind__in=[NodeKind.DISTRICT, NodeKind.SCHOOL]).first()
    if node is None or not any(node.is_within(p.node) for p in posts_of(user)):
        raise HomeSchoolError(_("Please choose a district or a school."), 404)
    year = selectors.current_year(_local_today(now))
    if year is None:
        raise HomeSchoolError(_("No school year is set up."), 409)
    with transaction.atomic():
        pilot, _created = Pilot.objects.get_or_create(
            node=node,
            school_year=year,
            defaults={"theme": _text(theme, _("theme"), 120), "designated_by": user, "designated_at": now},
        )
        audit.record(actor=user, action="schoolwork.pilot.designate", obj=pilot)
    return pilot


def submit_case(
    *, user: User, school_id: int | str, title: str, body: str, now: dt.datetime | None = None
) -> ExcellentCase:
    """优秀案例 — a school submits a de-identified write-up (R17). The text must not name the student: the
    form says so, and a 学籍号-like number or a name of a student of the school in it is refused."""
    now = now or timezone.now()
    school = _managed_school(user, school_id)
    title = _text(title, _("title"), 120)
    body = _text(body, _("write-up"), 20000)
    names = Student.objects.filter(
        enrollments__school=school, enrollments__status=EnrollmentStatus.ACTIVE
    ).values_list("name", "student_no")
    text = f"{title}\n{body}"
    if any((len(n) >= 2 and n in text) or no in text for n, no in names):
        raise HomeSchoolError(_("The write-up names a student of the school. Please de-identify it."))
    year = selectors.current_year(_local_today(now))
    with transaction.atomic():
        case = ExcellentCase.objects.create(
            school=school, school_year=year, title=title, body=body, submitted_by=user, submitted_at=now
        )
        audit.record(actor=user, action="schoolwork.excellent_case.submit", obj=case)
    return case


def review_case(*, user: User, case: ExcellentCase, to: str, now: dt.datetime | None = None) -> ExcellentCase:
    """The district recommends (or not) its schools' cases; the city selects among the recommended."""
    now = now or timezone.now()
    if case.stage == to:
        return case
    roles = roles_of(user)
    if case.stage == CaseStage.SUBMITTED and to in (CaseStage.DISTRICT_REVIEWED, CaseStage.RETURNED):
        ok = any(p.role in selectors.DISTRICT_ROLES and case.school.is_within(p.node) for p in posts_of(user))
    elif case.stage == CaseStage.DISTRICT_REVIEWED and to in (CaseStage.CITY_SELECTED, CaseStage.RETURNED):
        ok = bool(roles & {Role.CITY_ADMIN, Role.CITY_OFFICER})
    else:
        raise HomeSchoolError(_("This case cannot move to that stage now."), 409)
    if not ok:
        raise HomeSchoolError(_("You may not do this."), 403)
    with transaction.atomic():
        before = case.stage
        case.stage = to
        if to == CaseStage.DISTRICT_REVIEWED:
            case.district_reviewed_at = now
        elif to == CaseStage.CITY_SELECTED:
            case.city_selected_at = now
        case.save()
        audit.record(
            actor=user, action="schoolwork.excellent_case.review", obj=case, detail={"from": before, "to": to}
        )
    return case


PUBLISHER_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.CITY_OFFICER, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.SCHOOL_LEADER,
     Role.PSYCH_TEACHER}
)  # fmt: skip


def publisher_nodes(user: User) -> list[Node]:
    return [p.node for p in posts_of(user) if p.role in PUBLISHER_ROLES]


def publish_resource(
    *,
    user: User,
    node_id: int | str,
    audience: str,
    title: str,
    body: str = "",
    link: str = "",
    now: dt.datetime | None = None,
) -> Resource:
    """资源 — the city, a district or a school publishes an article or resource for its students and parents (R9)."""
    now = now or timezone.now()
    node = next((n for n in publisher_nodes(user) if str(n.pk) == str(node_id)), None)
    if node is None:
        raise HomeSchoolError(_("Not found."), 404)
    if audience not in Audience.values:
        raise HomeSchoolError(_("Please choose who the resource is for."))
    link = (link or "").strip()
    if link and not link.startswith(("https://", "http://")):
        raise HomeSchoolError(_("The link must start with https://."))
    with transaction.atomic():
        r = Resource.objects.create(
            node=node,
            audience=audience,
            title=_text(title, _("title"), 120),
            body=_text(body, _("text"), 20000, required=False),
            link=link[:200],
            published_by=user,
            published_at=now,
        )
        audit.record(actor=user, action="schoolwork.resource.publish", obj=r)
    return r
