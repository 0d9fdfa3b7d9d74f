"""Reads of the care app. Every read of a student's level or alert starts from ``access.policy``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from access.policy import clinical_student_q, grants, roles_of, visible_students
from access.tiers import Tier
from care.alerts.levels import ALERT_LEVELS, RiskLevel, reason_texts
from care.models import Alert, AlertRoute, AlertStage, CaseStatus, Channel, LevelRecord, Notification
from care.models import Case as CaseModel  # ``Case`` is the conditional expression below
from org.models import Enrollment, EnrollmentStatus, Node, Post, Role, Student, User

# The roles that receive and work alerts (the stages of both routes; a district officer only the last stage of
# the off-hours route, issue 15).
ALERT_ROLES = frozenset(
    {Role.PSYCH_TEACHER, Role.SCHOOL_LEADER, Role.DISTRICT_COUNSELOR, Role.DISTRICT_OFFICER}
)


# --- Policy scopes registered with access (CareConfig.ready) ---------------------------------------------------


def _told_now(user_id: int) -> Q:
    """Over ``Alert``: the user was told of the alert at the stage it is at now (a current responder)."""
    return Q(
        Exists(
            Notification.objects.filter(
                alert_id=OuterRef("pk"), user_id=user_id, stage=OuterRef("stage"), channel=Channel.IN_APP
            )
        )
    )


def escalated_alerts_q(post: Post) -> Q:
    """Over ``Alert``: the open alerts a district post answers for, in its district (issue 15). A district
    counselor: alerts escalated to the centre on the school route (stage 2); off-hours alerts at the whole
    centre or beyond; an off-hours alert with the counselor on duty only for the counselor told of it. A
    district officer: off-hours alerts that reached the district officers and of which they were told."""
    if post.role == Role.DISTRICT_OFFICER:
        return Q(stage=AlertStage.DISTRICT_OFFICE) & _told_now(post.user_id)
    return (
        Q(stage=AlertStage.DISTRICT_CENTRE)
        | Q(stage__in=[AlertStage.CENTRE_ALL, AlertStage.DISTRICT_OFFICE])
        | (Q(stage=AlertStage.CENTRE_ON_DUTY) & _told_now(post.user_id))
    )


def escalated_scope(post: Post) -> Q:
    """Scope.ESCALATED: students with an open alert the district post answers for (``escalated_alerts_q``) at a
    school in the post's district: escalated to the district counseling centre, or raised when no one was at
    the school (issue 15: the off-hours route's current responders have T3 over that student, nobody else)."""
    alerts = Alert.objects.filter(
        escalated_alerts_q(post), closed_at__isnull=True, school__path__startswith=post.node.path
    )
    if post.role == Role.DISTRICT_OFFICER:
        return Q(pk__in=alerts.values("student_id"))
    # … and students whose open case was escalated to the district counseling centre (issue 4 item 9).
    cases = CaseModel.objects.filter(
        escalated_at__isnull=False, school__path__startswith=post.node.path
    ).exclude(status=CaseStatus.CLOSED)
    return Q(pk__in=alerts.values("student_id")) | Q(pk__in=cases.values("student_id"))


def red_orange_scope(post: Post) -> Q:
    """Scope.RED_ORANGE: students of the leader's school whose current level is red or orange, or who have an
    open red or orange alert or case (DESIGN.md: leaders see open red/orange cases — name, level, status)."""
    node: Node = post.node
    enrolled = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, school=node).values("student_id")
    levels = LevelRecord.objects.filter(is_current=True, level__in=ALERT_LEVELS).values("student_id")
    alerts = Alert.objects.filter(closed_at__isnull=True, school=node, level__in=ALERT_LEVELS).values(
        "student_id"
    )
    cases = (
        CaseModel.objects.filter(school=node, level__in=ALERT_LEVELS)
        .exclude(status=CaseStatus.CLOSED)
        .values("student_id")
    )
    return Q(pk__in=enrolled) & (Q(pk__in=levels) | Q(pk__in=alerts) | Q(pk__in=cases))


# --- Alerts -----------------------------------------------------------------------------------------------------


def _urgency(qs: QuerySet[Alert]) -> QuerySet[Alert]:
    """Most urgent first: waiting (unacknowledged, open) before answered, red before orange, the nearest
    deadline first, then the newest."""
    return qs.annotate(
        waiting_rank=Case(
            When(acknowledged_at__isnull=True, closed_at__isnull=True, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        level_rank=Case(
            When(level=RiskLevel.RED, then=Value(0)),
            When(level=RiskLevel.ORANGE, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
    ).order_by("waiting_rank", "level_rank", "ack_deadline", "-raised_at", "-pk")


def alerts_for(user: User) -> QuerySet[Alert]:
    """The alerts ``user`` must see, most urgent first: a psychological teacher's school (or campus), a
    leader's red/orange students, a district counselor's escalated (stage 2) alerts. Nobody else sees alerts
    (a class teacher never does). The students come from ``access.policy`` at T3."""
    t3 = grants(user, Tier.T3)
    roles = {g.role for g in t3} & ALERT_ROLES
    if not roles:
        return Alert.objects.none()
    q = Q(student_id__in=visible_students(user, Tier.T3).values("pk"))
    if roles <= {Role.DISTRICT_COUNSELOR, Role.DISTRICT_OFFICER}:
        district = Q(pk__in=[])
        for g in t3:
            if g.role in roles:
                district |= escalated_alerts_q(g.post) & Q(school__path__startswith=g.post.node.path)
        q &= district
    return _urgency(Alert.objects.filter(q))


def may_see_alerts(user: User) -> bool:
    roles = roles_of(user) & ALERT_ROLES
    if roles == {Role.DISTRICT_OFFICER}:
        # A district officer works an alert only when one reached them (the off-hours route's last stage). The
        # answer is kept on the user for the request: the navigation and the home card both ask.
        cached = getattr(user, "_xinyu_officer_alerts", None)
        if cached is None:
            cached = user._xinyu_officer_alerts = alerts_for(user).exists()
        return cached
    return bool(roles)


@dataclass
class AlertCounts:
    waiting: int
    overdue: int


def waiting_counts(user: User, now: dt.datetime | None = None) -> AlertCounts:
    """How many of the user's alerts wait for an acknowledgement, and how many of those are overdue (1 query)."""
    now = now or timezone.now()
    waiting = Q(acknowledged_at__isnull=True, closed_at__isnull=True)
    got = (
        alerts_for(user)
        .order_by()
        .aggregate(
            waiting=Count("pk", filter=waiting),
            overdue=Count("pk", filter=waiting & Q(ack_deadline__lt=now)),
        )
    )
    return AlertCounts(waiting=got["waiting"] or 0, overdue=got["overdue"] or 0)


def alert_list(user: User) -> QuerySet[Alert]:
    """The alerts page's rows with what each row shows (no query per row)."""
    return alerts_for(user).select_related("student", "school", "acknowledged_by").prefetch_related(_told())


def _told() -> Prefetch:
    """Each alert's in-app notifications with their people: who was told at which stage (``responsibility``)."""
    return Prefetch(
        "notifications",
        queryset=Notification.objects.filter(channel=Channel.IN_APP)
        .select_related("user")
        .only("alert_id", "stage", "user__display_name", "user__username")
        .order_by("user_id"),
        to_attr="told",
    )


# How the responsible group is named after the names (issue 15 Build 2 item 4).
_STAGE_SHORT = {
    AlertStage.PSYCH_TEACHERS: lambda: _("school psychological teacher"),
    AlertStage.SCHOOL_LEADER: lambda: _("school leader"),
    AlertStage.DISTRICT_CENTRE: lambda: _("district counseling centre"),
    AlertStage.CENTRE_ON_DUTY: lambda: _("on duty at the district counseling centre"),
    AlertStage.CENTRE_ALL: lambda: _("district counseling centre"),
    AlertStage.DISTRICT_OFFICE: lambda: _("district education commission"),
}


def _when(moment: dt.datetime, now: dt.datetime) -> str:
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%m-%d %H:%M")


def _who(user: User) -> str:
    return user.display_name or user.username


def responsibility(alert: Alert, now: dt.datetime | None = None) -> str:
    """Who is responsible for the alert now and until when, in one line (issue 15 Build 2 item 4), e.g.
    "当前负责：张老师（区心理中心值班） · 须于 23:00 前签收". Needs ``alert.told`` (``alert_list``)
    and ``acknowledged_by`` loaded. An off-hours alert acknowledged by the centre says the school follows up."""
    now = now or timezone.now()
    if alert.closed_at is not None:
        return _("Alert closed")
    if alert.acknowledged_at is not None:
        who = _who(alert.acknowledged_by) if alert.acknowledged_by else "—"
        if alert.route == AlertRoute.OFF_HOURS and alert.acknowledged_by_id not in {
            n.user_id for n in alert.told if n.stage == AlertStage.PSYCH_TEACHERS
        }:
            return _(
                "Handled off hours: acknowledged by %(who)s (district counseling centre) at %(at)s; the school's "
                "psychological teacher follows up on the next school day"
            ) % {"who": who, "at": _when(alert.acknowledged_at, now)}
        return _("Acknowledged by %(who)s at %(at)s") % {"who": who, "at": _when(alert.acknowledged_at, now)}
    people = [n.user for n in alert.told if n.stage == alert.stage]
    group = _STAGE_SHORT.get(alert.stage, lambda: alert.get_stage_display())()
    who = _(", ").join(_who(u) for u in people) if people else _("nobody in post")
    if alert.ack_deadline is None:
        return _("Responsible now: %(who)s (%(group)s)") % {"who": who, "group": group}
    return _("Responsible now: %(who)s (%(group)s) · acknowledge by %(deadline)s") % {
        "who": who,
        "group": group,
        "deadline": _when(alert.ack_deadline, now),
    }


def is_overdue(alert: Alert, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        alert.acknowledged_at is None
        and alert.closed_at is None
        and alert.ack_deadline is not None
        and alert.ack_deadline < now
    )


# --- Levels -----------------------------------------------------------------------------------------------------


def current_level(student: Student) -> LevelRecord | None:
    """The student's current confirmed level (no policy: for services; pages use ``level_view``)."""
    return LevelRecord.objects.filter(student=student, is_current=True).first()


def _tier_exists(user: User, tier: Tier):
    if not grants(user, tier):
        return Value(False)
    if (
        tier == Tier.T3
    ):  # the reasons and the history are clinical text: CLINICAL_ROLES only (issue 19 finding 5)
        return Exists(Student.objects.filter(clinical_student_q(user), pk=OuterRef("pk")))
    return Exists(visible_students(user, tier).filter(pk=OuterRef("pk")))


def alert_reasons(user: User, alert: Alert) -> list[str] | None:
    """The alert's reasons (critical items, totals: clinical text) in the reader's language for a reader whose
    posts open the student's clinical text (``CLINICAL_ROLES``); ``None`` for anyone else who works the alert — the
    school leader (red/orange: name, level, status) and the district officer of an off-hours alert act on the level,
    not on the answers (issue 19 build 4: the tier tour found the leader reading them here)."""
    if not Student.objects.filter(clinical_student_q(user), pk=alert.student_id).exists():
        return None
    return reason_texts(alert.reasons)


def level_tier(user: User, student: Student) -> Tier | None:
    """What of the student's level ``user`` may see: T3 (level, reasons, history), T2 (the colour), or None."""
    return level_view(user, student).tier


@dataclass
class LevelView:
    tier: Tier | None
    current: LevelRecord | None = None
    history: list[LevelRecord] | None = None  # T3 only


def level_view(user: User, student: Student) -> LevelView:
    """The student page's level section in at most two queries: the tiers (with whether any level exists),
    then the records when there are any. T2 gets the current level only; T3 gets the whole history."""
    got = (
        Student.objects.filter(pk=student.pk)
        .annotate(
            t3=_tier_exists(user, Tier.T3),
            t2=_tier_exists(user, Tier.T2),
            has_level=Exists(LevelRecord.objects.filter(student=OuterRef("pk"))),
        )
        .values_list("t3", "t2", "has_level")
        .first()
    )
    if not got or not (got[0] or got[1]):
        return LevelView(tier=None)
    tier = Tier.T3 if got[0] else Tier.T2
    if not got[2]:
        return LevelView(tier=tier, history=[] if tier == Tier.T3 else None)
    if tier == Tier.T3:
        history = list(LevelRecord.objects.filter(student=student).select_related("confirmed_by", "school"))
        return LevelView(tier=tier, current=next((r for r in history if r.is_current), None), history=history)
    return LevelView(tier=tier, current=current_level(student))


def level_history(user: User, student: Student) -> QuerySet[LevelRecord]:
    """Every confirmed level of the student, newest first — for T3 viewers only (empty for everyone else)."""
    if level_tier(user, student) != Tier.T3:
        return LevelRecord.objects.none()
    return LevelRecord.objects.filter(student=student).select_related("confirmed_by", "school")


# --- Where an alert came from (issue 15, build 3): the page that reviews its source -----------------------------

# source_type → fn(user, source_id) -> the URL of the page where ``user`` reviews that source and confirms the
# level (the screening review of a sheet), or None. Registered by the higher app that owns the source (screening
# in its AppConfig.ready()), since care never imports it.
_ALERT_SOURCE_LINKS: dict = {}


def register_alert_source(source_type: str, fn) -> None:
    _ALERT_SOURCE_LINKS[source_type] = fn


def alert_source_link(user: User, alert: Alert) -> str | None:
    fn = _ALERT_SOURCE_LINKS.get(alert.source_type)
    return fn(user, alert.source_id) if fn else None
