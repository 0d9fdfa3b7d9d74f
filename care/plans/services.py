"""Writes of plans, guardian contacts, partner institutions and referrals (issue 4 items 5–7; R12, R13).

Keyword-only, policy first (a write outside the writer's scope is ``PermissionDenied``; the views have already
answered 404 for what the user cannot see), one transaction, audited without clinical text. Bad input raises
:class:`PathwayError` with a message for the user and changes nothing. A closed case's plan, contacts and
referrals are frozen.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from access import audit
from care.alerts.services import notify
from care.models import (
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    Plan,
    PlanAction,
    PlanShare,
    PlanShareReading,
)
from care.plans import selectors
from org.models import User

TEXT_MAX = 4000


class PathwayError(Exception):
    """Bad input a user can cause: shown to them, nothing changed."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def require_writer(user: User, case: Case) -> None:
    if not selectors.may_write(user, case):
        raise PermissionDenied


def require_open(case: Case) -> None:
    if not case.is_open:
        raise PathwayError(
            _("This case is closed: its plan, contacts and referrals can no longer be changed."), 409
        )


def clean_text(value: str, label: str, *, required: bool = False, max_length: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": label})
    if len(value) > max_length:
        raise PathwayError(
            _("%(field)s is too long (at most %(n)s characters).") % {"field": label, "n": max_length}
        )
    return value


def locked_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("school").get(pk=case.pk)


# --- Plans (干预方案) ------------------------------------------------------------------------------------------


def _plan_for_update(case: Case, by: User, now: dt.datetime) -> Plan:
    plan, _created = Plan.objects.select_for_update().get_or_create(
        case=case, defaults={"created_by": by, "created_at": now, "updated_by": by, "updated_at": now}
    )
    return plan


def _save_plan(plan: Plan, by: User, now: dt.datetime, fields: list[str], action: str, detail: dict) -> Plan:
    plan.updated_by, plan.updated_at = by, now
    plan.save(update_fields=[*fields, "updated_by", "updated_at"])
    audit.record(actor=by, action=action, obj=plan, student_id=plan.case.student_id, detail=detail)
    return plan


def save_goals(
    *, case: Case, by: User, goals: str, review_on: dt.date | None, now: dt.datetime | None = None
) -> Plan:
    """The plan's goals and its next review date (R12)."""
    require_writer(by, case)
    now = now or timezone.now()
    goals = clean_text(goals, _("Goals"), required=True)
    if review_on is not None and review_on < timezone.localdate(now):
        raise PathwayError(_("The review date cannot be in the past."))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        plan = _plan_for_update(case, by, now)
        plan.goals, plan.review_on = goals, review_on
        return _save_plan(
            plan, by, now, ["goals", "review_on"], "care.plan.goals",
            {"case": case.pk, "review_on": review_on.isoformat() if review_on else None},
        )  # fmt: skip


SAFETY_PARTS = ("warning_signs", "coping_steps", "people_and_places", "professionals", "safe_environment")


def save_safety_plan(*, case: Case, by: User, parts: dict[str, str], now: dt.datetime | None = None) -> Plan:
    """安全计划 — warning signs, coping steps, people and places, professionals and hotlines, making the
    environment safe (T3, encrypted). At least one part must be written."""
    require_writer(by, case)
    now = now or timezone.now()
    labels = {f: str(Plan._meta.get_field(f).verbose_name) for f in SAFETY_PARTS}
    cleaned = {f: clean_text(parts.get(f, ""), labels[f]) for f in SAFETY_PARTS}
    if not any(cleaned.values()):
        raise PathwayError(_("Write at least one part of the safety plan."))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        plan = _plan_for_update(case, by, now)
        for f, v in cleaned.items():
            setattr(plan, f, v)
        filled = sorted(f for f, v in cleaned.items() if v)
        return _save_plan(
            plan, by, now, list(SAFETY_PARTS), "care.plan.safety", {"case": case.pk, "parts": filled}
        )


def record_agreement(
    *,
    case: Case,
    by: User,
    agreed_on: dt.date | None,
    meeting: str,
    agreed_with: str,
    now: dt.datetime | None = None,
) -> Plan:
    """家长同意 — the guardians agreed the plan: at which meeting, on which date, who took part (R12)."""
    require_writer(by, case)
    now = now or timezone.now()
    meeting = clean_text(meeting, _("Meeting"), required=True, max_length=100)
    agreed_with = clean_text(agreed_with, _("Who took part"), required=True, max_length=200)
    if agreed_on is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Agreed on")})
    if agreed_on > timezone.localdate(now):
        raise PathwayError(_("The agreement cannot be dated in the future."))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        plan = _plan_for_update(case, by, now)
        if not plan.goals:
            raise PathwayError(_("Write the plan's goals before recording the guardians' agreement."))
        plan.agreed_on, plan.agreement_meeting, plan.agreed_with = agreed_on, meeting, agreed_with
        CaseEvent.objects.create(case=case, kind=CaseEventKind.NOTE, at=now, actor=by, after="plan.agreed")
        return _save_plan(
            plan, by, now, ["agreed_on", "agreement_meeting", "agreed_with"], "care.plan.agree",
            {"case": case.pk, "agreed_on": agreed_on.isoformat()},
        )  # fmt: skip


# --- Telling the guardians (告知家长, R10, R12) ----------------------------------------------------------------


def share_with_guardians(
    *,
    case: Case,
    by: User,
    family_tasks: str,
    share_level: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PlanShare:
    """The school tells the guardians of an agreed plan, on purpose (R10, R12): the tasks for the family and the
    next review date; the child's level with the reason in plain words only when ``share_level``. The guardians
    are told (in-app, and by their outside channels without any detail). Audited without the texts."""
    require_writer(by, case)
    now = now or timezone.now()
    family_tasks = clean_text(family_tasks, _("Tasks for the family"), required=True, max_length=2000)
    reason = clean_text(reason, _("Reason in plain words"), required=share_level, max_length=1000)
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        plan = Plan.objects.filter(case=case).first()
        if plan is None or not plan.is_agreed:
            raise PathwayError(
                _("Record the guardians' agreement to the plan before sharing it with them."), 409
            )
        share = PlanShare.objects.create(
            plan=plan, family_tasks=family_tasks, review_on=plan.review_on, agreed_on=plan.agreed_on,
            level=case.level if share_level else "", reason=reason if share_level else "",
            shared_by=by, shared_at=now,
        )  # fmt: skip
        CaseEvent.objects.create(case=case, kind=CaseEventKind.NOTE, at=now, actor=by, after="plan.shared")
        audit.record(
            actor=by, action="care.plan.share", obj=share, student_id=case.student_id,
            detail={"case": case.pk, "level_shared": bool(share_level),
                    "review_on": plan.review_on.isoformat() if plan.review_on else None},
        )  # fmt: skip
        guardians = User.objects.filter(
            guardian__links__student_id=case.student_id, is_active=True
        ).distinct()
        notify(
            users=guardians, kind="care.plan", subject=_("The school shared your child's support plan with you"),
            url=reverse("care:family_plans"), key=f"care.plan.share.{share.pk}", email=True,
            outside_text=_("The school shared a support plan with you; please read it and confirm."), now=now,
        )  # fmt: skip
    return share


def confirm_reading(*, share: PlanShare, by: User, now: dt.datetime | None = None) -> PlanShareReading:
    """A guardian confirms reading a share (已阅): recorded once; confirming again returns the first record.
    Only a guardian of the child (anyone else: PermissionDenied; the views answer 404 first)."""
    if not selectors.guardian_shares(by).filter(pk=share.pk).exists():
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        reading, created = PlanShareReading.objects.get_or_create(
            share=share, reader=by, defaults={"read_at": now}
        )
        if created:
            audit.record(
                actor=by, action="care.plan.share.read", obj=share, student_id=share.plan.case.student_id,
                detail={"case": share.plan.case_id},
            )  # fmt: skip
    return reading


def add_action(
    *,
    case: Case,
    by: User,
    text: str,
    owner: User | None,
    due_on: dt.date | None,
    now: dt.datetime | None = None,
) -> PlanAction:
    """An action of the plan with its owner and due date; the owner is told at once and it lands on their home
    page ("my tasks")."""
    require_writer(by, case)
    now = now or timezone.now()
    text = clean_text(text, _("Action"), required=True, max_length=500)
    if owner is None or not selectors.owner_choices(case).filter(pk=owner.pk).exists():
        raise PathwayError(_("Choose an owner from the staff of the student's school."))
    if due_on is None:
        raise PathwayError(_("Please fill in: %(field)s.") % {"field": _("Due on")})
    if due_on < timezone.localdate(now):
        raise PathwayError(_("The due date cannot be in the past."))
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        plan = _plan_for_update(case, by, now)
        action = PlanAction.objects.create(
            plan=plan, text=text, owner=owner, due_on=due_on, created_by=by, created_at=now
        )
        audit.record(
            actor=by, action="care.task.add", obj=action, student_id=case.student_id,
            detail={"case": case.pk, "owner": owner.pk, "due_on": due_on.isoformat()},
        )  # fmt: skip
        notify(
            users=[owner], kind="care.task", subject=_("A task of an intervention plan was given to you"),
            url=reverse("care:my_tasks"), key=f"care.task.{action.pk}.assigned", now=now,
        )  # fmt: skip
    return action


def complete_action(*, action: PlanAction, by: User, now: dt.datetime | None = None) -> PlanAction:
    """Mark an action done — its owner or the school's psychological teacher. Done twice changes nothing."""
    case = action.plan.case
    if action.owner_id != by.pk and not selectors.may_write(by, case):
        raise PermissionDenied
    now = now or timezone.now()
    with transaction.atomic():
        case = locked_case(case)
        require_open(case)
        action = PlanAction.objects.select_for_update().get(pk=action.pk)
        if action.done_at is None:
            action.done_at, action.done_by = now, by
            action.save(update_fields=["done_at", "done_by"])
            audit.record(
                actor=by,
                action="care.task.done",
                obj=action,
                student_id=case.student_id,
                detail={"case": case.pk},
            )
    return action


def send_task_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind the owners of open actions due tomorrow or today, and again once overdue, and the case's owner of a
    plan's review date — each reminder once (notify's key). Run by Celery beat (CELERY_BEAT_SCHEDULE "care-task-reminders"). Returns reminders written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    due = (
        PlanAction.objects.filter(done_at__isnull=True, due_on__lte=today + dt.timedelta(days=1))
        .exclude(plan__case__status=CaseStatus.CLOSED)
        .select_related("owner")
    )
    url = reverse("care:my_tasks")
    for action in due:
        if action.due_on < today:
            key, subject = f"care.task.{action.pk}.overdue", _("A task of an intervention plan is overdue")
        else:
            key, subject = f"care.task.{action.pk}.due", _("A task of an intervention plan is due soon")
        with transaction.atomic():
            sent += notify(users=[action.owner], kind="care.task", subject=subject, url=url, key=key, now=now)
    # Review dates (复查): the case's owner is reminded the day before, once per review date.
    reviews = (
        Plan.objects.filter(review_on__isnull=False, review_on__lte=today + dt.timedelta(days=1))
        .exclude(case__status=CaseStatus.CLOSED)
        .select_related("case__owner")
    )
    for plan in reviews:
        if plan.case.owner is None:
            continue
        with transaction.atomic():
            sent += notify(
                users=[plan.case.owner], kind="care.plan", subject=_("An intervention plan is due for review"),
                url=reverse("care:plan", args=[plan.case_id]), key=f"care.plan.{plan.pk}.review.{plan.review_on}",
                now=now,
            )  # fmt: skip
    return sent


# --- Guardian contacts (家校联系) -------------------------------------------------------------------------------


# --- Partner institutions (合作机构) ----------------------------------------------------------------------------


# --- Referrals (转介) -----------------------------------------------------------------------------------------
