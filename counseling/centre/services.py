"""Writes of the district counseling centre (区心理咨询中心) and the 24-hour message platform (R4.2).

Every write asks the policy first, runs in one transaction and is audited. An anonymous sender stays anonymous:
no write here stores or audits who they are (no user, no student, no school, no address).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import unicodedata

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import posts_of, visible_students
from access.tiers import Tier
from care.alerts import services as care
from care.alerts.levels import RiskLevel
from care.cases import services as cases
from care.models import CaseSource, Channel, Notification
from counseling.centre import labels, overlay, triage
from counseling.centre.models import (
    CallOutcome,
    CentreVisit,
    DutyShift,
    HotlineCall,
    Message,
    MessageReply,
    MessageStage,
    MessageStatus,
    OnlineLine,
    OnlineSession,
    OnlineStatus,
    RiskClass,
    RiskLabel,
    TermAction,
    TermKind,
    TriageTerm,
    TriageTermChange,
    VisitStatus,
)
from counseling.centre.normalise import normalise
from org.calendar import selectors as calendar
from org.calendar import services as calendar_services
from org.calendar.models import CalendarDay, DayKind
from org.models import EnrollmentStatus, Node, NodeKind, Post, Role, Student, User

MAX_MESSAGE = 4000
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on a phone
CRISIS_KIND = (
    "centre.crisis"  # high-priority notification kind (an anonymous crisis has no student to alert on)
)
IMMINENT_KIND = "centre.imminent"  # 紧急危险: red, by every channel the person has
# What the outside channels say of an imminent-danger message (no who, no level, no school): it is urgent, and what
# to do. Chinese only, like the SMS templates: it leaves the system as written.
IMMINENT_TODO = "紧急：一条24小时留言显示学生可能正处于危险中，请立即登录回复并设法联系，必要时拨打110/120"


class CentreError(Exception):
    """A refusal with a message for the user; ``status`` 400 (bad input), 403 (not allowed), 409 (conflict)."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = 0  # seconds, for a 429


# --- who ------------------------------------------------------------------------------------------------------


def counselor_districts(user: User) -> list[Node]:
    """The districts whose centre ``user`` works in as a district counselor (区心理咨询中心咨询师)."""
    return [
        p.node
        for p in posts_of(user)
        if p.role == Role.DISTRICT_COUNSELOR and p.node.kind == NodeKind.DISTRICT
    ]


def admin_districts(user: User) -> list[Node]:
    """The districts whose duty roster ``user`` keeps (district administrator)."""
    return [
        p.node for p in posts_of(user) if p.role == Role.DISTRICT_ADMIN and p.node.kind == NodeKind.DISTRICT
    ]


def may_edit_calendar(user: User) -> bool:
    return any(p.role in (Role.DISTRICT_ADMIN, Role.CITY_ADMIN) for p in posts_of(user))


def on_duty(district: Node, at: dt.datetime) -> list[User]:
    ids = DutyShift.objects.filter(district=district, starts_at__lte=at, ends_at__gt=at).values(
        "counselor_id"
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def is_on_duty(user: User, district: Node, at: dt.datetime) -> bool:
    return DutyShift.objects.filter(
        district=district, counselor=user, starts_at__lte=at, ends_at__gt=at
    ).exists()


def district_counselors(district: Node) -> list[User]:
    ids = Post.objects.active().filter(role=Role.DISTRICT_COUNSELOR, node=district).values("user_id")
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def own_student(user: User) -> Student | None:
    """The student record of a signed-in student (their SELF scope)."""
    return visible_students(user, Tier.T1).filter(user=user).first()


def district_of(student: Student) -> Node | None:
    enrollment = (
        student.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("school__district").first()
    )
    return enrollment.school.district if enrollment else None


# --- service calendar (R4.2: after school, weekends, public holidays) -------------------------------------------


def load_holidays() -> tuple[int, int]:
    """Load the national public-holiday calendar (法定节假日与调休) from ``chinesecalendar`` into the school
    calendar (``org.calendar``). Idempotent; days a person edited are kept. Returns (created, updated)."""
    return calendar_services.load_national_holidays()


def day_kind(day: dt.date, cal: calendar.SchoolCalendar | None = None) -> str:
    """ "school_day", "weekend" or "holiday": the kind of day at ``cal``'s node (the national calendar if none),
    holidays and 调休 working days included (``org.calendar.selectors``)."""
    cal = cal or calendar.SchoolCalendar(day, 0)
    return cal.day_kind(day)


def service_hours(kind: str) -> tuple[dt.time, dt.time]:
    start, end = settings.XINYU_CENTRE_HOURS[kind]
    return dt.time.fromisoformat(start), dt.time.fromisoformat(end)


def edit_calendar_day(
    *, user: User, day: dt.date, kind: str, name: str = "", now: dt.datetime | None = None
) -> CalendarDay | None:
    """A district administrator corrects the calendar of their district, a city administrator the national one:
    ``kind`` "holiday", "workday" or "" (the level above holds again). The school calendar page
    (``xinyu.web.calendar``) does the same with more; this is the centre's shortcut."""
    if not may_edit_calendar(user):
        raise CentreError(_("Only an administrator may edit the holiday calendar."), 403)
    if kind and kind not in (DayKind.HOLIDAY, DayKind.WORKDAY):
        raise CentreError(_("Choose a public holiday, a make-up working day or an ordinary day."))
    if kind and not name.strip():
        raise CentreError(_("Give the day a name, e.g. 国庆节."))
    districts = admin_districts(user)
    node = districts[0] if districts else None
    with transaction.atomic():
        calendar_services.set_days(node=node, first=day, kind=kind, name=name, by=user, now=now)
        row = CalendarDay.objects.filter(node=node, date=day).first()
        audit.record(
            actor=user,
            action="counseling.calendar.edit" if kind else "counseling.calendar.clear",
            obj=row,
            detail={"date": day.isoformat(), "kind": kind, "node": node.pk if node else None},
        )
    return row


# --- duty roster (值班) ------------------------------------------------------------------------------------------


def schedule_shift(
    *,
    by: User,
    district: Node,
    counselor: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime | None = None,
) -> DutyShift:
    """排班 — put a district counselor on duty. Refused: not the district's administrator (403), a person who
    is not a counselor of this district, an end before the start, a shift over 24 hours, or a shift that
    overlaps another of the same person (400/409). Nothing is written on refusal; the overlap is audited."""
    if district.pk not in {d.pk for d in admin_districts(by)}:
        raise CentreError(_("Only the district's administrator keeps its duty roster."), 403)
    if counselor.pk not in {u.pk for u in district_counselors(district)}:
        raise CentreError(_("Only a counselor of this district's centre can be put on duty."))
    if ends_at <= starts_at:
        raise CentreError(_("A shift must end after it starts."))
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise CentreError(_("A shift lasts at most 24 hours."))
    now = now or timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=counselor.pk).first()  # serialise one person's shifts
        clash = DutyShift.objects.filter(
            counselor=counselor, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).first()
        if clash is None:
            shift = DutyShift.objects.create(
                district=district,
                counselor=counselor,
                starts_at=starts_at,
                ends_at=ends_at,
                created_by=by,
                created_at=now,
            )
            audit.record(
                actor=by,
                action="counseling.centre_duty.schedule",
                obj=shift,
                detail={"counselor": counselor.pk},
            )
    if clash is not None:  # refused: nothing written but the audit event (outside the rolled-back block)
        audit.record(
            actor=by,
            action="counseling.centre_duty.refused",
            obj=clash,
            detail={"counselor": counselor.pk, "reason": "overlap"},
        )
        raise CentreError(
            _("%(name)s is already on duty from %(start)s to %(end)s.")
            % {
                "name": counselor,
                "start": timezone.localtime(clash.starts_at).strftime("%m-%d %H:%M"),
                "end": timezone.localtime(clash.ends_at).strftime("%m-%d %H:%M"),
            },
            409,
        )
    return shift


def cancel_shift(*, by: User, shift: DutyShift) -> None:
    if shift.district_id not in {d.pk for d in admin_districts(by)}:
        raise CentreError(_("Only the district's administrator keeps its duty roster."), 403)
    with transaction.atomic():
        audit.record(
            actor=by,
            action="counseling.centre_duty.cancel",
            obj=shift,
            detail={"counselor": shift.counselor_id},
        )
        shift.delete()


# --- 24-hour messages (24小时留言平台) ------------------------------------------------------------------------------


def _per_district(name: str, district: Node, default: int) -> int:
    by_district = getattr(settings, f"{name}_BY_DISTRICT", {})
    return int(by_district.get(district.code, getattr(settings, name, default)))


def reply_hours(district: Node) -> int:
    """The longest an ordinary message waits for its first reply when no one is on duty (nights, holidays)."""
    return _per_district("XINYU_MESSAGE_REPLY_HOURS", district, 12)


def reply_minutes(district: Node) -> int:
    """Minutes an ordinary message has for its first reply while the centre is staffed (issue 16), per district."""
    return _per_district("XINYU_MESSAGE_REPLY_MINUTES", district, 60)


def imminent_minutes(district: Node) -> int:
    """Minutes an imminent-danger message (紧急危险) has before it is due and climbs a stage: the shortest."""
    return _per_district("XINYU_MESSAGE_IMMINENT_MINUTES", district, 5)


def reply_due(district: Node, risk_class: int, now: dt.datetime) -> dt.datetime:
    """The first-reply deadline of a message sent at ``now`` (R4.2, issue 16). Imminent danger: its stage minutes;
    risk: the crisis minutes; an ordinary message while someone is on duty: ``reply_minutes``; with no one on duty:
    the next shift's start + ``reply_minutes``, at the latest ``reply_hours`` after it was sent."""
    if risk_class == RiskClass.IMMINENT:
        return now + dt.timedelta(minutes=imminent_minutes(district))
    if risk_class == RiskClass.RISK:
        return now + dt.timedelta(minutes=crisis_minutes(district))
    minutes = dt.timedelta(minutes=reply_minutes(district))
    if on_duty(district, now):
        return now + minutes
    latest = now + dt.timedelta(hours=reply_hours(district))
    next_shift = (
        DutyShift.objects.filter(district=district, starts_at__gt=now, starts_at__lt=latest)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return min(latest, next_shift + minutes) if next_shift else latest


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def code_hash(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(f"xinyu-message-code|{normalised}".encode()).hexdigest()


ESCALATED_KIND = "centre.escalated"


def crisis_minutes(district: Node) -> int:
    """Minutes the centre has to answer a crisis message before it climbs a stage (R4.2), per district."""
    return _per_district("XINYU_MESSAGE_CRISIS_MINUTES", district, 15)


def stage_minutes(message: Message) -> int:
    """Minutes before an unanswered crisis climbs a stage: the shortest for imminent danger."""
    if message.risk_class == RiskClass.IMMINENT:
        return imminent_minutes(message.district)
    return crisis_minutes(message.district)


def district_officers(district: Node) -> list[User]:
    """The district's officers and administrators (区教委): the last stage of an unanswered crisis message."""
    ids = (
        Post.objects.active()
        .filter(role__in=[Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN], node=district)
        .values("user_id")
    )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def stage_people(district: Node, stage: int, now: dt.datetime) -> list[User]:
    if stage == MessageStage.ON_DUTY:
        return on_duty(district, now)
    if stage == MessageStage.CENTRE:
        return district_counselors(district)
    return district_officers(district)


def _first_stage_with_people(district: Node, start: int, now: dt.datetime) -> tuple[int, list[User]]:
    """From ``start`` up, the first stage with anyone to tell: with no one on duty (nights, holidays) a crisis
    goes straight to the whole centre; the last stage is kept even when empty."""
    stage = start
    while True:
        people = stage_people(district, stage, now)
        if people or stage >= MessageStage.DISTRICT:
            return stage, people
        stage += 1


def _tell_stage(message: Message, stage: int, people: list[User], now: dt.datetime, first: bool) -> None:
    """Tell a stage of a crisis message. Imminent danger goes red: in-app and by every outside channel each person
    has (SMS, 企业微信, 钉钉, e-mail), whatever they chose, at night too — with what to do, never who it is."""
    imminent = message.risk_class == RiskClass.IMMINENT
    red = {"level": RiskLevel.RED, "outside_text": IMMINENT_TODO} if imminent else {}
    if stage == MessageStage.DISTRICT:
        # Officers and administrators do not read messages (T3): they are told the centre must act now; the
        # administrator's link is the duty roster (who is on duty, whom to call in).
        subject = _(
            "Urgent: a crisis message to the district counseling centre has had no reply — "
            "make sure a counselor takes it now"
        )
        admins = {
            p.user_id for p in Post.objects.active().filter(role=Role.DISTRICT_ADMIN, node=message.district)
        }
        for group, url in (
            ([u for u in people if u.pk in admins], reverse("counseling:centre_duty")),
            ([u for u in people if u.pk not in admins], reverse("care:notifications")),
        ):
            care.notify(
                users=group,
                kind=ESCALATED_KIND,
                subject=subject,
                url=url,
                key=f"centre-escalate-{message.pk}-{stage}",
                email=True,
                now=now,
                **red,
            )
        return
    url = reverse("counseling:centre_message", kwargs={"pk": message.pk})
    if imminent:
        subject = (
            _("Emergency: a 24-hour message reads like imminent danger — reply and phone for help now")
            if first
            else _("Emergency: an imminent-danger message has had no reply — act now")
        )
    else:
        subject = (
            _("Urgent: a 24-hour message reads like a crisis — reply now")
            if first
            else _("Urgent: a crisis message has had no reply from the counselor on duty — reply now")
        )
    care.notify(
        users=people,
        # Imminent danger keeps its kind at every stage a counselor is told: its SMS is the emergency template.
        kind=IMMINENT_KIND if imminent else CRISIS_KIND if first else ESCALATED_KIND,
        subject=subject,
        url=url,
        key=f"centre-crisis-{message.pk}" if first else f"centre-escalate-{message.pk}-{stage}",
        email=True,
        now=now,
        **red,
    )


def _first_crisis_stage(message: Message, now: dt.datetime) -> list[User]:
    """A crisis goes to the on-duty counselors at once — everyone of the district's centre if no one is on duty
    (nights, holidays), the district's officers if the centre has no one. Sets the message's stage and when it
    climbs if unanswered (``escalate_crisis_messages``); returns whom to tell once it is saved."""
    stage, people = _first_stage_with_people(message.district, MessageStage.ON_DUTY, now)
    message.stage = stage
    message.escalate_at = (
        now + dt.timedelta(minutes=stage_minutes(message)) if stage < MessageStage.DISTRICT else None
    )
    return people


def leave_message(
    *, user: User, body: str, anonymous: bool, submit_key: str, now: dt.datetime | None = None
) -> tuple[Message, str | None, bool]:
    """留言 — a student leaves a message for their district's centre, any time. Returns (message, code, created):
    ``code`` is the anonymous sender's private code, returned only when the message is created (shown once; only
    its hash is stored). The same ``submit_key`` twice stores one message. A crisis (triage) goes to the top of
    the queue and alerts the on-duty counselor at once; a named sender's crisis also raises a red care alert."""
    student = own_student(user)
    if student is None:
        raise CentreError(_("Only a student can leave a message here."), 403)
    body = (body or "").strip()
    if not body:
        raise CentreError(_("Write your message first."))
    if len(body) > MAX_MESSAGE:
        raise CentreError(_("A message can be at most %(n)d characters.") % {"n": MAX_MESSAGE})
    submit_key = (submit_key or "").strip()[:64]
    if len(submit_key) < 16:
        raise CentreError(_("The form has expired; please reload the page and send again."))
    district = district_of(student)
    if district is None:
        raise CentreError(_("Your school is not set up yet; please call one of the hotlines below."))
    existing = Message.objects.filter(submit_key=submit_key).first()
    if existing is not None:
        return existing, None, False
    now = now or timezone.now()
    result = overlay.score(body, district.pk)  # the shipped tables with the district's own terms (issue 16)
    code = new_code() if anonymous else None
    message = Message(
        district=district,
        student=None if anonymous else student,
        anonymous=anonymous,
        code_hash=code_hash(code) if code else "",
        audit_ref=secrets.token_hex(8) if anonymous else "",
        arrival_audited=not anonymous,
        body=body,
        submit_key=submit_key,
        created_at=now,
        reply_due=reply_due(district, RiskClass.of(result.risk_class), now),
        triage_score=result.score,
        crisis=result.crisis,
        risk_class=RiskClass.of(result.risk_class),
        triage_hits=result.hits,
        lexicon_version=triage.lexicon().version,
    )
    try:
        with transaction.atomic():
            people = _first_crisis_stage(message, now) if result.crisis else []
            message.save(force_insert=True)
            if result.crisis:
                _tell_stage(message, message.stage, people, now, first=True)
                if not anonymous:
                    # one emergency SMS per person per message: whoever the message's notification just reached
                    # by SMS (or 企业微信, e-mail…) gets the care alert in the app and by no channel used already
                    told: dict[int, set[str]] = {}
                    for user_id, channel in (
                        Notification.objects.filter(key=f"centre-crisis-{message.pk}")
                        .exclude(channel=Channel.IN_APP)
                        .values_list("user_id", "channel")
                    ):
                        told.setdefault(user_id, set()).add(channel)
                    care.raise_alert(
                        told_outside=told,
                        student=student,
                        level=RiskLevel.RED,
                        reasons=[
                            {
                                "code": "centre.message.imminent",
                                "text": {
                                    "zh-hans": "24小时留言研判：紧急危险",
                                    "en": "24-hour message triage: imminent danger",
                                },
                            }
                            if result.imminent
                            else {
                                "code": "centre.message.crisis",
                                "text": {
                                    "zh-hans": "24小时留言危机研判",
                                    "en": "24-hour message crisis triage",
                                },
                            }
                        ],
                        source_type="counseling.message",
                        source_id=str(message.pk),
                        now=now,
                    )
            # Anonymous: nothing now — an event here, next to the sender's own, would link them; the arrival is
            # counted in the next hourly digest (audit_anonymous_digest, issue 19 finding 8).
            if not anonymous:
                audit.record(
                    actor=user,
                    action="counseling.message.leave",
                    obj=message,
                    student_id=student.pk,
                    detail={"anonymous": False, "crisis": result.crisis, "class": result.risk_class},
                )
    except IntegrityError:  # the same form sent twice at once: the first one won
        return Message.objects.get(submit_key=submit_key), None, False
    return message, code, True


def message_by_code(code: str) -> Message | None:
    """The anonymous message whose private code this is. Every input costs one lookup of its hash (a malformed
    code too), so neither the answer nor its timing tells an unknown code from a wrong one."""
    return Message.objects.filter(anonymous=True, code_hash=code_hash(code or "")).first()


CODE_SCOPE = "message-code"  # access.throttle scope (settings XINYU_CODE_THROTTLE)


def code_bucket(code: str) -> str:
    """The bucket of the code space a guess falls in: its first two characters (32² = 1,024 buckets). Failures
    are counted per bucket too, so guesses spread over many addresses and accounts are still slowed."""
    normalised = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return normalised[:2] if len(normalised) >= 2 else "-"


def open_with_code(
    *, code: str, user: User | None, address: str | None, request=None, now: float | None = None
) -> Message:
    """凭提取码查看回复 — the anonymous message of a private code, for whoever holds the code (R4.2).

    Guessing is throttled like logins (``access.throttle``, scope ``message-code``): failures are counted per
    client address, per signed-in account and per bucket of the code space; after the free ones each further try
    waits longer (30 s, 60 s, … up to 15 minutes), never a permanent lock, and a correct code after the wait
    opens the message. While a wait runs the code is not even looked up (429). An unknown and a wrong code get
    the same answer (404). The bucket's count slows only a client that has failed itself, so other people's wrong
    guesses never lock out the holder of the right code (issue 19 finding 7). Failures are audited without any
    part of the code; a successful read is
    audited with no actor and no address, so no login is tied to the anonymous message. ``now`` is epoch
    seconds (the throttle's clock; tests pass it)."""
    from access import throttle

    keys = {"addr": address, "account": str(user.pk) if user else None, "bucket": code_bucket(code)}
    wait = throttle.wait_for(CODE_SCOPE, keys, now)
    if wait:
        audit.record(
            actor=user,
            action="counseling.message.code_throttled",
            request=request,
            detail={"wait": wait},  # no part of the code: its first characters would narrow whose it is
        )
        refusal = CentreError(
            _("Too many wrong codes. Please wait %(minutes)s minute(s) and try again.")
            % {"minutes": -(-wait // 60)},
            429,
        )
        refusal.retry_after = wait
        raise refusal
    message = message_by_code(code)
    if message is None:
        throttle.fail(CODE_SCOPE, keys, now)
        # A single wrong code is most often the sender's typo: recorded without actor or address (who tried a
        # code would mark them as an anonymous sender) and without any part of the code. A burst that runs into
        # the wait is recorded with who and where (code_throttled above): that is a guesser.
        audit.record(actor=None, action="counseling.message.code_wrong", detail={})
        raise CentreError(_("No message has that code. Check it and try again."), 404)
    if user is not None:
        throttle.forget(CODE_SCOPE, "account", str(user.pk))  # the address and the bucket keep their counts
    # Who reads with the code is not recorded, nor when: an event now would tie the anonymous sender to the events
    # around it. The read is counted on the message and recorded in the next hourly digest.
    Message.objects.filter(pk=message.pk).update(code_reads_pending=F("code_reads_pending") + 1)
    return message


def audit_anonymous_digest(now: dt.datetime | None = None) -> audit.AuditEvent | None:
    """匿名留言审计汇总 — one audit event per hour for what anonymous senders did before the hour began: how many
    anonymous messages arrived (and how many were crises) and how many times a reply was read with a code. No
    object, no actor, no address, no time finer than the hour: the trail shows the centre's anonymous work
    without an event beside any sender's own (issue 19 finding 8; docs/privacy.md). Run hourly (Celery beat);
    returns the event, or None when there was nothing to record."""
    now = now or timezone.now()
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    with transaction.atomic():
        arrived = list(
            Message.objects.select_for_update()
            .filter(anonymous=True, arrival_audited=False, created_at__lt=hour)
            .values_list("pk", "crisis")
        )
        reads = list(
            Message.objects.select_for_update()
            .filter(code_reads_pending__gt=0)
            .values_list("pk", "code_reads_pending")
        )
        if not arrived and not reads:
            return None
        Message.objects.filter(pk__in=[pk for pk, _c in arrived]).update(arrival_audited=True)
        for pk, n in reads:
            Message.objects.filter(pk=pk).update(code_reads_pending=F("code_reads_pending") - n)
        return audit.record(
            actor=None,
            action="counseling.message.anonymous_digest",
            detail={
                "before": hour.isoformat(),
                "arrived": len(arrived),
                "crisis": sum(1 for _pk, crisis in arrived if crisis),
                "code_reads": sum(n for _pk, n in reads),
            },
        )


def _require_on_duty(user: User, message: Message, now: dt.datetime, request, refused: str, why: str) -> None:
    """Only a counselor on duty for the message's district may act on it; anyone else is refused (403), nothing
    changes, and the attempt is audited as ``refused``."""
    if message.district_id in {d.pk for d in counselor_districts(user)} and is_on_duty(
        user, message.district, now
    ):
        return
    audit.record(
        actor=user, action=refused, obj=message, student_id=message.student_id, request=request,
        detail={"reason": "not on duty"},
    )  # fmt: skip
    raise CentreError(why, 403)


def reply_to_message(
    *,
    user: User,
    message: Message,
    body: str,
    risk_label: str = "",
    request=None,
    now: dt.datetime | None = None,
) -> MessageReply:
    """回复 — only a counselor on duty for the message's district replies; anyone else is refused, nothing
    changes, and the attempt is audited. The first reply stops the deadline clock and carries the counselor's
    mark of the message's real risk (``risk_label``, issue 16), kept anonymised as triage training data."""
    now = now or timezone.now()
    _require_on_duty(
        user, message, now, request, "counseling.message.reply_refused",
        _("Only a counselor on duty for this district can reply, and you are not on duty now."),
    )  # fmt: skip
    body = (body or "").strip()
    if not body:
        raise CentreError(_("Write your reply first."))
    if len(body) > MAX_MESSAGE:
        raise CentreError(_("A reply can be at most %(n)d characters.") % {"n": MAX_MESSAGE})
    if message.first_reply_at is None and risk_label not in RiskLabel.values:
        raise CentreError(_("Mark the message's risk before you reply."))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        reply = MessageReply.objects.create(message=locked, author=user, body=body, created_at=now)
        label = None
        if locked.first_reply_at is None:  # answered: the deadline clock and the escalation stop
            if (
                risk_label not in RiskLabel.values
            ):  # another counselor answered first; this one is a follow-up
                raise CentreError(_("Mark the message's risk before you reply."))
            locked.first_reply_at, locked.status, locked.escalate_at = now, MessageStatus.ANSWERED, None
            locked.save(update_fields=["first_reply_at", "status", "escalate_at"])
            label = labels.record_label(message=locked, label=risk_label, now=now)
        audit.record(
            actor=user,
            action="counseling.message.reply",
            obj=locked,
            student_id=locked.student_id,
            request=request,
            detail={"first": reply.created_at == locked.first_reply_at, "late": now > locked.reply_due}
            | ({"label": label.label, "triage_class": label.triage_class} if label else {}),
        )
        if locked.student_id and locked.student.user_id:
            care.notify(
                users=[locked.student.user],
                kind="centre.reply",
                subject=_("The district counseling centre replied to your message"),
                url=reverse("counseling:centre_my_message", kwargs={"pk": locked.pk}),
                key=f"centre-reply-{reply.pk}",
                now=now,
            )
    message.first_reply_at, message.status = locked.first_reply_at, locked.status
    return reply


def acknowledge_message(
    *, user: User, message: Message, request=None, now: dt.datetime | None = None
) -> Message:
    """签收 — a counselor on duty for the message's district takes a crisis on (e.g. before phoning for help):
    the escalation stops; the first-reply deadline still runs. Anyone else is refused (403), audited."""
    now = now or timezone.now()
    _require_on_duty(
        user, message, now, request, "counseling.message.ack_refused",
        _("Only a counselor on duty for this district can take a message on, and you are not on duty now."),
    )  # fmt: skip
    with transaction.atomic():
        moved = Message.objects.filter(
            pk=message.pk, acknowledged_at__isnull=True, first_reply_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=user, escalate_at=None)
        if moved:
            audit.record(
                actor=user,
                action="counseling.message.acknowledge",
                obj=message,
                student_id=message.student_id,
                request=request,
                detail={"stage": message.stage, "crisis": message.crisis},
            )
    message.refresh_from_db()
    return message


# --- hotline log (热线记录) -----------------------------------------------------------------------------------------


def record_call(
    *,
    user: User,
    district: Node,
    started_at: dt.datetime,
    duration_minutes: int,
    caller_type: str,
    topic: str,
    risk: str,
    outcome: str,
    summary: str,
    consent_to_hand_over: bool,
    submit_key: str,
    now: dt.datetime | None = None,
) -> tuple[HotlineCall, bool]:
    """热线记录 — a counselor of the district's centre logs a call. Idempotent per form (``submit_key``)."""
    if district.pk not in {d.pk for d in counselor_districts(user)}:
        raise CentreError(_("Only a counselor of this district's centre logs its calls."), 403)
    now = now or timezone.now()
    if not 0 < duration_minutes <= 600:
        raise CentreError(_("The duration must be between 1 and 600 minutes."))
    if started_at > now:
        raise CentreError(_("A call cannot start in the future."))
    for value, choices in (
        (caller_type, HotlineCall._meta.get_field("caller_type").choices),
        (topic, HotlineCall._meta.get_field("topic").choices),
        (risk, HotlineCall._meta.get_field("risk").choices),
        (outcome, HotlineCall._meta.get_field("outcome").choices),
    ):
        if value not in {c for c, _label in choices}:
            raise CentreError(_("Choose a value from each list."))
    if outcome == CallOutcome.HANDED_OVER and not consent_to_hand_over:
        raise CentreError(_("A hand-over to the school needs the caller's consent."))
    submit_key = (submit_key or "").strip()[:64]
    if len(submit_key) < 16:
        raise CentreError(_("The form has expired; please reload the page and send again."))
    existing = HotlineCall.objects.filter(submit_key=submit_key).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        call = HotlineCall.objects.create(
            district=district,
            taken_by=user,
            started_at=started_at,
            duration_minutes=duration_minutes,
            caller_type=caller_type,
            topic=topic,
            risk=risk,
            outcome=outcome,
            summary=summary.strip(),
            consent_to_hand_over=consent_to_hand_over,
            submit_key=submit_key,
            created_at=now,
        )
        audit.record(
            actor=user, action="counseling.hotline.record", obj=call, detail={"risk": risk, "topic": topic}
        )
    return call, True


def hand_over_call(
    *, user: User, call: HotlineCall, student_no: str, request=None, now: dt.datetime | None = None
) -> HotlineCall:
    """转介到学校 — with the caller's consent, hand the call over to the student's school: the student is found
    by exact 学籍号 within the district (no browsing), and the school's psychological teachers are notified."""
    if call.district_id not in {d.pk for d in counselor_districts(user)}:
        raise CentreError(_("Only a counselor of this district's centre logs its calls."), 403)
    if not call.consent_to_hand_over:
        raise CentreError(_("A hand-over to the school needs the caller's consent."))
    if call.handed_over_to_id:
        raise CentreError(_("This call has already been handed over."), 409)
    student = Student.objects.filter(student_no=(student_no or "").strip().upper()).first()
    enrollment = (
        student.enrollments.filter(status=EnrollmentStatus.ACTIVE).select_related("school").first()
        if student
        else None
    )
    if enrollment is None or enrollment.school.district_id != call.district_id:
        raise CentreError(_("No student of this district has that student number."))
    now = now or timezone.now()
    school = enrollment.school
    with transaction.atomic():
        call.student, call.handed_over_to, call.handed_over_at = student, school, now
        if call.outcome != CallOutcome.HANDED_OVER:
            call.outcome = CallOutcome.HANDED_OVER
        call.save(update_fields=["student", "handed_over_to", "handed_over_at", "outcome"])
        ids = Post.objects.active().filter(role=Role.PSYCH_TEACHER, node=school).values("user_id")
        care.notify(
            users=User.objects.filter(pk__in=ids),
            kind="centre.handover",
            subject=_("The district counseling centre handed a hotline call over to your school: %(name)s")
            % {"name": student.name},
            url=reverse("org:student_detail", kwargs={"pk": student.pk}),
            key=f"centre-handover-{call.pk}",
            email=True,
            now=now,
        )
        audit.record(
            actor=user,
            action="counseling.hotline.hand_over",
            obj=call,
            student_id=student.pk,
            request=request,
            detail={"school": school.pk, "risk": call.risk},
        )
    return call


# --- online counseling (在线咨询) ---------------------------------------------------------------------------------

ONLINE_KIND = "centre.online"
MAX_LINE = 1000


def request_online(*, user: User, now: dt.datetime | None = None) -> tuple[OnlineSession, bool]:
    """A student asks for an online conversation with the district counselor on duty. One open conversation per
    student (by the database): asking again returns it. The counselors on duty are told at once."""
    student = own_student(user)
    if student is None:
        raise CentreError(_("Only a student can start an online conversation."), 403)
    district = district_of(student)
    if district is None:
        raise CentreError(_("Your school is not set up yet; please call one of the hotlines below."))
    open_one = OnlineSession.objects.filter(student=student).exclude(status=OnlineStatus.CLOSED).first()
    if open_one is not None:
        return open_one, False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            session = OnlineSession.objects.create(district=district, student=student, requested_at=now)
            care.notify(
                users=on_duty(district, now) or district_counselors(district),
                kind=ONLINE_KIND,
                subject=_("A student is waiting for online counseling"),
                url=reverse("counseling:centre_chat", kwargs={"pk": session.pk}),
                key=f"centre-online-{session.pk}",
                now=now,
            )
            audit.record(actor=user, action="counseling.online.request", obj=session, student_id=student.pk)
    except IntegrityError:  # asked twice at once: the first one is the conversation
        return OnlineSession.objects.filter(student=student).exclude(status=OnlineStatus.CLOSED).get(), False
    return session, True


def take_online(*, user: User, session: OnlineSession, now: dt.datetime | None = None) -> OnlineSession:
    """接待 — a counselor on duty for the district takes a waiting conversation (first come, first served)."""
    now = now or timezone.now()
    if session.district_id not in {d.pk for d in counselor_districts(user)} or not is_on_duty(
        user, session.district, now
    ):
        audit.record(
            actor=user,
            action="counseling.online.take_refused",
            obj=session,
            student_id=session.student_id,
            detail={"reason": "not on duty"},
        )
        raise CentreError(_("Only a counselor on duty for this district can take a conversation."), 403)
    with transaction.atomic():
        taken = OnlineSession.objects.filter(pk=session.pk, status=OnlineStatus.WAITING).update(
            status=OnlineStatus.ACTIVE, counselor=user, taken_at=now
        )
        if not taken:
            raise CentreError(_("Another counselor has already taken this conversation."), 409)
        audit.record(actor=user, action="counseling.online.take", obj=session, student_id=session.student_id)
    session.refresh_from_db()
    return session


def say(*, user: User, session: OnlineSession, body: str, now: dt.datetime | None = None) -> OnlineLine:
    """One line from the student (their own open conversation) or from the counselor who took it."""
    body = (body or "").strip()
    if not body:
        raise CentreError(_("Write something first."))
    if len(body) > MAX_LINE:
        raise CentreError(_("A line can be at most %(n)d characters.") % {"n": MAX_LINE})
    if session.status == OnlineStatus.CLOSED:
        raise CentreError(_("This conversation has ended."), 409)
    student = own_student(user)
    from_student = student is not None and student.pk == session.student_id
    if not from_student and not (session.status == OnlineStatus.ACTIVE and session.counselor_id == user.pk):
        raise CentreError(
            _("Only the student and the counselor who took the conversation can write in it."), 403
        )
    return OnlineLine.objects.create(
        session=session, from_student=from_student, body=body, at=now or timezone.now()
    )


def close_online(
    *, user: User, session: OnlineSession, risk: str, notes: str, now: dt.datetime | None = None
) -> OnlineSession:
    """结束并记录 — the counselor ends the conversation and records it: risk judgement and notes (T4, theirs).
    Red or orange opens the student's case or adds to it (``care.cases.services.open_or_update_case``)."""
    if session.counselor_id != user.pk:
        raise CentreError(_("Only the counselor who took the conversation can end it."), 403)
    if session.status != OnlineStatus.ACTIVE:
        raise CentreError(_("This conversation has ended."), 409)
    if risk not in RiskLevel.values:
        raise CentreError(_("Give your risk judgement."))
    now = now or timezone.now()
    with transaction.atomic():
        session.status, session.ended_at, session.risk, session.notes = (
            OnlineStatus.CLOSED,
            now,
            risk,
            notes.strip(),
        )
        session.save(update_fields=["status", "ended_at", "risk", "notes"])
        if risk in cases.CASE_LEVELS - {RiskLevel.YELLOW}:
            cases.open_or_update_case(
                student=session.student,
                level=risk,
                source_type=CaseSource.COUNSELING,
                source_id=f"online-{session.pk}",
                actor=None,  # the district counselor's judgement, policy checked here
                reason=_("District centre online counseling"),
                now=now,
            )
        audit.record(
            actor=user,
            action="counseling.online.close",
            obj=session,
            student_id=session.student_id,
            detail={"risk": risk},
        )
    return session


# --- face-to-face visits at the centre (面询预约) -------------------------------------------------------------------

VISIT_KIND = "centre.visit"


def within_service_hours(at: dt.datetime) -> bool:
    """Is ``at`` inside the centre's service hours of its day (school day / weekend / public holiday)?"""
    local = timezone.localtime(at)
    opens, closes = service_hours(day_kind(local.date()))
    end = local + dt.timedelta(hours=1)  # a visit lasts up to an hour and must end by closing time
    return opens <= local.time() and end.date() == local.date() and end.time() <= closes


def request_visit(*, user: User, wanted_at: dt.datetime, now: dt.datetime | None = None) -> CentreVisit:
    """A student asks for a face-to-face session at their district's centre, at a time within its service hours
    (after school, weekends, holidays) and at least two hours ahead. One open request at a time."""
    student = own_student(user)
    if student is None:
        raise CentreError(_("Only a student can ask for a visit."), 403)
    district = district_of(student)
    if district is None:
        raise CentreError(_("Your school is not set up yet; please call one of the hotlines below."))
    now = now or timezone.now()
    if wanted_at < now + dt.timedelta(hours=2):
        raise CentreError(_("Choose a time at least two hours from now."))
    if wanted_at > now + dt.timedelta(days=30):
        raise CentreError(_("Choose a time within the next 30 days."))
    if not within_service_hours(wanted_at):
        raise CentreError(_("The centre is not open then. Choose a time within its service hours."))
    if CentreVisit.objects.filter(
        student=student, status__in=[VisitStatus.REQUESTED, VisitStatus.CONFIRMED]
    ).exists():
        raise CentreError(_("You already have a visit requested or booked; cancel it first."), 409)
    try:
        with transaction.atomic():
            visit = CentreVisit.objects.create(
                district=district, student=student, wanted_at=wanted_at, requested_at=now
            )
            care.notify(
                users=district_counselors(district),
                kind=VISIT_KIND,
                subject=_("A student asks for a visit at the centre"),
                url=reverse("counseling:centre_visits"),
                key=f"centre-visit-{visit.pk}",
                now=now,
            )
            audit.record(actor=user, action="counseling.visit.request", obj=visit, student_id=student.pk)
    except IntegrityError:
        raise CentreError(_("You already have a visit requested or booked; cancel it first."), 409) from None
    return visit


def decide_visit(
    *, user: User, visit: CentreVisit, confirm: bool, now: dt.datetime | None = None
) -> CentreVisit:
    """A counselor of the centre confirms (and takes) or declines a requested visit; the student is told."""
    if visit.district_id not in {d.pk for d in counselor_districts(user)}:
        raise CentreError(_("Only a counselor of this district's centre decides its visits."), 403)
    now = now or timezone.now()
    with transaction.atomic():
        status = VisitStatus.CONFIRMED if confirm else VisitStatus.DECLINED
        moved = CentreVisit.objects.filter(pk=visit.pk, status=VisitStatus.REQUESTED).update(
            status=status, counselor=user if confirm else None, decided_at=now
        )
        if not moved:
            raise CentreError(_("This visit has already been decided."), 409)
        visit.refresh_from_db()
        if visit.student.user_id:
            care.notify(
                users=[visit.student.user],
                kind=VISIT_KIND,
                subject=_("Your visit to the district counseling centre was confirmed")
                if confirm
                else _(
                    "Your visit to the district counseling centre could not be arranged; please choose another time"
                ),
                url=reverse("counseling:centre_visit"),
                key=f"centre-visit-{visit.pk}-{status}",
                now=now,
            )
        audit.record(
            actor=user,
            action="counseling.visit.decide",
            obj=visit,
            student_id=visit.student_id,
            detail={"status": status},
        )
    return visit


def cancel_visit(*, user: User, visit: CentreVisit, now: dt.datetime | None = None) -> CentreVisit:
    student = own_student(user)
    if student is None or student.pk != visit.student_id:
        raise CentreError(_("Only the student can cancel their visit."), 403)
    moved = CentreVisit.objects.filter(
        pk=visit.pk, status__in=[VisitStatus.REQUESTED, VisitStatus.CONFIRMED]
    ).update(status=VisitStatus.CANCELLED, decided_at=now or timezone.now())
    if not moved:
        raise CentreError(_("This visit has already been decided."), 409)
    audit.record(actor=user, action="counseling.visit.cancel", obj=visit, student_id=visit.student_id)
    visit.refresh_from_db()
    return visit


# --- first-reply deadline (R4.2: every message answered within the district's deadline) -------------------------

OVERDUE_KIND = "centre.overdue"


def remind_overdue_messages(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Tell the counselors on duty (everyone of the district's centre when no one is) about each message past
    its first-reply deadline, once per message (the notification key). Returns how many messages were told of."""
    now = now or timezone.now()
    told = 0
    overdue = (
        Message.objects.filter(status=MessageStatus.WAITING, reply_due__lte=now)
        .select_related("district")
        .order_by("-risk_class", "reply_due")[:batch]
    )
    for message in overdue:
        with transaction.atomic():
            written = care.notify(
                users=on_duty(message.district, now) or district_counselors(message.district),
                kind=OVERDUE_KIND,
                subject=_("A 24-hour message is past its reply deadline"),
                url=reverse("counseling:centre_message", kwargs={"pk": message.pk}),
                key=f"centre-overdue-{message.pk}",
                email=True,
                now=now,
            )
        told += bool(written)
    return told


# --- escalation beyond the centre (R4.2: a crisis message no one answers climbs) -------------------------------


def _escalate_one(message_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        qs = Message.objects.filter(
            pk=message_id,
            crisis=True,
            first_reply_at__isnull=True,
            acknowledged_at__isnull=True,
            escalate_at__lte=now,
        ).select_related("district")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))  # two timers at once (PostgreSQL)
        message = qs.first()
        if message is None:
            return False
        before = message.stage
        stage, people = _first_stage_with_people(message.district, before + 1, now)
        escalate_at = (
            now + dt.timedelta(minutes=stage_minutes(message)) if stage < MessageStage.DISTRICT else None
        )
        # Conditional update: on SQLite (no row locks) the stage check makes a second run a no-op.
        moved = Message.objects.filter(
            pk=message.pk, stage=before, first_reply_at__isnull=True, acknowledged_at__isnull=True
        ).update(stage=stage, escalate_at=escalate_at)
        if not moved:
            return False
        message.stage, message.escalate_at = stage, escalate_at
        _tell_stage(message, stage, people, now, first=False)
        # Anonymous: no student in the trail; named: the student, as for every read of their message.
        audit.record(
            actor=None,
            action="counseling.message.escalate",
            obj=message,
            student_id=message.student_id,
            detail={"from": before, "to": stage, "told": len(people)},
        )
    return True


def escalate_crisis_messages(now: dt.datetime | None = None, *, batch: int = 500) -> int:
    """A crisis message without a first reply within ``crisis_minutes`` climbs one stage: the counselors on duty
    → every counselor of the district's centre → the district's officers and administrators, each told once
    (in-app and e-mail without details), with ``crisis_minutes`` again before the next stage; a first reply or
    an acknowledgement (``acknowledge_message``) stops it. Run every minute
    by care's escalation timer (registered in ``counseling.apps``). Idempotent; safe with two timers at once.
    Returns how many messages moved."""
    now = now or timezone.now()
    ids = list(
        Message.objects.filter(crisis=True, first_reply_at__isnull=True, escalate_at__lte=now)
        .order_by("escalate_at")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(_escalate_one(pk, now) for pk in ids)


# --- the district's own triage terms (issue 16 build 2: the lexicon a district counselor extends, audited) -----


def term_districts(user: User) -> list[Node]:
    """The districts whose triage terms ``user`` keeps: a district counselor or the district administrator of
    the centre."""
    found = {d.pk: d for d in counselor_districts(user) + admin_districts(user)}
    return sorted(found.values(), key=lambda d: d.pk)


def shipped_entries() -> list[overlay.Shipped]:
    """The shipped triage entries a district may switch off (v10, issue 16)."""
    return overlay.shipped_entries()


def _term_draft(
    *, district: Node, kind: str, form: str, meaning: str, imminent: bool, source: str, seen_on: dt.date | None,
    exclude_pk: int | None = None,
) -> tuple[overlay.Draft, list[TriageTerm]]:  # fmt: skip
    """Check a term as the form gives it; returns the draft and the district's other live terms. Refuses with a
    clear message: an empty or too short word, no meaning or source, a future date, a duplicate."""
    if kind not in TermKind.values:
        raise CentreError(_("Choose whether this is slang or a lexicon phrase."))
    form = unicodedata.normalize("NFKC", (form or "").strip())
    meaning, source = (meaning or "").strip(), (source or "").strip()
    if kind == TermKind.OFF:  # v10: a shipped entry switched off; its label is its meaning
        entry = overlay.shipped_entry(form)
        if entry is None:
            raise CentreError(_("Choose a shipped entry to switch off."))
        meaning, imminent = entry.label, False
    if not form:
        raise CentreError(_("Write the word or phrase."))
    if len(form) > 40:
        raise CentreError(_("A word or phrase can be at most 40 characters."))
    if len(form) < 2 and not overlay.is_emoji(form) and kind != TermKind.OFF:
        raise CentreError(_("One character alone would flag too many messages; write at least two."))
    if not meaning:
        raise CentreError(
            _("Write what it means, in the lexicon's words (for example 自杀, 想死).")
            if kind == TermKind.SLANG
            else _("Write what the phrase means.")
        )
    if kind == TermKind.SLANG and meaning == form:
        raise CentreError(_("The meaning must differ from the word itself."))
    if len(meaning) > 60 or len(source) > 200:
        raise CentreError(_("The meaning can be at most 60 characters and the source at most 200."))
    if not source:
        raise CentreError(_("Write where this was seen (a platform, a message, a colleague)."))
    if seen_on is None:
        raise CentreError(_("Give the date it was seen."))
    if seen_on > timezone.localdate():
        raise CentreError(_("The date seen cannot be later than today."))
    others = list(
        TriageTerm.objects.filter(district=district, retired_at__isnull=True).exclude(pk=exclude_pk or 0)
    )
    if any(t.kind == kind and t.form.casefold() == form.casefold() for t in others):
        raise CentreError(_("This district already has this entry; edit it instead."), 409)
    if kind == TermKind.SLANG and normalise(form) != form:
        raise CentreError(_("The shipped slang list already reads this form."), 409)
    if kind == TermKind.PHRASE:
        shipped = triage.score(form, use_model=False).risk_class
        if shipped == "imminent" or (shipped == "risk" and not imminent):
            raise CentreError(_("The shipped lexicon already flags this phrase."), 409)
    return overlay.Draft(kind=kind, form=form, meaning=meaning, imminent=bool(imminent)), others


def preview_term(
    *, district: Node, kind: str, form: str, meaning: str, imminent: bool, source: str, seen_on: dt.date | None,
    exclude_pk: int | None = None,
) -> overlay.Preview:  # fmt: skip
    """What saving the term would change for the district (nothing is saved): the benign controls it would flag
    (then saving is refused), the repository's not-at-risk rows it newly flags and crisis rows it newly finds."""
    draft, others = _term_draft(
        district=district, kind=kind, form=form, meaning=meaning, imminent=imminent, source=source,
        seen_on=seen_on, exclude_pk=exclude_pk,
    )  # fmt: skip
    return overlay.preview(draft, others)


def refuse_if_it_flags_controls(result: overlay.Preview) -> None:
    """A term that would flag a benign control ("我今天很开心") is never saved."""
    if result.refused:
        raise CentreError(
            _("This entry would flag ordinary messages such as “%(text)s”; make it more specific.")
            % {"text": result.controls[0]}
        )


def _record_term_change(
    term: TriageTerm, action: str, by: User, before: dict, now: dt.datetime, request=None
) -> None:
    after = term.snapshot()
    TriageTermChange.objects.create(term=term, action=action, by=by, at=now, before=before, after=after)
    audit.record(
        actor=by,
        action=f"counseling.triage_term.{action}",
        obj=term,
        request=request,
        detail={"district": term.district_id, "before": before, "after": after},
    )
    # now (this process, and a test's transaction) and again once committed (a colleague's process may have
    # compiled the old terms in between)
    overlay.invalidate(term.district_id)
    transaction.on_commit(lambda: overlay.invalidate(term.district_id))


def add_term(
    *, by: User, district: Node, kind: str, form: str, meaning: str, imminent: bool, source: str,
    seen_on: dt.date | None, now: dt.datetime | None = None, request=None,
) -> tuple[TriageTerm, overlay.Preview]:  # fmt: skip
    """A district counselor adds a slang form or a lexicon phrase for their district's messages (issue 16 build 2):
    checked, previewed (refused if it flags a benign control), saved with its history and audited; the
    district's triage reads it from its next message."""
    if district not in term_districts(by):
        raise CentreError(
            _("Only a counselor or the administrator of this district's centre keeps its terms."), 403
        )
    result = preview_term(
        district=district, kind=kind, form=form, meaning=meaning, imminent=imminent, source=source,
        seen_on=seen_on,
    )  # fmt: skip
    refuse_if_it_flags_controls(result)
    now = now or timezone.now()
    draft, _others = _term_draft(
        district=district, kind=kind, form=form, meaning=meaning, imminent=imminent, source=source,
        seen_on=seen_on,
    )  # fmt: skip
    try:
        with transaction.atomic():
            term = TriageTerm.objects.create(
                district=district, kind=draft.kind, form=draft.form, meaning=draft.meaning,
                imminent=draft.imminent, source=source.strip(), seen_on=seen_on, created_by=by, created_at=now,
                updated_at=now,
            )  # fmt: skip
            _record_term_change(term, TermAction.ADDED, by, {}, now, request)
    except IntegrityError as exc:  # the same entry saved at the same moment by a colleague
        raise CentreError(_("This district already has this entry; edit it instead."), 409) from exc
    return term, result


def edit_term(
    *, by: User, term: TriageTerm, form: str, meaning: str, imminent: bool, source: str, seen_on: dt.date | None,
    now: dt.datetime | None = None, request=None,
) -> tuple[TriageTerm, overlay.Preview]:  # fmt: skip
    """Change a live term (same checks and preview as adding); the history keeps what it was."""
    if term.district not in term_districts(by):
        raise CentreError(
            _("Only a counselor or the administrator of this district's centre keeps its terms."), 403
        )
    if not term.live:
        raise CentreError(_("A retired entry cannot be edited; add it again instead."), 409)
    result = preview_term(
        district=term.district, kind=term.kind, form=form, meaning=meaning, imminent=imminent, source=source,
        seen_on=seen_on, exclude_pk=term.pk,
    )  # fmt: skip
    refuse_if_it_flags_controls(result)
    draft, _others = _term_draft(
        district=term.district, kind=term.kind, form=form, meaning=meaning, imminent=imminent, source=source,
        seen_on=seen_on, exclude_pk=term.pk,
    )  # fmt: skip
    now = now or timezone.now()
    before = term.snapshot()
    term.form, term.meaning, term.imminent = draft.form, draft.meaning, draft.imminent
    term.source, term.seen_on, term.updated_at = source.strip(), seen_on, now
    if term.snapshot() == before:
        return term, result
    try:
        with transaction.atomic():
            term.save(update_fields=["form", "meaning", "imminent", "source", "seen_on", "updated_at"])
            _record_term_change(term, TermAction.EDITED, by, before, now, request)
    except IntegrityError as exc:
        raise CentreError(_("This district already has this entry; edit it instead."), 409) from exc
    return term, result


def retire_term(*, by: User, term: TriageTerm, now: dt.datetime | None = None, request=None) -> TriageTerm:
    """退用 — the undo: the district's triage stops reading the term; the term and its history stay."""
    if term.district not in term_districts(by):
        raise CentreError(
            _("Only a counselor or the administrator of this district's centre keeps its terms."), 403
        )
    if not term.live:
        return term
    now = now or timezone.now()
    before = term.snapshot()
    with transaction.atomic():
        term.retired_at = term.updated_at = now
        term.save(update_fields=["retired_at", "updated_at"])
        _record_term_change(term, TermAction.RETIRED, by, before, now, request)
    return term
