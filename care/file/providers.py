"""Care's own entries on the student file (一人一档): confirmed levels, alerts, cases and their history.

Each provider runs one query (two for cases), whatever the length of the history (issue 4, No N+1). T3 only:
a T2 viewer (class teacher) sees the current level's colour in the file's header and nothing of these.
Registered in ``CareConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.tiers import Tier
from care.alerts.levels import reason_texts
from care.cases.selectors import value_label
from care.file.timeline import Entry, Filters
from care.models import (
    Alert,
    Case,
    CaseEvent,
    CaseEventKind,
    CrisisStep,
    Disclosure,
    FollowUp,
    LevelRecord,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from org.models import Student, User
from xinyu.web.people.sections import StudentSection


def _urls(name: str):
    """``reverse`` once per object within one provider call (a case has many events and steps)."""
    cache: dict[int, str] = {}

    def url(pk: int) -> str:
        if pk not in cache:
            cache[pk] = reverse(name, args=[pk])
        return cache[pk]

    return url


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
    case_url = _urls("care:case_detail")
    case_rows = {
        c.pk: c
        for c in Case.objects.filter(student=student).select_related("owner").defer("summary", "closing_note")
    }
    if not case_rows:
        return []
    school_ids = filters.schools
    out = []
    bounds = filters.bounds()  # every case is read (a move this year of an older case counts); only the
    for c in case_rows.values():  # cases opened in the years asked for get an entry of their own
        if bounds is not None and not (
            bounds[0] <= c.opened_at and (bounds[1] is None or c.opened_at < bounds[1])
        ):
            continue
        out.append(
            Entry(
                at=c.opened_at,
                kind="case",
                title=_("Case opened (%(level)s)") % {"level": c.get_level_display()},
                school_id=c.school_id,
                level=c.level,
                summary=_("Status: %(status)s · owner: %(owner)s")
                % {"status": c.get_status_display(), "owner": c.owner or "—"},
                url=case_url(c.pk),
            )
        )
    events = CaseEvent.objects.filter(
        case_id__in=list(case_rows), **filters.range("at", None)
    ).select_related("actor")
    labels = dict(CaseEventKind.choices)
    for ev in events:
        if ev.kind == CaseEventKind.OPENED:
            continue  # the case's own entry says it
        case = case_rows[ev.case_id]
        if school_ids is not None and case.school_id not in school_ids:
            continue
        change = (
            f"{value_label(ev.before) or '—'} → {value_label(ev.after)}"  # a status, level or step, in words
            if (ev.before or ev.after)
            else ""
        )
        summary = " · ".join(s for s in (change, ev.reason) if s)
        out.append(
            Entry(
                at=ev.at,
                kind="case",
                title=_("Case #%(pk)s: %(what)s") % {"pk": case.pk, "what": labels.get(ev.kind, ev.kind)},
                url=case_url(case.pk),
                school_id=case.school_id,
                level=ev.after if ev.kind == CaseEventKind.LEVEL else "",
                summary=summary,
                context={"by": ev.actor},
            )
        )
    return out


# --- Referral moves and the clinician's feedback --------------------------------------------------------------
# Each plan, guardian contact and referral itself is put on the file by the providers of care/plans, care/contacts and care/referrals, each
# abnormality report by care/cases/providers.py; this adds what they leave out: every move of a referral and
# the clinician's feedback (issue 4 Done-when: the file shows the feedback to the psychological teacher).

KINDS_REFERRAL = {"referral": gettext_lazy("Referrals")}


def referrals(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """转介 — every move of each referral after its proposal, and the clinician's feedback. Two queries."""
    if tier < Tier.T3:
        return []
    referral_url = _urls("care:referral")
    rows = {
        r.pk: r
        for r in Referral.objects.filter(student=student)  # a move this year of last year's referral counts
        .select_related("institution")
        .defer("reason", "shared", "support_plan")
    }
    out = []
    statuses = dict(ReferralStatus.choices)
    bounds = filters.bounds()
    for r in rows.values():
        if filters.schools is not None and r.school_id not in filters.schools:
            continue
        if (
            r.feedback_at
            and bounds is not None
            and not (bounds[0] <= r.feedback_at and (bounds[1] is None or r.feedback_at < bounds[1]))
        ):
            continue
        url = referral_url(r.pk)
        if r.feedback_at and r.feedback:
            out.append(
                Entry(
                    at=r.feedback_at, kind="referral", title=_("Clinician's feedback: %(institution)s")
                    % {"institution": r.institution.name}, school_id=r.school_id, summary=r.feedback, url=url,
                )
            )  # fmt: skip
    if rows:
        events = ReferralEvent.objects.filter(referral_id__in=list(rows), **filters.range("at", None))
        for ev in events.select_related("actor"):
            r = rows.get(ev.referral_id)
            if (
                r is None
                or ev.before == ""
                or (filters.schools is not None and r.school_id not in filters.schools)
            ):
                continue  # the proposal itself is the referral's own entry
            out.append(
                Entry(
                    at=ev.at, kind="referral",
                    title=_("Referral to %(institution)s: %(status)s")
                    % {"institution": r.institution.name, "status": statuses.get(ev.after, ev.after)},
                    school_id=r.school_id, url=referral_url(r.pk), context={"by": ev.actor},
                )
            )  # fmt: skip
    return out


# --- Crisis checklists, follow-ups, disclosures (cases' models, care app) ---------------------------------------

KINDS_CRISIS = {
    "crisis": gettext_lazy("Crisis checklist"),
    "follow_up": gettext_lazy("Follow-ups"),
    "disclosure": gettext_lazy("Disclosures to other departments"),
}


def crisis_and_follow_ups(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """危机干预清单 — each crisis step done or left out (with its reason); 动态跟踪 — each follow-up done (its outcome
    and level); 信息通报 — each disclosure to another department (R15). Three queries."""
    if tier < Tier.T3:
        return []
    case_url = _urls("care:case_detail")
    out = []
    schools = {"case__school_id__in": sorted(filters.schools)} if filters.schools is not None else {}
    if filters.wants("crisis"):
        # the year in the database too, so older years' steps are neither fetched nor decrypted
        steps = CrisisStep.objects.filter(case__student=student, **schools).filter(
            Q(done_at__isnull=False, **filters.range("done_at", None))
            | Q(done_at__isnull=True, skipped_at__isnull=False, **filters.range("skipped_at", None))
        )
        for st in steps.select_related("case", "done_by").defer("case__summary", "case__closing_note"):
            if st.done_at:
                at, title = st.done_at, _("Crisis step done: %(step)s") % {"step": st.get_kind_display()}
                summary = _("due %(due)s") % {"due": timezone.localtime(st.due_at).strftime("%Y-%m-%d %H:%M")}
            else:
                at, title = (
                    st.skipped_at,
                    _("Crisis step left out: %(step)s") % {"step": st.get_kind_display()},
                )
                summary = st.skipped_reason
            out.append(
                Entry(
                    at=at, kind="crisis", title=title, school_id=st.case.school_id, level="red", summary=summary,
                    url=case_url(st.case_id), context={"by": st.done_by},
                )
            )  # fmt: skip
    if filters.wants("follow_up"):
        rows = FollowUp.objects.filter(
            case__student=student, done_at__isnull=False, **schools, **filters.range("done_at", None)
        )
        for f in rows.select_related("case", "done_by").defer("case__summary", "case__closing_note"):
            out.append(
                Entry(
                    at=f.done_at, kind="follow_up", title=_("Follow-up (case #%(pk)s)") % {"pk": f.case_id},
                    school_id=f.case.school_id, level=f.level, summary=f.outcome,
                    url=case_url(f.case_id), context={"by": f.done_by},
                )
            )  # fmt: skip
    if filters.wants("disclosure"):
        rows = Disclosure.objects.filter(
            case__student=student, **schools, **filters.range("disclosed_at", None)
        )
        for d in rows.select_related("case").defer("case__summary", "case__closing_note"):
            out.append(
                Entry(
                    at=d.disclosed_at, kind="disclosure",
                    title=_("Shared with %(department)s: %(recipient)s")
                    % {"department": d.get_department_display(), "recipient": d.recipient},
                    school_id=d.case.school_id, summary=f"{d.legal_basis} · {d.shared}",
                    url=case_url(d.case_id),
                )
            )  # fmt: skip
    return out


def register() -> None:
    """The link to the file on the student page; the levels, alerts, cases, referral moves, crisis steps and
    follow-ups on the file's timeline."""
    from care.file.timeline import register_timeline_provider
    from xinyu.web.people.sections import register_student_section

    register_student_section(file_link_section)

    register_timeline_provider(levels, kinds=KINDS_LEVEL)
    register_timeline_provider(alerts, kinds=KINDS_ALERT)
    register_timeline_provider(cases, kinds=KINDS_CASE)
    register_timeline_provider(referrals, kinds=KINDS_REFERRAL)
    register_timeline_provider(crisis_and_follow_ups, kinds=KINDS_CRISIS)


def file_link_section(request: HttpRequest, student) -> StudentSection | None:
    """Student page: a link to the student's file (一人一档) for the roles that open files. No data shown here
    (the file page checks the student and audits the opening)."""
    from care.file.selectors import may_open_files

    if not may_open_files(request.user):
        return None
    return StudentSection(
        title=_("Student file"),
        template="care/_file_link.html",
        context={"url": reverse("care:file_detail", args=[student.pk])},
        order=4,
    )
