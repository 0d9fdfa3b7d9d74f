"""Care's own entries on the student file (一人一档): confirmed levels, alerts, cases and their history.

Each provider runs one query (two for cases), whatever the length of the history (issue 4, No N+1). T3 only:
a T2 viewer (class teacher) sees the current level's colour in the file's header and nothing of these.
Registered in ``CareConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.levels import RiskLevel, reason_texts
from care.models import Alert, Case, CaseEvent, CaseEventKind, CaseStatus, LevelRecord
from care.timeline import Entry, Filters
from org.models import Student, User

KINDS_LEVEL = {"level": gettext_lazy("Risk levels")}
KINDS_ALERT = {"alert": gettext_lazy("Alerts")}
KINDS_CASE = {"case": gettext_lazy("Cases")}


def levels(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """确认的风险等级 — every level a person confirmed, with its reasons (T3)."""
    if tier < Tier.T3:
        return []
    rows = LevelRecord.objects.filter(student=student, **filters.range("confirmed_at")).select_related(
        "confirmed_by"
    )
    return [
        Entry(
            at=r.confirmed_at,
            kind="level",
            title=_("Level confirmed: %(level)s") % {"level": r.get_level_display()},
            school_id=r.school_id,
            level=r.level,
            summary="; ".join([*reason_texts(r.reasons), *([r.note] if r.note else [])]),
            context={"by": r.confirmed_by},
        )
        for r in rows
    ]


def alerts(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """预警 — alerts raised for the student, and whether and when they were acknowledged (T3)."""
    if tier < Tier.T3:
        return []
    rows = (
        Alert.objects.filter(student=student, **filters.range("raised_at"))
        .select_related("acknowledged_by")
        .defer("reasons")  # not shown here: no decryption per row
    )
    out = []
    for a in rows:
        if a.acknowledged_at:
            summary = _("Acknowledged %(at)s by %(who)s") % {
                "at": timezone.localtime(a.acknowledged_at).strftime("%Y-%m-%d %H:%M"),
                "who": a.acknowledged_by or "—",
            }
        else:
            summary = _("Not acknowledged")
        out.append(
            Entry(
                at=a.raised_at,
                kind="alert",
                title=_("Alert: %(level)s") % {"level": a.get_level_display()},
                school_id=a.school_id,
                level=a.level,
                summary=summary,
                url=reverse("care:alert_detail", args=[a.pk]),
            )
        )
    return out


def cases(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """个案 — each case as it was opened, and every change in its history (status, level with its reason,
    owner, escalation, closing). Two queries: the cases, then all their events."""
    if tier < Tier.T3:
        return []
    case_rows = {
        c.pk: c
        for c in Case.objects.filter(student=student).select_related("owner").defer("summary", "closing_note")
    }
    if not case_rows:
        return []
    school_ids = filters.schools
    out = []
    for c in case_rows.values():
        out.append(
            Entry(
                at=c.opened_at,
                kind="case",
                title=_("Case opened (%(level)s)") % {"level": c.get_level_display()},
                school_id=c.school_id,
                level=c.level,
                summary=_("Status: %(status)s · owner: %(owner)s")
                % {"status": c.get_status_display(), "owner": c.owner or "—"},
            )
        )
    events = CaseEvent.objects.filter(
        case_id__in=list(case_rows), **filters.range("at", None)
    ).select_related("actor")
    labels = dict(CaseEventKind.choices)
    names = {**dict(CaseStatus.choices), **dict(RiskLevel.choices)}  # before/after: a status or a level
    for ev in events:
        if ev.kind == CaseEventKind.OPENED:
            continue  # the case's own entry says it
        case = case_rows[ev.case_id]
        if school_ids is not None and case.school_id not in school_ids:
            continue
        change = (
            f"{names.get(ev.before, ev.before) or '—'} → {names.get(ev.after, ev.after)}"
            if (ev.before or ev.after)
            else ""
        )
        summary = " · ".join(s for s in (change, ev.reason) if s)
        out.append(
            Entry(
                at=ev.at,
                kind="case",
                title=_("Case #%(pk)s: %(what)s") % {"pk": case.pk, "what": labels.get(ev.kind, ev.kind)},
                school_id=case.school_id,
                level=ev.after if ev.kind == CaseEventKind.LEVEL else "",
                summary=summary,
                context={"by": ev.actor},
            )
        )
    return out


def register() -> None:
    from care.timeline import register_timeline_provider

    register_timeline_provider(levels, kinds=KINDS_LEVEL)
    register_timeline_provider(alerts, kinds=KINDS_ALERT)
    register_timeline_provider(cases, kinds=KINDS_CASE)
