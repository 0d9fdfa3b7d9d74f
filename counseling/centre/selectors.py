"""Reads of the district counseling centre and the 24-hour message platform (R4.2), starting from the policy:
a counselor sees the messages, calls and roster of the districts of their own district-counselor posts; a
student sees their own named messages (anonymous ones only through their code)."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import Http404

from counseling.centre.models import (
    CentreVisit,
    DutyShift,
    HotlineCall,
    Message,
    MessageStatus,
    OnlineSession,
    OnlineStatus,
    RiskClass,
    TriageTerm,
    TriageTermChange,
)
from counseling.centre.services import admin_districts, counselor_districts, own_student, term_districts
from org.calendar import selectors as calendar
from org.calendar.models import CalendarDay
from org.models import Node, User


def message_queue(user: User) -> QuerySet[Message]:
    """排队 — waiting messages first; crisis at the top; then by first-reply deadline (most urgent first)."""
    districts = counselor_districts(user)
    waiting_first = Case(
        When(status=MessageStatus.WAITING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Message.objects.filter(district__in=districts)
        .select_related("district", "student")
        .annotate(waiting_first=waiting_first)
        .order_by("waiting_first", "-risk_class", "reply_due", "pk")
    )


@dataclass(frozen=True)
class ReplyTimes:
    """Time to first reply of one risk class's messages (issue 16: how long a child in danger waits)."""

    risk_class: int
    label: str
    sent: int  # messages sent in the period
    answered: int
    median_minutes: float | None  # of the answered ones
    p90_minutes: float | None  # nearest rank


def reply_times(district: Node, start: dt.datetime, end: dt.datetime) -> list[ReplyTimes]:
    """Median and 90th percentile of minutes to the first reply, per risk class (imminent, risk, none), over the
    district's messages sent in [start, end). One query; the percentiles are computed here (SQLite has none)."""
    waits: dict[int, list[float]] = {c: [] for c in RiskClass.values}
    sent = dict.fromkeys(RiskClass.values, 0)
    rows = Message.objects.filter(district=district, created_at__gte=start, created_at__lt=end).values_list(
        "risk_class", "created_at", "first_reply_at"
    )
    for risk_class, created_at, first_reply_at in rows:
        sent[risk_class] += 1
        if first_reply_at is not None:
            waits[risk_class].append((first_reply_at - created_at).total_seconds() / 60)
    out = []
    for risk_class in sorted(RiskClass.values, reverse=True):
        w = sorted(waits[risk_class])
        out.append(
            ReplyTimes(
                risk_class=risk_class,
                label=str(RiskClass(risk_class).label),
                sent=sent[risk_class],
                answered=len(w),
                median_minutes=round(statistics.median(w), 1) if w else None,
                p90_minutes=round(w[math.ceil(0.9 * len(w)) - 1], 1) if w else None,
            )
        )
    return out


def message_for_counselor(user: User, pk: int) -> Message:
    message = (
        Message.objects.filter(pk=pk, district__in=counselor_districts(user))
        .select_related("district")
        .first()
    )
    if message is None:
        raise Http404
    return message


def my_messages(user: User) -> QuerySet[Message]:
    student = own_student(user)
    if student is None:
        return Message.objects.none()
    return Message.objects.filter(student=student, anonymous=False).order_by("-created_at")


def my_message(user: User, pk: int) -> Message:
    message = my_messages(user).filter(pk=pk).first()
    if message is None:
        raise Http404
    return message


def roster_districts(user: User) -> list[Node]:
    seen: dict[int, Node] = {}
    for node in [*counselor_districts(user), *admin_districts(user)]:
        seen.setdefault(node.pk, node)
    return list(seen.values())


def shifts(districts: list[Node], start: dt.datetime, end: dt.datetime) -> QuerySet[DutyShift]:
    return (
        DutyShift.objects.filter(district__in=districts, ends_at__gt=start, starts_at__lt=end)
        .select_related("counselor", "district")
        .order_by("starts_at", "pk")
    )


def special_days(first: dt.date, last: dt.date, node: Node | None = None) -> dict[dt.date, CalendarDay]:
    """The days that differ from the ordinary week at ``node`` (the national calendar if none)."""
    return {d.date: d for d in calendar.special_days(node, first, last)}


def calls(user: User) -> QuerySet[HotlineCall]:
    return HotlineCall.objects.filter(district__in=counselor_districts(user)).select_related(
        "taken_by", "handed_over_to"
    )


def call_for_counselor(user: User, pk: int) -> HotlineCall:
    call = calls(user).filter(pk=pk).first()
    if call is None:
        raise Http404
    return call


def online_for(user: User, pk: int) -> tuple[str, OnlineSession | None]:
    """("student", session) for its own student, ("counselor", session) for a counselor of its district."""
    session = OnlineSession.objects.filter(pk=pk).select_related("student", "district", "counselor").first()
    if session is None:
        return "", None
    student = own_student(user)
    if student is not None and student.pk == session.student_id:
        return "student", session
    if session.district_id in {d.pk for d in counselor_districts(user)}:
        return "counselor", session
    return "", None


def my_open_online(user: User) -> OnlineSession | None:
    student = own_student(user)
    if student is None:
        return None
    return OnlineSession.objects.filter(student=student).exclude(status=OnlineStatus.CLOSED).first()


def online_sessions(user: User) -> QuerySet[OnlineSession]:
    waiting_first = Case(
        When(status=OnlineStatus.WAITING, then=Value(0)),
        When(status=OnlineStatus.ACTIVE, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        OnlineSession.objects.filter(district__in=counselor_districts(user))
        .select_related("student", "counselor")
        .annotate(order=waiting_first)
        .order_by("order", "-requested_at")
    )


def my_visits(user: User) -> QuerySet[CentreVisit]:
    student = own_student(user)
    if student is None:
        return CentreVisit.objects.none()
    return CentreVisit.objects.filter(student=student).select_related("counselor").order_by("-wanted_at")


def centre_visits(user: User) -> QuerySet[CentreVisit]:
    return (
        CentreVisit.objects.filter(district__in=counselor_districts(user))
        .select_related("student", "counselor")
        .order_by("status", "wanted_at")
    )


def triage_terms(district: Node) -> QuerySet[TriageTerm]:
    """A district's own triage terms, live first (issue 16 build 2)."""
    return TriageTerm.objects.filter(district=district).order_by(
        F("retired_at").desc(nulls_first=True), "kind", "form"
    )


def triage_term(user: User, pk: int) -> TriageTerm:
    """One term of a district whose terms ``user`` keeps; another district's is 404."""
    term = (
        TriageTerm.objects.filter(pk=pk, district__in=term_districts(user)).select_related("district").first()
    )
    if term is None:
        raise Http404
    return term


def term_history(term: TriageTerm) -> QuerySet[TriageTermChange]:
    return term.changes.select_related("by").order_by("at", "pk")
