"""Reads of guardian contacts (家校联系; issue 4 item 6, R12 joint prevention with parents): who may log them,
whether "contact the parents promptly" was met for a case, the contacts still due, and the timeliness counts.
Every read starts from ``access.policy`` (care.plans.selectors for who reads a case's pathway)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from access.policy import roles_of
from access.tiers import Tier
from care.alerts.deadlines import SchoolCalendar
from care.contacts import deadlines
from care.models import Case, CaseStatus, GuardianContact
from care.plans.selectors import READER_ROLES, students_of
from org.models import Node, Role, User

CONTACT_ROLES = READER_ROLES | {Role.CLASS_TEACHER}


def may_log_contacts(user: User) -> bool:
    return bool(roles_of(user) & CONTACT_ROLES)


def contact_cases(user: User) -> QuerySet[Case]:
    """Cases whose guardian-contact log ``user`` may see and add to: the readers', and the class teacher's
    class (a class teacher contacts the parents too; DESIGN.md users table)."""
    class_students = students_of(user, Tier.T2, {Role.CLASS_TEACHER})
    return Case.objects.filter(
        Q(student__in=students_of(user, Tier.T3, READER_ROLES)) | Q(student__in=class_students)
    )


def contacts_of(case: Case) -> list[GuardianContact]:
    return list(case.guardian_contacts.select_related("by"))


@dataclass
class ContactStatus:
    """Whether "contact the parents promptly" was met for a case."""

    deadline: dt.datetime | None
    first_reached: dt.datetime | None
    state: str  # "in_time", "late", "overdue", "waiting", "none" (no deadline for the level)

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def contact_state(deadline: dt.datetime | None, reached: dt.datetime | None, now: dt.datetime) -> str:
    if deadline is None:
        return "none"
    if reached is not None:
        return "in_time" if reached <= deadline else "late"
    return "overdue" if now > deadline else "waiting"


def contact_status(
    case: Case,
    now: dt.datetime | None = None,
    first_reached: dt.datetime | None = None,
    calendar: SchoolCalendar | None = None,
) -> ContactStatus:
    now = now or timezone.now()
    if first_reached is None:
        first_reached = case.guardian_contacts.filter(reached=True).aggregate(m=Min("at"))["m"]
    code = _district_code(case.school.district_id)
    deadline = deadlines.contact_deadline(case.level, case.opened_at, code, calendar)
    return ContactStatus(deadline, first_reached, contact_state(deadline, first_reached, now))


_codes: dict[int, str] = {}


def _district_code(district_id: int | None) -> str:
    if district_id is None:
        return ""
    if district_id not in _codes:
        _codes[district_id] = Node.objects.filter(pk=district_id).values_list("code", flat=True).first() or ""
    return _codes[district_id]


def contacts_due(user: User, now: dt.datetime | None = None) -> list[tuple[Case, ContactStatus]]:
    """The user's open cases whose guardians have not been reached yet, with their deadline (overdue first)."""
    now = now or timezone.now()
    cases = list(
        contact_cases(user)
        .exclude(status=CaseStatus.CLOSED)
        .exclude(guardian_contacts__reached=True)
        .select_related("student", "school")
        .order_by("opened_at")
    )
    calendar = SchoolCalendar(timezone.localdate(min((c.opened_at for c in cases), default=now)))
    rows = [(c, contact_status(c, now, None, calendar)) for c in cases]
    rows = [r for r in rows if r[1].state in ("overdue", "waiting")]
    return sorted(rows, key=lambda r: (r[1].state != "overdue", r[1].deadline))


@dataclass
class ContactTimeliness:
    """Per school and period: cases that needed a guardian contact, and how many were reached in time."""

    school_id: int
    needing: int = 0
    in_time: int = 0
    late: int = 0
    overdue: int = 0  # no contact yet, deadline passed
    waiting: int = 0  # no contact yet, deadline not passed
    case_ids: list[int] = field(default_factory=list, repr=False)


def guardian_contact_timeliness(
    *, school_ids, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> dict[int, ContactTimeliness]:
    """R12 measured: for cases opened in [``start``, ``end``) at ``school_ids`` — pass the schools the caller may
    count, from ``access.policy.visible_schools`` — how many needed a guardian contact by their level, how many
    were reached in time, late, or not yet (overdue / still waiting). Counts only (T0): no student named.
    Two queries whatever the number of cases; the deadlines are computed in memory with one school calendar."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time(0, 0), tz)
    hi = dt.datetime.combine(end, dt.time(0, 0), tz)
    rows = list(
        Case.objects.filter(school_id__in=school_ids, opened_at__gte=lo, opened_at__lt=hi)
        .annotate(first_reached=Min("guardian_contacts__at", filter=Q(guardian_contacts__reached=True)))
        .values_list("pk", "school_id", "school__district__code", "level", "opened_at", "first_reached")
    )
    calendar = SchoolCalendar(start, days=(end - start).days + 120)
    out: dict[int, ContactTimeliness] = {}
    for pk, school_id, code, level, opened_at, reached in rows:
        deadline = deadlines.contact_deadline(level, opened_at, code, calendar)
        if deadline is None:
            continue
        t = out.setdefault(school_id, ContactTimeliness(school_id))
        t.needing += 1
        t.case_ids.append(pk)
        setattr(
            t, contact_state(deadline, reached, now), getattr(t, contact_state(deadline, reached, now)) + 1
        )
    return out
