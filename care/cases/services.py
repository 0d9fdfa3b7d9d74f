"""Writes of cases (个案): status flow, level changes, owner, escalation to the district, closing and
reopening, opening a case or adding a concern to the open one (``open_or_update_case``), the crisis checklist of a red case (危机干预), follow-ups (动态跟踪) and R15 disclosures — and the
timers that escalate missed crisis steps and remind follow-ups.

Every write asks the policy first (``may_work_case``: a psychological teacher with T3 over the student, or the
district counselor of an escalated case), runs in one transaction, writes a ``CaseEvent`` and an audit event.
A closed case refuses every edit; reopening is an explicit, recorded act (issue 4, Bad input).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from access.policy import roles_of
from care.alerts import deadlines
from care.alerts.levels import RiskLevel, rank
from care.alerts.services import _school_of, confirm_level, may_confirm_level, notify, stage_recipients
from care.models import (
    Alert,
    AlertStage,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseMember,
    CaseSource,
    CaseStatus,
    CrisisStep,
    CrisisStepKind,
    Department,
    Disclosure,
    FollowUp,
)
from org.models import Role, SchoolClass, Student, User

# Crisis checklist deadlines from the moment a case turns red (settings XINYU_CRISIS_STEP_DEADLINES overrides;
# DESIGN.md risk levels: acknowledge within 15 min, safety assessment before the student leaves school, the
# guardian told the same day).
DEFAULT_CRISIS_DEADLINES: dict[str, dict] = {
    CrisisStepKind.ACCOMPANIED: {"minutes": 15, "clock": "wall"},
    CrisisStepKind.LEADER: {"minutes": 30, "clock": "wall"},
    CrisisStepKind.MEANS: {"minutes": 120, "clock": "wall"},
    CrisisStepKind.GUARDIAN: {"minutes": 0, "clock": "end_of_day"},
    CrisisStepKind.SAFETY_PLAN: {"minutes": 1440, "clock": "wall"},
    CrisisStepKind.REFERRAL: {"minutes": 1440, "clock": "wall"},
}
# A missed step goes to the school leader at its deadline, and to the district counseling centre this much
# later (settings XINYU_CRISIS_ESCALATE_AFTER_MINUTES).
DEFAULT_CRISIS_ESCALATE_AFTER = 60
# Follow-up interval by level, in days (settings XINYU_FOLLOW_UP_DAYS; issue 4: red weekly, orange every two
# weeks, yellow monthly).
DEFAULT_FOLLOW_UP_DAYS: dict[str, int] = {RiskLevel.RED: 7, RiskLevel.ORANGE: 14, RiskLevel.YELLOW: 30}
# A follow-up this many days past due is reminded a second time.
FOLLOW_UP_OVERDUE_DAYS = 3
OPEN_STATUSES = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]
TEXT_MAX = 4000


class CaseError(ValueError):
    """Bad input to a case: the message is for the user (translated); nothing was changed."""


def crisis_rule(kind: str) -> dict:
    return {**DEFAULT_CRISIS_DEADLINES, **getattr(settings, "XINYU_CRISIS_STEP_DEADLINES", {})}[kind]


def escalate_after() -> dt.timedelta:
    return dt.timedelta(
        minutes=int(getattr(settings, "XINYU_CRISIS_ESCALATE_AFTER_MINUTES", DEFAULT_CRISIS_ESCALATE_AFTER))
    )


def follow_up_days(level: str) -> int | None:
    return {**DEFAULT_FOLLOW_UP_DAYS, **getattr(settings, "XINYU_FOLLOW_UP_DAYS", {})}.get(level)


# --- Policy ---------------------------------------------------------------------------------------------------


def may_work_case(user: User, case: Case) -> bool:
    """Who may change a case: the clinicians with T3 over its student (the school's or campus's psychological
    teachers; the district counselor once the case is escalated)."""
    return may_confirm_level(user, case.student)


def _lock(case: Case, by: User | None) -> Case:
    """The case row, locked; refused when ``by`` may not work it or the case is closed."""
    if by is not None and not may_work_case(by, case):
        raise PermissionDenied
    locked = Case.objects.select_for_update().select_related("student", "school").get(pk=case.pk)
    if locked.status == CaseStatus.CLOSED:
        raise CaseError(_("This case is closed. Reopen it first."))
    return locked


def _event(case: Case, kind: str, at: dt.datetime, actor: User | None, **kw) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, at=at, actor=actor, **kw)


def _audit(by: User | None, action: str, case: Case, **detail) -> None:
    audit.record(actor=by, action=action, obj=case, student_id=case.student_id, detail=detail)


def _text(value: str, what: str, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseError(_("Please give the %(what)s.") % {"what": what})
    if len(value) > TEXT_MAX:
        raise CaseError(_("Please keep it under %(n)d characters.") % {"n": TEXT_MAX})
    return value


# --- Opening a case, or adding a concern to the open one -------------------------------------------------------

CASE_LEVELS = frozenset({RiskLevel.RED, RiskLevel.ORANGE, RiskLevel.YELLOW})


def may_open_case(user: User, student: Student) -> bool:
    """Who may open or add to a case: the clinicians who may confirm a level (T3 over the student)."""
    return may_confirm_level(user, student)


def open_or_update_case(
    *,
    student: Student,
    level: str,
    source_type: str,
    actor: User | None,
    source_id: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """开案或并案 — open a case for the student, or add this concern to the open one (one open case per
    student, enforced by the database). A higher level raises the case's level (with the reason in its
    history); a lower one never lowers it. Returns ``(case, created)``.

    ``actor`` None means the system on behalf of a process that already checked the policy (a screening submit,
    a counseling session's risk judgement); a person must pass ``may_open_case``.
    """
    if level not in CASE_LEVELS:
        raise ValueError(f"a case needs a red, orange or yellow level, not {level!r}")
    if source_type not in CaseSource.values:
        raise ValueError(f"unknown case source {source_type!r}")
    if actor is not None and not may_open_case(actor, student):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        Student.objects.select_for_update().filter(pk=student.pk).first()  # serialise per student
        case = Case.objects.filter(student=student).exclude(status=CaseStatus.CLOSED).first()
        created = case is None
        if created:
            school = _school_of(student)
            if school is None:
                raise ValueError("the student has no active enrollment")
            owner = actor if actor is not None and Role.PSYCH_TEACHER in roles_of(actor) else None
            case = Case.objects.create(
                student=student,
                school=school,
                level=level,
                owner=owner,
                source_type=source_type,
                source_id=str(source_id),
                opened_by=actor,
                opened_at=now,
            )
            CaseEvent.objects.create(
                case=case,
                kind=CaseEventKind.OPENED,
                at=now,
                actor=actor,
                after=level,
                source_type=source_type,
                source_id=str(source_id),
                reason=reason,
            )
        else:
            CaseEvent.objects.create(
                case=case,
                kind=CaseEventKind.SOURCE,
                at=now,
                actor=actor,
                source_type=source_type,
                source_id=str(source_id),
                reason=reason,
            )
            if rank(level) > rank(case.level):
                CaseEvent.objects.create(
                    case=case,
                    kind=CaseEventKind.LEVEL,
                    at=now,
                    actor=actor,
                    before=case.level,
                    after=level,
                    reason=reason,
                )
                case.level = level
                case.save(update_fields=["level"])
        # The case work of issue 4: a team for a new case, a crisis checklist when red, the next follow-up.
        if created:
            after_case_opened(case, now)
        after_case_level(case, now, actor)
        audit.record(
            actor=actor,
            action="care.case.open" if created else "care.case.source",
            obj=case,
            student_id=student.pk,
            detail={"level": case.level, "source_type": source_type, "source_id": str(source_id)},
        )
    return case, created


# --- Hooks of open_or_update_case: a case turning red gets its checklist; every case a follow-up -------------


def after_case_level(case: Case, now: dt.datetime, actor: User | None = None) -> None:
    """Run whenever a case is opened or its level changes (inside the caller's transaction): a red case gets
    the crisis checklist (once), and the next follow-up is due within the level's interval."""
    if case.level == RiskLevel.RED:
        calendar = deadlines.SchoolCalendar(timezone.localdate(now))
        existing = set(CrisisStep.objects.filter(case=case).values_list("kind", flat=True))
        owners = crisis_owners(case)
        made = CrisisStep.objects.bulk_create(
            [
                CrisisStep(
                    case=case, kind=k, due_at=deadlines.due(crisis_rule(k), now, calendar), owner=owners[k]
                )
                for k in CrisisStepKind.values
                if k not in existing
            ]
        )
        by_owner: dict[int, list[CrisisStep]] = {}
        for step in made:
            if step.owner_id:
                by_owner.setdefault(step.owner_id, []).append(step)
        for steps in by_owner.values():  # one message per person, however many steps are theirs
            _tell_step_owner(steps, now)
    _schedule_follow_up(case, now)


# --- Crisis step owners (issue 15, build 3): every step has an owner, a deadline and a notification ------------

# Who does each step when the checklist is made (the table in docs/care.md). "class_teacher" falls back to the
# clinician when the student's class has none; "clinician" is the case owner, else the school's (campus's) first
# psychological teacher, else its first leader.
CRISIS_OWNER_RULE: dict[str, str] = {
    CrisisStepKind.ACCOMPANIED: "class_teacher",  # the adult who is with the class now
    CrisisStepKind.LEADER: "clinician",
    # Telling the parents of a red risk is a clinical conversation (what was seen, what to do tonight, a
    # hospital): the clinician leads it; the class teacher, whom the parents know, may join.
    CrisisStepKind.GUARDIAN: "clinician",
    CrisisStepKind.MEANS: "clinician",
    CrisisStepKind.SAFETY_PLAN: "clinician",
    CrisisStepKind.REFERRAL: "clinician",
}


def _class_teacher(student_id: int) -> User | None:
    cls = (
        SchoolClass.objects.filter(enrollments__student=student_id, enrollments__status="active")
        .select_related("class_teacher")
        .first()
    )
    teacher = cls.class_teacher if cls else None
    return teacher if teacher is not None and teacher.is_active else None


def _clinician(case: Case) -> User | None:
    if case.owner_id:
        return case.owner
    for stage in (AlertStage.PSYCH_TEACHERS, AlertStage.SCHOOL_LEADER):
        people = stage_recipients(school=case.school, student=case.student, stage=stage)
        if people:
            return people[0]
    return None


def crisis_owners(case: Case) -> dict[str, User | None]:
    """The owner of each crisis step of ``case`` by ``CRISIS_OWNER_RULE``."""
    clinician = _clinician(case)
    class_teacher = _class_teacher(case.student_id) or clinician
    return {
        k: class_teacher if rule == "class_teacher" else clinician for k, rule in CRISIS_OWNER_RULE.items()
    }


def _tell_step_owner(steps: list[CrisisStep], now: dt.datetime, key: str = "") -> None:
    """Tell the owner of ``steps`` (one person) at once, in one message, in the app and by every outside channel
    they have (a crisis step is red-urgent: the first is due in 15 minutes; the outbox, in the caller's
    transaction). The text names the step (or how many) and the first deadline only — in the app and, as
    ``outside_text``, on 企业微信 / 钉钉 / e-mail (SMS keeps its fixed template): no student, no level, no reason."""
    first = min(steps, key=lambda s: s.due_at)
    if first.owner is None:
        return
    due = timezone.localtime(first.due_at).strftime("%m-%d %H:%M")
    if len(steps) == 1:
        subject = _("A crisis step is yours: %(step)s, by %(due)s") % {
            "step": first.get_kind_display(),
            "due": due,
        }
    else:
        subject = _("%(n)d crisis steps are yours, the first by %(due)s") % {"n": len(steps), "due": due}
    # What 企业微信 / 钉钉 / e-mail may say: the step and its deadline, nothing about the student.
    what = (
        _("%(step)s, by %(due)s") % {"step": first.get_kind_display(), "due": due}
        if len(steps) == 1
        else _("%(n)d crisis steps, the first by %(due)s") % {"n": len(steps), "due": due}
    )
    notify(
        users=[first.owner],
        kind="care.crisis.assigned",
        subject=subject,
        url=reverse("care:my_tasks"),
        key=key or f"care.crisis.assigned:{first.pk}:{first.owner_id}",
        email=True,
        level=RiskLevel.RED,
        outside_text=what,
        now=now,
    )


def crisis_owner_choices(case: Case) -> list[User]:
    """Who may own a step: the case owner, the team (class teacher, leaders, district counselors) and the
    school's (campus's) psychological teachers."""
    ids = set(CaseMember.objects.filter(case=case).values_list("user_id", flat=True))
    ids |= {u.pk for u in stage_recipients(school=case.school, student=case.student, stage=0)}
    if case.owner_id:
        ids.add(case.owner_id)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def may_assign_crisis_steps(user: User, case: Case) -> bool:
    """The case owner assigns the steps (any clinician of the case while it has no owner)."""
    if case.owner_id:
        return case.owner_id == user.pk and may_work_case(user, case)
    return may_work_case(user, case)


def set_crisis_step_owner(
    *, case: Case, kind: str, owner: User | None, by: User, now: dt.datetime | None = None
) -> CrisisStep:
    """The case owner gives a crisis step to someone else of the case; the new owner is told at once."""
    if not may_assign_crisis_steps(by, case):
        raise PermissionDenied
    if owner is None or owner.pk not in {u.pk for u in crisis_owner_choices(case)}:
        raise CaseError(_("Choose someone of the case team or a psychological teacher of the school."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, by)
        step = CrisisStep.objects.select_for_update().filter(case=locked, kind=kind).first()
        if step is None:
            raise CaseError(_("This case has no crisis checklist: only a red case has one."))
        if step.is_resolved:
            raise CaseError(_("This step is done already."))
        if step.owner_id == owner.pk:
            return step
        before = step.owner_id
        step.owner = owner
        step.save(update_fields=["owner"])
        _event(locked, CaseEventKind.CRISIS, now, by, after=f"owner:{kind}")  # the ids are in the audit
        _audit(by, "care.case.crisis_owner", locked, step=kind, before=before, after=owner.pk)
        # a key of its own: a step given back to an earlier owner is told again
        _tell_step_owner([step], now, key=f"care.crisis.owner:{step.pk}:{owner.pk}:{now.timestamp():.0f}")
    return step


def after_case_opened(case: Case, now: dt.datetime) -> None:
    """The team of a new case: the student's class teacher and the school's leaders (the owner is apart)."""
    people: dict[int, str] = {}
    cls = SchoolClass.objects.filter(
        enrollments__student=case.student_id, enrollments__status="active"
    ).first()
    if cls and cls.class_teacher_id:
        people[cls.class_teacher_id] = Role.CLASS_TEACHER
    for leader in stage_recipients(school=case.school, student=case.student, stage=AlertStage.SCHOOL_LEADER):
        people.setdefault(leader.pk, Role.SCHOOL_LEADER)
    CaseMember.objects.bulk_create(
        [CaseMember(case=case, user_id=uid, role=role, added_at=now) for uid, role in people.items()],
        ignore_conflicts=True,
    )


def _schedule_follow_up(case: Case, now: dt.datetime) -> None:
    days = follow_up_days(case.level)
    if days is None:
        return
    due_on = timezone.localdate(now) + dt.timedelta(days=days)
    pending = FollowUp.objects.filter(case=case, done_at__isnull=True).first()
    if pending is None:
        FollowUp.objects.create(case=case, due_on=due_on)
    elif pending.due_on > due_on:  # a higher level brings the next follow-up closer, never further
        pending.due_on = due_on
        pending.save(update_fields=["due_on"])


# --- Opening, status, level, owner ----------------------------------------------------------------------------


def open_case(
    *,
    student: Student,
    level: str,
    by: User,
    reason: str,
    alert: Alert | None = None,
    source_type: str = "",
    source_id: str = "",
    now: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """开案 — a psychological teacher opens a case (or adds to the open one). The student's open alerts are
    taken on by the case: acknowledged (their escalation stops) and linked to it. ``source_type``/``source_id``
    name what led here when it is not an alert (a second-stage review: ``screening``)."""
    if level not in CASE_LEVELS:
        raise CaseError(_("A case needs a level: red, orange or yellow."))
    reason = _text(reason, _("reason"))
    now = now or timezone.now()
    with transaction.atomic():
        case, created = open_or_update_case(
            student=student,
            level=level,
            source_type=source_type or (CaseSource.ALERT if alert else CaseSource.OTHER),
            source_id=source_id or (str(alert.pk) if alert else ""),
            actor=by,
            reason=reason,
            now=now,
        )
        _take_on_alerts(case, by, now)
        confirm_case_level(case, by, reason, now)
    return case, created


def confirm_case_level(case: Case, by: User, reason: str, now: dt.datetime) -> None:
    """A person who opens or adds to a case confirms its level for the student (a human confirms every level),
    so the student's current level and the case's agree; nothing is written when they already do."""
    from care.alerts.selectors import current_level

    current = current_level(case.student)
    if current is None or current.level != case.level:
        confirm_level(
            student=case.student,
            level=case.level,
            by=by,
            reason=reason,
            source_type="care.case",
            source_id=str(case.pk),
            now=now,
        )


def _take_on_alerts(case: Case, by: User | None, now: dt.datetime) -> None:
    from care.alerts.services import acknowledge_alert

    for alert in Alert.objects.filter(student=case.student_id, closed_at__isnull=True, case__isnull=True):
        if alert.acknowledged_at is None and by is not None:
            acknowledge_alert(alert=alert, user=by, now=now)
        Alert.objects.filter(pk=alert.pk).update(case=case)


def change_status(
    *, case: Case, status: str, by: User, reason: str = "", now: dt.datetime | None = None
) -> Case:
    """The status flow: open → assessed → intervening → referred → monitoring (any open status may follow any
    other: work is not linear); closing is ``close_case``."""
    if status not in OPEN_STATUSES:
        raise CaseError(_("Choose a status."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, by)
        if locked.status == status:
            return locked
        _event(
            locked, CaseEventKind.STATUS, now, by, before=locked.status, after=status, reason=reason.strip()
        )
        _audit(by, "care.case.status", locked, before=locked.status, after=status)
        locked.status = status
        locked.save(update_fields=["status"])
    return locked


def change_level(*, case: Case, level: str, by: User, reason: str, now: dt.datetime | None = None) -> Case:
    """等级调整 — a person changes the case's level with a reason. The level is confirmed for the student in the
    same transaction (``confirm_level``), so the case and the student's current level never disagree."""
    if level not in CASE_LEVELS:
        raise CaseError(_("A case needs a level: red, orange or yellow."))
    reason = _text(reason, _("reason for the change"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, by)
        confirm_level(
            student=locked.student,
            level=level,
            by=by,
            reason=reason,
            source_type="care.case",
            source_id=str(locked.pk),
            now=now,
        )
        if locked.level != level:
            _event(locked, CaseEventKind.LEVEL, now, by, before=locked.level, after=level, reason=reason)
            _audit(by, "care.case.level", locked, before=locked.level, after=level)
            locked.level = level
            locked.save(update_fields=["level"])
            after_case_level(locked, now, by)
    return locked


def set_owner(*, case: Case, owner: User, by: User, now: dt.datetime | None = None) -> Case:
    """The owner is a psychological teacher who may work the case."""
    if Role.PSYCH_TEACHER not in roles_of(owner) or not may_work_case(owner, case):
        raise CaseError(_("The owner must be a psychological teacher of the student's school."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, by)
        if locked.owner_id == owner.pk:
            return locked
        _event(locked, CaseEventKind.OWNER, now, by, before=str(locked.owner_id or ""), after=str(owner.pk))
        _audit(by, "care.case.owner", locked, before=locked.owner_id, after=owner.pk)
        locked.owner = owner
        locked.save(update_fields=["owner"])
    return locked


def escalate_case(
    *, case: Case, by: User | None, reason: str, now: dt.datetime | None = None, _locked: Case | None = None
) -> Case:
    """上报区心理中心 — the case goes to the district counseling centre: escalated_at set, the district's
    counselors join the team and are told; from then on they see the student (Scope.ESCALATED)."""
    if by is not None:
        reason = _text(reason, _("reason"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked or _lock(case, by)
        if locked.escalated_at is not None:
            return locked
        counselors = stage_recipients(
            school=locked.school, student=locked.student, stage=AlertStage.DISTRICT_CENTRE
        )
        locked.escalated_at = now
        locked.save(update_fields=["escalated_at"])
        CaseMember.objects.bulk_create(
            [CaseMember(case=locked, user=u, role=Role.DISTRICT_COUNSELOR, added_at=now) for u in counselors],
            ignore_conflicts=True,
        )
        _event(locked, CaseEventKind.ESCALATED, now, by, after="district", reason=reason)
        _audit(by, "care.case.escalate", locked, counselors=[u.pk for u in counselors])
        notify(
            users=counselors,
            kind="care.case.escalated",
            subject=_("A %(level)s case of %(school)s was escalated to the district counseling centre")
            % {"level": locked.get_level_display(), "school": locked.school.name},
            url=reverse("care:case_detail", args=[locked.pk]),
            key=f"care.case.escalated:{locked.pk}",
            email=True,
            level=locked.level,  # a red case's escalation goes by every channel (issue 15)
            now=now,
        )
    return locked


# --- Closing and reopening --------------------------------------------------------------------------------------


def close_case(
    *,
    case: Case,
    by: User,
    note: str,
    missing_reasons: dict[str, str] | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """结案 — close the case. A case that was red closes only when every crisis step is done or has a recorded
    reason (given here per missing step, all or nothing). Its open alerts close with it."""
    note = _text(note, _("closing note"))
    missing_reasons = {k: (v or "").strip() for k, v in (missing_reasons or {}).items()}
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, by)
        open_steps = [s for s in CrisisStep.objects.filter(case=locked) if not s.is_resolved]
        unexplained = [s for s in open_steps if not missing_reasons.get(s.kind)]
        if unexplained:
            raise CaseError(
                _("The crisis checklist is not complete: do these steps or give a reason for each: %(steps)s")
                % {"steps": "、".join(str(s.get_kind_display()) for s in unexplained)}
            )
        for step in open_steps:
            step.skipped_reason, step.skipped_at = _text(missing_reasons[step.kind], _("reason")), now
            step.save(update_fields=["skipped_reason", "skipped_at"])
            _event(
                locked,
                CaseEventKind.CRISIS,
                now,
                by,
                after=f"skipped:{step.kind}",
                reason=step.skipped_reason,
            )
        before = locked.status
        locked.status, locked.closed_at, locked.closed_by, locked.closing_note = (
            CaseStatus.CLOSED,
            now,
            by,
            note,
        )
        locked.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
        _event(locked, CaseEventKind.CLOSED, now, by, before=before, after=CaseStatus.CLOSED, reason=note)
        closed_alerts = Alert.objects.filter(student=locked.student_id, closed_at__isnull=True).update(
            closed_at=now, case=locked
        )
        _audit(by, "care.case.close", locked, before=before, alerts_closed=closed_alerts)
    return locked


def reopen_case(*, case: Case, by: User, reason: str, now: dt.datetime | None = None) -> Case:
    """重新开案 — an explicit, recorded act: a closed case opens again (unless the student has another open case)."""
    if not may_work_case(by, case):
        raise PermissionDenied
    reason = _text(reason, _("reason for reopening"))
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.status != CaseStatus.CLOSED:
                raise CaseError(_("This case is open already."))
            locked.status, locked.closed_at, locked.closed_by = CaseStatus.OPEN, None, None
            locked.save(update_fields=["status", "closed_at", "closed_by"])
            _event(locked, CaseEventKind.REOPENED, now, by, before=CaseStatus.CLOSED, after=CaseStatus.OPEN,
                   reason=reason)  # fmt: skip
            _audit(by, "care.case.reopen", locked)
            after_case_level(locked, now, by)
    except IntegrityError:
        raise CaseError(_("The student has another open case: add to that one instead.")) from None
    return locked


# --- Crisis checklist ---------------------------------------------------------------------------------------------


def record_crisis_step(
    *, case: Case, kind: str, by: User, done: bool = True, reason: str = "", now: dt.datetime | None = None
) -> CrisisStep:
    """Tick a crisis step (with its time and who), or record why it was not done (e.g. no referral needed)."""
    if kind not in CrisisStepKind.values:
        raise CaseError(_("Choose a step of the checklist."))
    if not done:
        reason = _text(reason, _("reason the step was not done"))
    # The step's owner (a class teacher, say) ticks their own step; leaving one out stays with the clinicians.
    own_step = done and CrisisStep.objects.filter(case=case, kind=kind, owner=by).exists()
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(case, None if own_step else by)
        step = CrisisStep.objects.select_for_update().filter(case=locked, kind=kind).first()
        if step is None:
            raise CaseError(_("This case has no crisis checklist: only a red case has one."))
        if step.is_resolved:
            return step
        if done:
            step.done_at, step.done_by = now, by
        else:
            step.skipped_reason, step.skipped_at = reason, now
        step.save(update_fields=["done_at", "done_by", "skipped_reason", "skipped_at"])
        _event(
            locked,
            CaseEventKind.CRISIS,
            now,
            by,
            after=f"{'done' if done else 'skipped'}:{kind}",
            reason=reason,
        )
        _audit(by, "care.case.crisis_step", locked, step=kind, done=done)
    return step


def escalate_missed_crisis_steps(*, now: dt.datetime | None = None) -> int:
    """The crisis timer: an open case's step not done by its deadline goes to the school leader; an hour later
    (settings) still not done, to the district counseling centre — the case is escalated. Idempotent per stage."""
    now = now or timezone.now()
    after = escalate_after()
    moved = 0
    waiting = (
        CrisisStep.objects.filter(
            done_at__isnull=True, skipped_at__isnull=True, stage__lt=AlertStage.DISTRICT_CENTRE
        )
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(due_at__lte=now)
        .select_related("case__school", "case__student", "owner")
    )
    for step in list(waiting[:500]):
        target = step.stage + 1
        if now < step.due_at + (target - 1) * after:
            continue
        with transaction.atomic():
            claimed = CrisisStep.objects.filter(
                pk=step.pk, stage=step.stage, done_at__isnull=True, skipped_at__isnull=True
            ).update(stage=target)
            if not claimed:
                continue
            case = step.case
            people = stage_recipients(school=case.school, student=case.student, stage=target)
            if target == AlertStage.DISTRICT_CENTRE:
                locked = Case.objects.select_for_update().select_related("student", "school").get(pk=case.pk)
                escalate_case(case=locked, by=None, reason=f"crisis:{step.kind}", now=now, _locked=locked)
            notify(
                users=people,
                kind="care.crisis.late",
                subject=_("A crisis step is overdue at %(school)s: %(step)s")
                % {"school": case.school.name, "step": step.get_kind_display()},
                url=reverse("care:case_detail", args=[case.pk])
                if target == AlertStage.DISTRICT_CENTRE
                else reverse("care:case_list"),
                key=f"care.crisis:{step.pk}:{target}",
                email=True,
                level=RiskLevel.RED,  # a missed crisis step is red-urgent: every channel (issue 15)
                now=now,
            )
            if target == AlertStage.SCHOOL_LEADER and step.owner is not None:
                # the owner hears it too, at the deadline, with a link to their tasks (issue 15, build 3)
                notify(
                    users=[step.owner],
                    kind="care.crisis.overdue",
                    subject=_("Your crisis step is overdue: %(step)s") % {"step": step.get_kind_display()},
                    url=reverse("care:my_tasks"),
                    key=f"care.crisis.overdue:{step.pk}",
                    email=True,
                    level=RiskLevel.RED,
                    now=now,
                )
            _event(
                case, CaseEventKind.CRISIS, now, None, before=str(step.stage), after=f"escalated:{step.kind}"
            )
            _audit(None, "care.case.crisis_escalate", case, step=step.kind, to=target)
        moved += 1
    return moved


# --- Follow-ups -----------------------------------------------------------------------------------------------


def record_follow_up(
    *,
    follow_up: FollowUp,
    by: User,
    outcome: str,
    level: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> FollowUp:
    """跟踪记录 — the outcome of a follow-up; a changed level goes through ``change_level``; the next follow-up
    is scheduled by the (new) level."""
    outcome = _text(outcome, _("outcome"))
    if level and level not in CASE_LEVELS:
        raise CaseError(_("A case needs a level: red, orange or yellow."))
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(follow_up.case, by)
        locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if locked.done_at is not None:
            raise CaseError(_("This follow-up has been recorded already."))
        if level and level != case.level:
            case = change_level(case=case, level=level, by=by, reason=reason or outcome, now=now)
        locked.done_at, locked.done_by, locked.outcome, locked.level = now, by, outcome, level or case.level
        locked.save(update_fields=["done_at", "done_by", "outcome", "level"])
        _event(case, CaseEventKind.FOLLOW_UP, now, by, after=locked.level)
        _audit(by, "care.case.follow_up", case, follow_up=locked.pk, level=locked.level)
        _schedule_follow_up(case, now)
    return locked


def remind_follow_ups(*, now: dt.datetime | None = None) -> int:
    """Tell the owner (or, without one, the school's psychological teachers) of a follow-up due today, and once
    more when it is ``FOLLOW_UP_OVERDUE_DAYS`` late. Each reminder is sent once (notification key)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    due = (
        FollowUp.objects.filter(done_at__isnull=True, due_on__lte=today)
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__owner", "case__school", "case__student")
    )
    for fu in due[:1000]:
        case = fu.case
        people = (
            [case.owner]
            if case.owner
            else stage_recipients(school=case.school, student=case.student, stage=AlertStage.PSYCH_TEACHERS)
        )
        late = today >= fu.due_on + dt.timedelta(days=FOLLOW_UP_OVERDUE_DAYS)
        with transaction.atomic():
            sent += notify(
                users=people,
                kind="care.follow_up",
                subject=(
                    _("A follow-up of %(name)s is overdue") if late else _("A follow-up of %(name)s is due")
                )
                % {"name": case.student.name},
                url=reverse("care:case_detail", args=[case.pk]),
                key=f"care.follow_up:{fu.pk}:{'late' if late else 'due'}",
                now=now,
            )
    return sent


# --- Disclosures (R15) ----------------------------------------------------------------------------------------


def record_disclosure(
    *,
    case: Case,
    by: User,
    department: str,
    recipient: str,
    legal_basis: str,
    shared: str,
    disclosed_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Disclosure:
    """信息通报 (R15) — record that part of the case was shared with another department because of a risk of
    harm: the legal basis, what was shared, to whom, when and by whom."""
    if department not in Department.values:
        raise CaseError(_("Choose the department."))
    recipient = _text(recipient, _("recipient"))[:200]
    legal_basis = _text(legal_basis, _("legal basis"))[:300]
    shared = _text(shared, _("what was shared"))
    now = now or timezone.now()
    disclosed_at = disclosed_at or now
    if disclosed_at > now:
        raise CaseError(_("A disclosure cannot be in the future."))
    with transaction.atomic():
        locked = _lock(case, by)
        d = Disclosure.objects.create(
            case=locked,
            department=department,
            recipient=recipient,
            legal_basis=legal_basis,
            shared=shared,
            disclosed_at=disclosed_at,
            recorded_by=by,
            recorded_at=now,
        )
        _event(locked, CaseEventKind.DISCLOSURE, now, by, after=department)
        _audit(by, "care.case.disclose", locked, disclosure=d.pk, department=department)
    return d


# --- The timer (care.alerts.tasks.escalate_alerts and manage.py escalate_alerts run it) -----------------------------


def run_timers(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Late triage → leader; missed crisis steps → leader → district; follow-up reminders."""
    from care.reports.services import escalate_late_triage

    now = now or timezone.now()
    return {
        "reports": escalate_late_triage(now=now),
        "crisis_steps": escalate_missed_crisis_steps(now=now),
        "follow_ups": remind_follow_ups(now=now),
    }
