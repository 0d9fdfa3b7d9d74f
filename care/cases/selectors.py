"""Reads of cases (个案), crisis steps, follow-ups and disclosures. Every read starts from ``access.policy``:
psychological teachers see their school's (or campus's) cases at T3; the school leader sees open red/orange cases
by name, level and status only (DESIGN.md tier table); the district counselor sees the cases escalated to the
district counseling centre."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.policy import CLINICAL_ROLES, roles_of, visible_students
from access.tiers import Tier
from care.alerts.levels import ALERT_LEVELS, RiskLevel
from care.contacts.selectors import ContactStatus, contact_status
from care.models import Case, CaseStatus, CrisisStep, CrisisStepKind, FollowUp, Plan, Referral
from care.plans.selectors import plan_of, readable_cases
from org.models import Enrollment, EnrollmentStatus, Post, Role, User

# The codes a case event stores besides levels and statuses (care.plans, escalation), in words (issue 20).
EVENT_VALUES = {
    "plan.agreed": gettext_lazy("Intervention plan agreed"),
    "plan.shared": gettext_lazy("Intervention plan shared with the guardians"),
    "district": gettext_lazy("District counseling centre"),
}
VALUE_LABELS: dict[str, str] = {**dict(RiskLevel.choices), **dict(CaseStatus.choices), **EVENT_VALUES}
LIST_ROLES = CLINICAL_ROLES | {Role.SCHOOL_LEADER}


def may_list_cases(user: User) -> bool:
    return bool(roles_of(user) & LIST_ROLES)


def may_open_cases(user: User) -> bool:
    return bool(roles_of(user) & CLINICAL_ROLES)


def _clinical_cases(user: User) -> QuerySet[Case]:
    """Cases the user may read in full (T3): a psychological teacher's students; a district counselor's
    escalated cases."""
    roles = roles_of(user)
    students = visible_students(user, Tier.T3).values("pk")
    q = Q(pk__in=[])
    if Role.PSYCH_TEACHER in roles:
        q |= Q(student__in=students)
    if Role.DISTRICT_COUNSELOR in roles:
        q |= Q(student__in=students, escalated_at__isnull=False)
    return Case.objects.filter(q)


def case_list(user: User, *, status: str = "open", now: dt.datetime | None = None) -> QuerySet[Case]:
    """The case list's rows with what each shows (no query per row): the clinical roles' cases, or a leader's
    open red/orange ones. ``status``: "open" (default), "closed" or "all". Each row carries the number of overdue
    crisis steps and the next follow-up date."""
    now = now or timezone.now()
    roles = roles_of(user)
    if roles & CLINICAL_ROLES:
        qs = _clinical_cases(user)
    elif Role.SCHOOL_LEADER in roles:
        qs = Case.objects.filter(
            student__in=visible_students(user, Tier.T3).values("pk"), level__in=ALERT_LEVELS
        ).exclude(status=CaseStatus.CLOSED)
    else:
        return Case.objects.none()
    if status == "open":
        qs = qs.exclude(status=CaseStatus.CLOSED)
    elif status == "closed":
        qs = qs.filter(status=CaseStatus.CLOSED)
    return (
        qs.select_related("student", "school", "owner")
        .annotate(
            crisis_overdue=Count(
                "crisis_steps",
                filter=Q(
                    crisis_steps__done_at__isnull=True,
                    crisis_steps__skipped_at__isnull=True,
                    crisis_steps__due_at__lt=now,
                ),
                distinct=True,
            ),
            next_follow_up=Min("follow_ups__due_on", filter=Q(follow_ups__done_at__isnull=True)),
        )
        .order_by("-opened_at", "-pk")
    )


def case_or_none(user: User, pk: int) -> Case | None:
    """One case for its page: clinical roles only (a leader sees the list, a class teacher the level colour)."""
    return (
        _clinical_cases(user).filter(pk=pk).select_related("student", "school", "owner", "opened_by").first()
    )


@dataclass
class CasePage:
    events: list
    members: list
    steps: list
    follow_ups: list
    disclosures: list
    reports: list
    owners: list


def case_page(case: Case, now: dt.datetime | None = None) -> CasePage:
    """Everything the case page shows, a fixed number of queries whatever the case's length."""
    now = now or timezone.now()
    steps = list(case.crisis_steps.select_related("done_by", "owner"))
    for s in steps:
        s.overdue = not s.is_resolved and s.due_at < now
    follow_ups = list(case.follow_ups.select_related("done_by"))
    today = timezone.localdate(now)
    for f in follow_ups:
        f.overdue = f.done_at is None and f.due_on < today
    owner_ids = (
        Post.objects.active()
        .filter(role=Role.PSYCH_TEACHER, node_id__in=[case.school_id, *_campus_ids(case)])
        .values("user_id")
    )
    events = list(case.events.select_related("actor"))
    for (
        e
    ) in events:  # levels and statuses in words (红/已评估…), other values (a step, a department) as stored
        e.before_label, e.after_label = value_label(e.before), value_label(e.after)
    return CasePage(
        events=events,
        members=list(case.members.select_related("user")),
        steps=steps,
        follow_ups=follow_ups,
        disclosures=list(case.disclosures.select_related("recorded_by")),
        reports=list(case.reports.select_related("reporter").order_by("reported_at")),
        owners=list(User.objects.filter(pk__in=owner_ids, is_active=True).order_by("pk")),
    )


def _crisis_prefixes() -> dict[str, str]:
    return {
        "done": _("Done"),
        "skipped": _("Not done"),
        "escalated": _("Escalated"),
        "owner": _("Owner changed"),
    }


def value_label(value: str) -> str:
    """A history value in words: a level or status (红, 已评估), or a crisis step's event ("done:leader" →
    已完成：已通知学校领导) — never the stored code (issue 15, build 3)."""
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    prefix, _sep, kind = value.partition(":")
    if kind in CrisisStepKind.values and prefix in _crisis_prefixes():
        return _("%(what)s: %(step)s") % {
            "what": _crisis_prefixes()[prefix],
            "step": CrisisStepKind(kind).label,
        }
    return value


def _campus_ids(case: Case) -> list[int]:
    return list(
        Enrollment.objects.filter(student=case.student_id, status=EnrollmentStatus.ACTIVE)
        .exclude(school_class__campus_id=None)
        .values_list("school_class__campus_id", flat=True)
    )


def follow_ups_due(user: User, *, within_days: int = 7, now: dt.datetime | None = None) -> QuerySet[FollowUp]:
    """The follow-ups of the user's open cases due within ``within_days`` or overdue, the most overdue first."""
    today = timezone.localdate(now or timezone.now())
    return (
        FollowUp.objects.filter(
            case__in=_clinical_cases(user).exclude(status=CaseStatus.CLOSED).values("pk"),
            done_at__isnull=True,
            due_on__lte=today + dt.timedelta(days=within_days),
        )
        .select_related("case__student", "case__owner")
        .order_by("due_on", "pk")
    )


@dataclass
class CaseWork:
    follow_ups_due: int
    follow_ups_overdue: int
    crisis_due: int
    crisis_overdue: int


def work_counts(user: User, now: dt.datetime | None = None) -> CaseWork:
    """The psychological teacher's home card: follow-ups due/overdue, crisis steps open/overdue (2 queries)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cases = _clinical_cases(user).exclude(status=CaseStatus.CLOSED).values("pk")
    fu = FollowUp.objects.filter(case__in=cases, done_at__isnull=True).aggregate(
        due=Count("pk", filter=Q(due_on__lte=today)), overdue=Count("pk", filter=Q(due_on__lt=today))
    )
    cs = CrisisStep.objects.filter(case__in=cases, done_at__isnull=True, skipped_at__isnull=True).aggregate(
        due=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now))
    )
    return CaseWork(fu["due"] or 0, fu["overdue"] or 0, cs["due"] or 0, cs["overdue"] or 0)


def leader_counts(user: User, now: dt.datetime | None = None) -> tuple[int, int]:
    """A school leader's home card: open red/orange cases, and crisis steps overdue among them."""
    now = now or timezone.now()
    cases = case_list(user, now=now).values("pk")
    n = Case.objects.filter(pk__in=cases).count()
    late = CrisisStep.objects.filter(
        case__in=cases, done_at__isnull=True, skipped_at__isnull=True, due_at__lt=now
    ).count()
    return n, late


def open_case_of(student_id: int) -> Case | None:
    """The student's open case (no policy: callers have checked T3)."""
    return Case.objects.filter(student_id=student_id).exclude(status=CaseStatus.CLOSED).first()


@dataclass
class PathwaySummary:
    """What a case page shows of the plan, contacts and referrals (``care/_pathway_summary.html``)."""

    plan: Plan | None
    open_tasks: int
    contact: ContactStatus
    contacts: int
    referrals: list[Referral]


def pathway_summary(user: User, case: Case, now: dt.datetime | None = None) -> PathwaySummary | None:
    """For the case page: ``None`` when ``user`` may not read the plan of ``case`` (leaders, class teachers)."""
    if not readable_cases(user).filter(pk=case.pk).exists():
        return None
    plan = plan_of(case)
    return PathwaySummary(
        plan=plan,
        open_tasks=plan.actions.filter(done_at__isnull=True).count() if plan else 0,
        contact=contact_status(case, now),
        contacts=case.guardian_contacts.count(),
        referrals=list(case.referrals.select_related("institution")),
    )
