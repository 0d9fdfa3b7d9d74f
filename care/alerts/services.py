"""Writes of the care app: alerts (raise, acknowledge, escalate), notifications (the outbox, sent by
care.channels: e-mail, SMS, 企业微信), levels.

Alerts cannot be lost (issue 3, deliverable 7): ``raise_alert`` writes the alert, its events and its
notification rows in the *caller's* transaction — the screening submit — so a result and its alert commit or
roll back together. E-mail leaves only after commit (``transaction.on_commit`` → Celery task); a row whose
e-mail did not go out is retried by the escalation timer (``flush_outbox``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import deque
from collections.abc import Collection, Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from access import audit
from access.policy import roles_of, visible_students
from access.tiers import Tier
from care import channels
from care.alerts import deadlines, responders
from care.alerts.levels import ALERT_LEVELS, RiskLevel
from care.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRoute,
    AlertStage,
    Channel,
    Delivery,
    DeliveryStatus,
    LevelRecord,
    Notification,
)
from org.models import Enrollment, EnrollmentStatus, Node, Post, Role, Student, User

log = logging.getLogger(__name__)

LAST_STAGE = AlertStage.DISTRICT_CENTRE
# Who may confirm a level (a human confirms every level; DESIGN.md): the clinicians of the tier table.
CONFIRMING_ROLES = frozenset({Role.PSYCH_TEACHER, Role.DISTRICT_COUNSELOR})
MAX_EMAIL_ATTEMPTS = 5  # tries of one outside row by the relay (e-mail, SMS, 企业微信)
MAX_URGENT_ATTEMPTS = 30  # an alert's or a red notification's row: about half an hour of the one-minute timer


# --- Recipients -----------------------------------------------------------------------------------------------


def _student_campus_id(student: Student) -> int | None:
    return (
        Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
        .values_list("school_class__campus_id", flat=True)
        .first()
    )


def recipients(
    alert: Alert, stage: int, on: dt.date | None = None, at: dt.datetime | None = None
) -> list[User]:
    """The people an alert at ``stage`` goes to: 0 the psychological teachers of the school or of the
    student's campus, 1 the school's leaders, 2 the district's counselors (district counseling centre); off
    hours 3 the district counselor on duty at ``at``, 4 every counselor of the centre, 5 the district officers."""
    return stage_recipients(school=alert.school, student=alert.student, stage=stage, on=on, at=at)


def stage_recipients(
    *, school: Node, student: Student, stage: int, on: dt.date | None = None, at: dt.datetime | None = None
) -> list[User]:
    """The people of an escalation ``stage`` for a student of ``school`` (alerts, reports, crisis steps)."""
    if stage == AlertStage.CENTRE_ON_DUTY:  # issue 15: the district centre's duty roster (counseling)
        district = responders.district_of(school)
        return responders.district_on_duty(district, at or timezone.now()) if district else []
    posts = Post.objects.active(on)
    if stage == AlertStage.PSYCH_TEACHERS:
        nodes = [school.pk]
        campus_id = _student_campus_id(student)
        if campus_id:
            nodes.append(campus_id)
        posts = posts.filter(role=Role.PSYCH_TEACHER, node_id__in=nodes)
    elif stage == AlertStage.SCHOOL_LEADER:
        posts = posts.filter(role=Role.SCHOOL_LEADER, node_id=school.pk)
    elif stage == AlertStage.DISTRICT_OFFICE:
        posts = posts.filter(role=Role.DISTRICT_OFFICER, node_id=school.district_id)
    else:  # the district counseling centre (school route's last stage; the off-hours route's second)
        posts = posts.filter(role=Role.DISTRICT_COUNSELOR, node_id=school.district_id)
    ids = posts.values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def _first_stage_with_recipients(
    alert: Alert, start: int, on: dt.date | None = None, at: dt.datetime | None = None
) -> tuple[int, list[User]]:
    """From ``start`` up the alert's route, the first stage that has anyone to tell (a school without a
    psychological teacher starts at its leader; with no counselor on duty an off-hours alert starts at the whole
    centre). The last stage is kept even when empty, so the alert stays visible as unanswered."""
    stages = alert.stages
    stage = start
    while True:
        people = recipients(alert, stage, on, at)
        if people or stage >= stages[-1]:
            return stage, people
        stage += 1


def _stage_deadline(
    alert: Alert, now: dt.datetime, calendar: deadlines.SchoolCalendar | None = None
) -> dt.datetime | None:
    """The deadline of the stage the alert reaches at ``now``: the school route's rule (wall or school clock),
    or the off-hours route's wall-clock minutes (issue 15)."""
    district = _district(alert.school)
    if alert.route == AlertRoute.OFF_HOURS:
        return deadlines.off_hours_deadline(alert.level, now, district)
    return deadlines.deadline(alert.level, now, district, calendar)


def _route_for(school: Node, now: dt.datetime) -> str:
    """R5.1/issue 15: the school route while a responder is at the school; otherwise, by wall clock, the
    district centre (a school outside any district has no centre: it keeps the school route)."""
    if school.district_id is None or responders.responder_available(school, now):
        return AlertRoute.SCHOOL
    return AlertRoute.OFF_HOURS


def _tell_school_in_app(alert: Alert, now: dt.datetime) -> None:
    """An off-hours alert is also put in the school's psychological teachers' queue at once, in the app only
    (no message at night): they find it first thing the next school day, with what the centre did."""
    people = recipients(alert, AlertStage.PSYCH_TEACHERS)
    Notification.objects.bulk_create(
        [
            Notification(
                user=u, alert=alert, stage=AlertStage.PSYCH_TEACHERS, channel=Channel.IN_APP, created_at=now
            )
            for u in people
        ],
        ignore_conflicts=True,
    )
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.NOTIFIED,
        at=now,
        stage=AlertStage.PSYCH_TEACHERS,
        detail={"users": [u.pk for u in people], "email": 0, "in_app_only": True},
    )


def _rows_for(
    user: User, choice, *, urgent: bool, push: bool, message: uuid.UUID, skip: Collection[str] = (), **common
) -> list[Notification]:
    """The outbox rows of one message to one person: in-app always; outside channels when ``push`` — red
    (``urgent``) by every channel the person has, else by their choice (``care.channels.channels_for``) — except
    the channels in ``skip`` (the person was already told of the same thing by them)."""
    rows = [Notification(user=user, channel=Channel.IN_APP, urgent=urgent, message=message, **common)]
    if push:
        for channel in channels.channels_for(user, choice, urgent=urgent):
            if channel not in skip:
                rows.append(
                    Notification(user=user, channel=channel, urgent=urgent, message=message, **common)
                )
    return rows


def _notify(
    alert: Alert,
    stage: int,
    people: Iterable[User],
    now: dt.datetime,
    told_outside: Mapping[int, Collection[str]] | None = None,
) -> list[int]:
    """Outbox rows for ``people``: in-app for everyone, and the outside channels — a red alert, and any alert on
    the off-hours route (the counselor on duty at night is not reading e-mail), by every channel each person has
    (R5.1, issue 15); an orange one in school time by their choice — but not a channel by which the source's own
    notification already told that person of the same thing (``told_outside``: one emergency SMS per message).
    Returns the outside rows' ids (sent after commit)."""
    people = list(people)
    told_outside = told_outside or {}
    choices = channels.choices_of(people)
    urgent = alert.level == RiskLevel.RED or alert.route == AlertRoute.OFF_HOURS
    rows = []
    for user in people:
        rows += _rows_for(
            user, choices.get(user.pk), urgent=urgent, push=True, message=uuid.uuid4(),
            skip=told_outside.get(user.pk, ()), alert=alert, stage=stage, created_at=now,
        )  # fmt: skip
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    outside = [r for r in rows if r.channel != Channel.IN_APP]
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.NOTIFIED,
        at=now,
        stage=stage,
        detail={
            "users": sorted({r.user_id for r in rows}),
            "email": sum(r.channel == Channel.EMAIL for r in rows),
            "channels": {
                c: sum(r.channel == c for r in outside) for c in sorted({r.channel for r in outside})
            },
            # Nobody of this stage has an outside channel: only the inbox tells them (docs/alerts.md).
            "in_app_only": not outside,
            # told of the same thing by the source's own notification: those channels were not used again
            "already_told": sorted(u.pk for u in people if told_outside.get(u.pk)),
        },
    )
    ids = list(
        Notification.objects.filter(alert=alert, stage=stage, sent_at__isnull=True)
        .exclude(channel=Channel.IN_APP)
        .values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue_sends(ids))
    return ids


def notify(
    *,
    users: Iterable[User],
    kind: str,
    subject: str,
    url: str,
    key: str = "",
    email: bool = False,
    level: str = "",
    outside_text: str = "",
    now: dt.datetime | None = None,
) -> int:
    """通知 — tell people something that is not an alert (a report filed about a student of theirs, a task
    due, a booking to confirm): an in-app row each, and — when ``email`` (worth telling outside the app) — the
    outside channels each person chose (e-mail, SMS, 企业微信), sent after commit. ``level="red"`` marks it
    red-urgent (a crisis step): it goes by every channel the person has, whatever they chose. Write it in the
    caller's transaction (the outbox), so it exists exactly when the thing it tells of.

    ``subject`` is shown in the app and must carry no clinical text (a name the recipient may see is fine; no
    outside channel ever carries it: they only say there is something to see, and link to the login).
    ``outside_text`` is what they may add: what the to-do is and by when ("有人陪护学生，不让其独处，截止 08:45"),
    never who it is about, a level, a school or a diagnosis. ``key``
    makes the call idempotent per user and channel (a reminder sent twice is stored once). Returns the in-app
    rows written (already-present keys are not counted)."""
    if level and level not in RiskLevel.values:
        raise ValueError(f"unknown risk level {level!r}")
    now = now or timezone.now()
    urgent = level == RiskLevel.RED
    people = [u for u in {u.pk: u for u in users if u is not None}.values() if u.is_active]
    already: set[int] = set()
    if key:
        already = set(
            Notification.objects.filter(user__in=people, channel=Channel.IN_APP, key=key).values_list(
                "user_id", flat=True
            )
        )
    people = [u for u in people if u.pk not in already]
    choices = channels.choices_of(people) if (email or urgent) else {}
    rows = []
    for user in people:
        rows += _rows_for(
            user, choices.get(user.pk), urgent=urgent, push=email or urgent, message=uuid.uuid4(),
            kind=kind, subject=subject[:200], outside_text=outside_text[:200], url=url, key=key, created_at=now,
        )  # fmt: skip
    created = Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    if email or urgent:
        ids = list(
            Notification.objects.filter(message__in=[r.message for r in rows], sent_at__isnull=True)
            .exclude(channel=Channel.IN_APP)
            .values_list("pk", flat=True)
        )
        if ids:
            transaction.on_commit(lambda: _enqueue_sends(ids))
    return sum(1 for r in created if r.channel == Channel.IN_APP)


def _enqueue_sends(ids: list[int]) -> None:
    from care.alerts.tasks import send_notification_emails

    try:
        send_notification_emails.delay(ids)
    except Exception:  # a broker down must not fail the request: the timer's flush_outbox sends them later
        log.exception("care: could not enqueue notifications %s; the escalation timer will retry", ids)


# --- Alerts ---------------------------------------------------------------------------------------------------


def _school_of(student: Student) -> Node | None:
    school_id = (
        Enrollment.objects.filter(student=student, status=EnrollmentStatus.ACTIVE)
        .values_list("school_id", flat=True)
        .first()
    )
    return Node.objects.filter(pk=school_id).first() if school_id else None


def raise_alert(
    *,
    student: Student,
    level: str,
    reasons: list[dict],
    source_type: str,
    source_id: str,
    school: Node | None = None,
    raised_by: User | None = None,
    now: dt.datetime | None = None,
    told_outside: Mapping[int, Collection[str]] | None = None,
) -> Alert | None:
    """Raise a red or orange alert (预警) for ``student``; yellow and none raise nothing and return ``None``.

    ``told_outside`` (user id → channels): people the source already told of this same event outside the app
    (a 24-hour message's emergency SMS); the alert reaches them in the app and by no channel used already.

    Call it inside the caller's ``transaction.atomic`` (the outbox, R5.3): the alert, its events and its
    notification rows are written there; e-mail is sent after commit. Idempotent per (source_type, source_id):
    raising again for the same source returns the existing alert and writes nothing.
    ``reasons`` = ``[{"code": …, "text": {"zh-hans": …, "en": …}}]`` (stored encrypted, T3).
    """
    if level not in RiskLevel.values:
        raise ValueError(f"unknown risk level {level!r}")
    if level not in ALERT_LEVELS:
        return None
    source_id = str(source_id)
    existing = Alert.objects.filter(source_type=source_type, source_id=source_id).first()
    if existing is not None:
        return existing
    school = school or _school_of(student)
    if school is None:
        raise ValueError(f"student {student.pk} has no active enrollment: name the school of the alert")
    now = now or timezone.now()
    alert = Alert(
        student=student,
        school=school,
        level=level,
        reasons=list(reasons),
        source_type=source_type,
        source_id=source_id,
        raised_by=raised_by,
        raised_at=now,
    )
    alert.route = _route_for(school, now)
    stage, people = _first_stage_with_recipients(alert, alert.stages[0], at=now)
    alert.stage = stage
    alert.ack_deadline = _stage_deadline(alert, now)
    try:
        with transaction.atomic():  # a savepoint: a concurrent raise for the same source must not break ours
            alert.save(force_insert=True)
    except IntegrityError:
        return Alert.objects.get(source_type=source_type, source_id=source_id)
    AlertEvent.objects.create(
        alert=alert,
        kind=AlertEventKind.RAISED,
        at=now,
        actor=raised_by,
        stage=stage,
        detail={
            "level": level,
            "source_type": source_type,
            "source_id": source_id,
            "skipped_to": stage,
            "route": alert.route,
        },
    )
    _notify(alert, stage, people, now, told_outside)
    if alert.route == AlertRoute.OFF_HOURS:
        _tell_school_in_app(alert, now)
    audit.record(
        actor=raised_by,
        action="care.alert.raise",
        obj=alert,
        student_id=student.pk,
        detail={
            "level": level,
            "stage": stage,
            "route": alert.route,
            "source_type": source_type,
            "source_id": source_id,
        },
    )
    return alert


def _district(school: Node) -> Node | None:
    return school.district if school.district_id else None


def may_handle_alert(user: User, alert: Alert) -> bool:
    """May ``user`` see and acknowledge this alert? Exactly when it is among ``alerts_for(user)``."""
    from care.alerts.selectors import alerts_for

    return alerts_for(user).filter(pk=alert.pk).exists()


def acknowledge_alert(*, alert: Alert, user: User, now: dt.datetime | None = None) -> Alert:
    """签收 — a person takes the alert on; escalation stops. Policy-checked and audited. Acknowledging an
    alert already acknowledged changes nothing."""
    if not may_handle_alert(user, alert):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        locked = Alert.objects.select_for_update().get(pk=alert.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, user
            locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
            AlertEvent.objects.create(
                alert=locked, kind=AlertEventKind.ACKNOWLEDGED, at=now, actor=user, stage=locked.stage
            )
            audit.record(
                actor=user,
                action="care.alert.acknowledge",
                obj=locked,
                student_id=locked.student_id,
                detail={"level": locked.level, "stage": locked.stage},
            )
            # Its in-app notifications are answered: mark them read for everyone told.
            Notification.objects.filter(alert=locked, read_at__isnull=True, channel=Channel.IN_APP).update(
                read_at=now
            )
    return locked


# The stages that still climb (every stage but the last of each route).
CLIMBING_STAGES = (
    AlertStage.PSYCH_TEACHERS,
    AlertStage.SCHOOL_LEADER,
    AlertStage.CENTRE_ON_DUTY,
    AlertStage.CENTRE_ALL,
)


def _waiting(now: dt.datetime):
    return Alert.objects.filter(
        acknowledged_at__isnull=True,
        closed_at__isnull=True,
        stage__in=CLIMBING_STAGES,
        ack_deadline__lte=now,
    )


def _escalate_one(
    alert_id: int, now: dt.datetime, calendar: deadlines.SchoolCalendar, unreachable_stage: int | None = None
) -> bool:
    """Move one alert a stage up: past its deadline, or — ``unreachable_stage`` — at once, because nobody of
    that stage could be reached by any outside channel."""
    with transaction.atomic():
        if unreachable_stage is None:
            qs = _waiting(now)
        else:
            qs = Alert.objects.filter(
                acknowledged_at__isnull=True,
                closed_at__isnull=True,
                stage=unreachable_stage,
                stage__lt=LAST_STAGE,
            )
        qs = qs.filter(pk=alert_id).select_related("school__district")
        if connection.features.has_select_for_update_skip_locked:
            # Two timers at once: the second skips the row the first is escalating (PostgreSQL).
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        alert = qs.first()
        if alert is None:
            return False
        before = alert.stage
        stage, people = _first_stage_with_recipients(alert, before + 1, at=now)
        new_deadline = _stage_deadline(alert, now, calendar)
        # Conditional update: on SQLite (no row locks) the stage check makes a second run a no-op.
        moved = Alert.objects.filter(pk=alert.pk, stage=before, acknowledged_at__isnull=True).update(
            stage=stage, ack_deadline=new_deadline
        )
        if not moved:
            return False
        alert.stage, alert.ack_deadline = stage, new_deadline
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.ESCALATED,
            at=now,
            stage=stage,
            detail={
                "from": before,
                "to": stage,
                "route": alert.route,
                **({"unreachable": True} if unreachable_stage is not None else {}),
            },
        )
        _notify(alert, stage, people, now)
        audit.record(
            actor=None,
            action="care.alert.escalate",
            obj=alert,
            student_id=alert.student_id,
            detail={
                "from": before,
                "to": stage,
                "level": alert.level,
                "route": alert.route,
                "unreachable": unreachable_stage is not None,
            },
        )
    return True


def escalate_overdue(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Move every unacknowledged alert past its deadline one stage up its route (school: psychological teachers
    → school leader → district counseling centre; off hours, by wall clock: the counselor on duty → the whole
    centre → the district officers), with events and notifications. Returns how many moved. Idempotent: run it
    twice at the same ``now`` and the second run moves nothing; safe when two timers run at once."""
    now = now or timezone.now()
    calendar = deadlines.SchoolCalendar(timezone.localdate(now))
    moved = 0
    ids = list(_waiting(now).order_by("ack_deadline").values_list("pk", flat=True)[:batch])
    for alert_id in ids:
        moved += _escalate_one(alert_id, now, calendar)
    return moved + hand_over_at_closing(now=now, calendar=calendar, batch=batch)


def hand_over_at_closing(
    *, now: dt.datetime | None = None, calendar: deadlines.SchoolCalendar | None = None, batch: int = 500
) -> int:
    """When school time ends, an unacknowledged school-route alert still with the school (psychological
    teachers or leader; an orange one would wait for the next school day) goes over to the off-hours route: the
    district counselor on duty (or the whole centre) by wall clock (issue 15). Run by the escalation timer;
    idempotent (a conditional update on the route and stage). Returns how many were handed over."""
    now = now or timezone.now()
    calendar = calendar or deadlines.SchoolCalendar(timezone.localdate(now))
    if responders.in_school_hours(now, calendar):
        return 0
    ids = list(
        Alert.objects.filter(
            route=AlertRoute.SCHOOL,
            acknowledged_at__isnull=True,
            closed_at__isnull=True,
            stage__in=[AlertStage.PSYCH_TEACHERS, AlertStage.SCHOOL_LEADER],
            school__district__isnull=False,
        )
        .order_by("raised_at")
        .values_list("pk", flat=True)[:batch]
    )
    moved = 0
    for alert_id in ids:
        with transaction.atomic():
            alert = Alert.objects.select_related("school__district").get(pk=alert_id)
            before = alert.stage
            alert.route = AlertRoute.OFF_HOURS
            stage, people = _first_stage_with_recipients(alert, alert.stages[0], at=now)
            new_deadline = _stage_deadline(alert, now)
            done = Alert.objects.filter(
                pk=alert.pk, route=AlertRoute.SCHOOL, stage=before, acknowledged_at__isnull=True
            ).update(route=AlertRoute.OFF_HOURS, stage=stage, ack_deadline=new_deadline)
            if not done:
                continue
            alert.stage, alert.ack_deadline = stage, new_deadline
            detail = {"from": before, "to": stage, "route": AlertRoute.OFF_HOURS, "why": "school_closed"}
            AlertEvent.objects.create(
                alert=alert, kind=AlertEventKind.ESCALATED, at=now, stage=stage, detail=detail
            )
            _notify(alert, stage, people, now)
            audit.record(
                actor=None,
                action="care.alert.escalate",
                obj=alert,
                student_id=alert.student_id,
                detail={**detail, "level": alert.level},
            )
            moved += 1
    return moved


# --- Sending (after commit): e-mail, SMS, 企业微信 ---------------------------------------------------------------


CLAIM_LEASE = dt.timedelta(minutes=5)  # a claim older than this belongs to a worker that died: send again


def _claimable(now: dt.datetime) -> Q:
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)


def send_notifications(ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """Send the outside notification rows ``ids`` (e-mail, SMS, 企业微信) that are still unsent. Each row is
    claimed first (a lease, so two workers never send it at once) and marked sent only after the provider took
    it: a worker killed in between leaves it unsent and the relay sends it again once the lease lapses. Every
    attempt is recorded (``Delivery``). A failed one (error answer, timeout) releases its claim for the relay,
    falls through at once to the next channel the person has, and counts toward escalation: when every
    outside delivery of an alert's stage failed, the alert moves up at once (docs/alerts.md). Returns how
    many went out."""
    sent = 0
    queue = deque(ids)
    while queue:
        pk = queue.popleft()
        claim_at = now or timezone.now()
        claimed = (
            Notification.objects.filter(pk=pk, sent_at__isnull=True)
            .exclude(channel=Channel.IN_APP)
            .filter(_claimable(claim_at))
            .update(claimed_at=claim_at)
        )
        if not claimed:
            continue
        n = Notification.objects.select_related("user").get(pk=pk)
        started = timezone.now()
        try:
            result = channels.deliver(n)
        except channels.DeliveryFailed as exc:
            log.warning("care: notification %s by %s failed (%s); it will be retried", pk, n.channel, exc)
            Delivery.objects.create(
                notification=n, attempt=n.attempts + 1, channel=n.channel, provider=exc.provider,
                status=DeliveryStatus.TIMEOUT if exc.timeout else DeliveryStatus.FAILED, error=exc.error,
                started_at=started, finished_at=timezone.now(),
            )  # fmt: skip
            Notification.objects.filter(pk=pk).update(claimed_at=None, attempts=n.attempts + 1)
            queue.extend(_fall_through(n, now or timezone.now()))
            if n.alert_id is not None:
                _escalate_if_unreachable(n.alert_id, n.stage, now or timezone.now())
            continue
        finished = timezone.now()
        Delivery.objects.create(
            notification=n, attempt=n.attempts + 1, channel=n.channel, provider=result.provider,
            provider_id=result.provider_id, status=DeliveryStatus.ACCEPTED, started_at=started,
            finished_at=finished, receipt_at=finished,
        )  # fmt: skip
        Notification.objects.filter(pk=pk).update(sent_at=now or finished, attempts=n.attempts + 1)
        sent += 1
    return sent


send_emails = send_notifications  # the name of issue 3, kept for callers


def _fall_through(n: Notification, now: dt.datetime) -> list[int]:
    """A failed row's message goes at once by the next channel the person has and this message has not used."""
    if n.message is None:
        return []
    tried = set(Notification.objects.filter(message=n.message).values_list("channel", flat=True))
    choice = channels.ChannelChoice.objects.filter(user_id=n.user_id).first()
    channel = channels.next_channel(n.user, choice, tried)
    if channel is None:
        return []
    row = Notification(
        user=n.user, alert_id=n.alert_id, kind=n.kind, subject=n.subject, url=n.url, key=n.key, stage=n.stage,
        channel=channel, created_at=now, urgent=n.urgent, message=n.message,
    )  # fmt: skip
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # another worker fell through already
        return []
    return [row.pk]


def _escalate_if_unreachable(alert_id: int, stage: int, now: dt.datetime) -> bool:
    """Nobody of the alert's current stage could be reached: every outside row of the stage was tried, none went
    out, none is being sent. Then the alert does not wait for its deadline: it moves up now."""
    rows = list(
        Notification.objects.filter(alert_id=alert_id, stage=stage)
        .exclude(channel=Channel.IN_APP)
        .values_list("sent_at", "attempts", "claimed_at")
    )
    if not rows or any(sent or not attempts or claimed for sent, attempts, claimed in rows):
        return False
    calendar = deadlines.SchoolCalendar(timezone.localdate(now))
    return _escalate_one(alert_id, now, calendar, unreachable_stage=stage)


def delivery_report(
    *, provider: str, provider_id: str, delivered: bool, code: str = "", now: dt.datetime | None = None
) -> int:
    """The provider's delivery report (回执) of a send: recorded on its ``Delivery``. A report that the message
    did not arrive (phone off, number void) makes it fall through at once to the person's next channel unused by
    this message; the row stays sent (sending the same SMS again would not help). Returns how many deliveries it
    matched (0: an unknown id, ignored)."""
    now = now or timezone.now()
    matched = 0
    for delivery in Delivery.objects.filter(provider=provider, provider_id=provider_id).select_related(
        "notification__user"
    ):
        if delivery.status in (DeliveryStatus.DELIVERED, DeliveryStatus.UNDELIVERED):
            continue  # a report posted twice is counted once
        matched += 1
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.DELIVERED if delivered else DeliveryStatus.UNDELIVERED,
            receipt_at=now,
            error="" if delivered else code[:300],
        )
        if not delivered:
            n = delivery.notification
            ids = _fall_through(n, now)
            if ids:
                transaction.on_commit(lambda ids=ids: _enqueue_sends(ids))
    return matched


def flush_outbox(
    *, now: dt.datetime | None = None, older_than: dt.timedelta = dt.timedelta(minutes=1)
) -> int:
    """Send outside notifications left unsent (a broker was down, a worker died mid-send, a provider failed or
    did not answer): the outbox's relay, run by the escalation timer every minute."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            _claimable(now),
            Q(attempts__lt=MAX_EMAIL_ATTEMPTS)
            | (Q(urgent=True) | Q(alert__isnull=False)) & Q(attempts__lt=MAX_URGENT_ATTEMPTS),
            sent_at__isnull=True,
            created_at__lte=now - older_than,
        )
        .exclude(channel=Channel.IN_APP)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:1000]
    )
    return send_notifications(ids, now=now)


# --- Levels ---------------------------------------------------------------------------------------------------


def may_confirm_level(user: User, student: Student) -> bool:
    return (
        bool(roles_of(user) & CONFIRMING_ROLES)
        and visible_students(user, Tier.T3).filter(pk=student.pk).exists()
    )


def confirm_level(
    *,
    student: Student,
    level: str,
    by: User,
    reason: str,
    source_type: str,
    source_id: str,
    reasons: list[dict] | None = None,
    now: dt.datetime | None = None,
) -> LevelRecord:
    """确认等级 — a person confirms a student's level; it becomes the current level and the previous one
    stays in the history (exactly one current record per student, by a partial unique constraint)."""
    if level not in RiskLevel.values:
        raise ValueError(f"unknown risk level {level!r}")
    if not may_confirm_level(by, student):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        # Serialise confirmations of one student: the student row is the lock.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        previous = LevelRecord.objects.filter(student=student, is_current=True).first()
        LevelRecord.objects.filter(student=student, is_current=True).update(is_current=False)
        record = LevelRecord.objects.create(
            student=student,
            level=level,
            reasons=list(reasons or []),
            note=reason,
            source_type=source_type,
            source_id=str(source_id),
            school=_school_of(student),
            confirmed_by=by,
            confirmed_at=now,
            is_current=True,
        )
        audit.record(
            actor=by,
            action="care.level.confirm",
            obj=record,
            student_id=student.pk,
            detail={
                "level": level,
                "previous": previous.level if previous else None,
                "source_type": source_type,
                "source_id": str(source_id),
            },
        )
        alerts_follow_level(record=record, by=by, now=now)
    return record


# --- The alert's level follows the confirmed level (issue 15, build 3) -------------------------------------------


def alerts_follow_level(*, record: LevelRecord, by: User | None, now: dt.datetime) -> int:
    """The student's open alerts take the level a person just confirmed (a review, a case level change, a
    counselor's judgement: wherever ``confirm_level`` runs), so the alert list never shows 橙 for a student
    confirmed 红. Each change is an ``AlertEvent`` and an audit event; an alert that rises to red while still
    unacknowledged gets red's deadline when that is sooner (DESIGN.md: red is acknowledged within 15 min).
    Runs inside ``confirm_level``'s transaction. Returns how many alerts changed."""
    changed = 0
    alerts = (
        Alert.objects.select_for_update(of=("self",))  # the alert rows only: the district join is nullable
        .filter(student_id=record.student_id, closed_at__isnull=True)
        .exclude(level=record.level)
        .select_related("school__district")
    )
    for alert in alerts:
        before, fields = alert.level, ["level"]
        alert.level = record.level
        if record.level == RiskLevel.RED and alert.acknowledged_at is None:
            red_by = deadlines.deadline(RiskLevel.RED, now, _district(alert.school))
            if red_by is not None and (alert.ack_deadline is None or red_by < alert.ack_deadline):
                alert.ack_deadline = red_by
                fields.append("ack_deadline")
        alert.save(update_fields=fields)
        AlertEvent.objects.create(
            alert=alert,
            kind=AlertEventKind.LEVEL,
            at=now,
            actor=by,
            stage=alert.stage,
            detail={"from": before, "to": record.level, "level_record": record.pk},
        )
        audit.record(
            actor=by,
            action="care.alert.level",
            obj=alert,
            student_id=alert.student_id,
            detail={"from": before, "to": record.level, "level_record": record.pk},
        )
        changed += 1
    return changed
