"""What campaigns register with lower layers at start-up (``register()``, called by ``ScreeningConfig.ready()``):
home cards (首页: a student's screening to do, a guardian's consent requests, a psych teacher's queue, a class's
roll), navigation items, the alert source link, the student file's timeline entries, the sections of a guardian's
export, the retention of identified answers, and the demo's draft campaign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.policy import roles_of
from access.tiers import Tier
from care.file.timeline import Entry, Filters, Measure
from care.guardian_export.services import Section, register_export_section
from org.demo.logins import DEMO_DISTRICT_CODE
from org.models import Node, NodeKind, Role, SchoolYear, Student, User
from screening import instruments
from screening.campaigns.models import Answer, Consent, ResponseStatus, Result, StudentView
from screening.campaigns.presenting import score_lines, staff_name
from xinyu.web.home import Card, Figure, Link, Waiting
from xinyu.web.navigation import NavItem


def student_card(request: HttpRequest) -> Card | None:
    if Role.STUDENT not in roles_of(request.user):
        return None
    from screening.campaigns.selectors import open_student_assignments

    todo = open_student_assignments(request.user)
    if not todo:
        return None
    return Card(
        title=_("You have a screening to do"),
        links=[Link(a.campaign.name, reverse("screening:answer", kwargs={"pk": a.pk})) for a in todo],
        order=5,
        key="screening-todo",
    )


def guardian_waiting(request: HttpRequest) -> list[Waiting]:
    """A guardian's consent requests not yet answered: one link each to the consent page (issue 20)."""
    if Role.GUARDIAN not in roles_of(request.user):
        return []
    from screening.campaigns.selectors import guardian_consent_items

    url = reverse("screening:guardian_consent")
    return [
        Waiting(
            _("Answer the consent request: %(campaign)s · %(child)s")
            % {"campaign": a.campaign.name, "child": a.student.name},
            f"{url}#assignment-{a.pk}",
        )
        for a, state in guardian_consent_items(request.user)
        if state == "pending"
    ]


def review_card(request: HttpRequest) -> Card | None:
    if Role.PSYCH_TEACHER not in roles_of(request.user):
        return None
    from screening.campaigns.selectors import review_queue

    n = len(review_queue(request.user))
    if not n:
        return None
    return Card(
        title=_("Second-stage talks to hold"),
        figures=[Figure(_("To review"), n)],
        links=[Link(_("Second-stage queue"), reverse("screening:review_queue"))],
        order=15,
        key="screening-review",
    )


def class_roll_card(request: HttpRequest) -> Card | None:
    """A class teacher's home: how far their class is with the open screening, and the roll (absent button)."""
    from screening.campaigns.selectors import roll_classes

    rows = roll_classes(request.user)
    if not rows:
        return None
    return Card(
        title=_("Screening in my class"),
        items=[
            _("%(campaign)s · %(cls)s: %(done)d of %(n)d submitted")
            % {
                "campaign": r["campaign__name"],
                "cls": r["school_class__name"],
                "done": r["submitted"],
                "n": r["assigned"],
            }
            for r in rows
        ],
        links=[
            Link(
                r["school_class__name"],
                reverse("screening:class_roll", args=[r["campaign_id"], r["school_class_id"]]),
            )
            for r in rows
        ],
        order=16,
        key="screening-roll",
    )


# --- navigation (site header) -----------------------------------------------------------------------------------


def nav_item(request: HttpRequest, roles: set[str], label: str, name: str, order: int) -> NavItem | None:
    if not roles_of(request.user) & roles:
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_campaigns(request: HttpRequest) -> NavItem | None:
    roles = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.SCHOOL_LEADER}
    return nav_item(request, roles, _("Screening campaigns"), "screening:campaigns", 40)


def nav_coverage(request: HttpRequest) -> NavItem | None:
    from screening.campaigns.views import COVERAGE_ROLES

    return nav_item(request, COVERAGE_ROLES, _("Screening coverage"), "screening:coverage_list", 41)


def nav_review(request: HttpRequest) -> NavItem | None:
    return nav_item(request, {Role.PSYCH_TEACHER}, _("Second-stage queue"), "screening:review_queue", 35)


def nav_mine(request: HttpRequest) -> NavItem | None:
    return nav_item(request, {Role.STUDENT}, _("My screenings"), "screening:mine", 20)


def nav_consent(request: HttpRequest) -> NavItem | None:
    return nav_item(request, {Role.GUARDIAN}, _("Screening consent"), "screening:guardian_consent", 20)


NAV = [nav_campaigns, nav_coverage, nav_review, nav_mine, nav_consent]


def alert_review_link(user, source_id: str) -> str | None:
    """The alert page's link to the second-stage review of the sheet that raised it (care's alert source link):
    for a psychological teacher (the review page's reader), else None. The review page checks the student."""
    if Role.PSYCH_TEACHER not in roles_of(user) or not str(source_id).isdigit():
        return None
    from screening.campaigns.models import Result

    assignment_id = (
        Result.objects.filter(pk=int(source_id)).values_list("response__assignment_id", flat=True).first()
    )
    if assignment_id is None:
        return None
    return reverse("screening:review", kwargs={"pk": assignment_id}) + "#confirm-level"


# --- the student file (一人一档): each submitted instrument with its scores and bands (care.file.timeline) ---------------
# Scores are T3 (a class teacher sees none of this); the scores are measures for the year-over-year charts. One
# query whatever the number of years screened.

KINDS = {"screening": gettext_lazy("Screenings")}


def _text(value: dict | str, lang_zh: bool) -> str:
    if isinstance(value, dict):
        return (
            (value.get("zh-hans") if lang_zh else value.get("en"))
            or value.get("zh-hans")
            or value.get("en")
            or ""
        )
    return str(value or "")


def screening_results(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """测评结果 — the latest scoring of each submitted response (a re-score replaces the older version)."""
    if tier < Tier.T3:
        return []
    from django.utils.translation import get_language

    lang_zh = (get_language() or "zh-hans").lower().startswith("zh")
    rows = (
        Result.objects.filter(
            response__assignment__student=student,
            response__status=ResponseStatus.SUBMITTED,
            **filters.range("response__submitted_at", "response__assignment__school_id"),
        )
        .select_related("response__assignment__campaign")
        .defer("flags")  # T3 reasons, not shown here: no decryption per row
        .order_by("response_id", "computed_at", "pk")
    )
    latest: dict[int, Result] = {}
    for r in rows:
        latest[r.response_id] = r  # ordered by computed_at: the last one wins
    out = []
    for r in latest.values():
        assignment = r.response.assignment
        try:
            inst = instruments.load(r.instrument_id, r.instrument_version)
        except KeyError:
            inst = None
        abbr = inst.abbr if inst else r.instrument_id
        labels = {s.id: _text(s.label, lang_zh) for s in (inst.scores if inst else [])}
        bands = {
            s.id: {b.code: _text(b.label, lang_zh) for b in s.bands} for s in (inst.scores if inst else [])
        }
        parts, measures = [], []
        for score_id, value in (r.scores or {}).items():
            if value is None:
                continue
            label = labels.get(score_id, score_id)
            band = bands.get(score_id, {}).get((r.bands or {}).get(score_id, ""), "")
            shown = f"{value:g}" if isinstance(value, int | float) else str(value)
            parts.append(f"{label} {shown}" + (f" ({band})" if band else ""))
            if isinstance(value, int | float):
                measures.append(Measure(chart=abbr, series=label, value=float(value)))
        if not r.valid:
            parts.append(_("not valid"))
        out.append(
            Entry(
                at=r.response.submitted_at,
                kind="screening",
                title=_("Screening: %(instrument)s — %(campaign)s")
                % {"instrument": abbr, "campaign": assignment.campaign.name},
                school_id=assignment.school_id,
                level=r.level if r.level != "none" else "",
                summary="; ".join(parts),
                measures=tuple(measures) if r.valid else (),
            )
        )
    return out


# --- a guardian's copy of their child's records (care.guardian_export; PIPL Art. 45) -------------------------------
# The consent decisions about the child, and results only as far as the campaign lets students and guardians see
# them (``Campaign.student_view``: nothing, bands, or scores and bands). Levels, flags, critical items and
# second-stage reviews are T3: never here.


def consent_section(student: Student, guardian_user: User) -> Section:
    rows = []
    for c in (
        Consent.objects.filter(student=student).select_related("campaign", "guardian").order_by("at", "pk")
    ):
        rows.append(
            {
                "at": timezone.localtime(c.at).strftime("%Y-%m-%d %H:%M"),
                "campaign": c.campaign.name,
                "decision": str(c.get_decision_display()),
                "by": c.guardian.name if c.guardian.user_id == guardian_user.pk else _("Another guardian"),
                "via": str(c.get_via_display()),
                "notice_version": c.notice_version,
            }
        )
    return Section(
        "screening_consent",
        _("Screening consent decisions"),
        [("at", _("Date")), ("campaign", _("Screening")), ("decision", _("Decision")), ("by", _("By")),
         ("via", _("Via")), ("notice_version", _("Notice version"))],
        rows,
    )  # fmt: skip


def results_section(student: Student, guardian_user: User) -> Section:
    rows = []
    results = (
        Result.objects.filter(response__assignment__student=student, response__status="submitted")
        .select_related("response__assignment__campaign")
        .order_by("response__submitted_at", "pk")
    )
    latest: dict[int, Result] = {}
    for r in results:  # the newest scoring of each response (re-scores keep the old versions)
        if r.response_id not in latest or r.computed_at >= latest[r.response_id].computed_at:
            latest[r.response_id] = r
    for r in latest.values():
        campaign = r.response.assignment.campaign
        shown = campaign.student_view
        row = {
            "campaign": campaign.name,
            "instrument": staff_name(r.instrument_id, r.instrument_version),
            "submitted": timezone.localtime(r.response.submitted_at).strftime("%Y-%m-%d")
            if r.response.submitted_at
            else "",
            "bands": "",
            "scores": "",
        }
        if shown == StudentView.NOTHING:
            row["bands"] = _("Not shown to students and guardians in this screening")
        else:
            # Names and band labels as the definition gives them, never the machine ids (issue 15).
            lines = score_lines(r)
            row["bands"] = "；".join(f"{s.label}：{s.band}" for s in lines if s.band)
            if shown == StudentView.SCORES:
                row["scores"] = "；".join(f"{s.label} {s.value}" for s in lines)
        rows.append(row)
    return Section(
        "screening_results",
        _("Screening participation and results shown to families"),
        [("campaign", _("Screening")), ("instrument", _("Questionnaire")), ("submitted", _("Submitted on")),
         ("bands", _("Bands")), ("scores", _("Scores"))],
        rows,
        note=_("Only what each screening lets students and guardians see; the psychological teacher's assessment is not part of this copy."),
    )  # fmt: skip


# --- seed_demo (issue 15): the demo district's WHO-5 licence and a draft campaign whose launch is blocked --------


def seed(*, progress=lambda _m: None) -> None:
    from screening.campaigns import services

    district = Node.objects.filter(kind=NodeKind.DISTRICT, code=DEMO_DISTRICT_CODE).first()
    admin = User.objects.filter(username="district_admin").first()
    officer = User.objects.filter(username="district_officer").first()
    if district is None or admin is None or officer is None:
        return
    from screening.battery.models import InstrumentLicence

    # Written as data, not through record_licence: seeding is no one's action, so it leaves no audit event.
    InstrumentLicence.objects.create(
        district=district,
        instrument_id="who-5",
        recorded_by=admin,
        note="演示：区教委已确认 WHO-5 的使用授权",
    )
    year = SchoolYear.objects.order_by("-start_year").first()
    starts = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
    services.create_campaign(
        by=officer,
        organiser=district,
        name="心理健康测评（演示草稿）",
        starts_at=starts,
        ends_at=starts + dt.timedelta(days=5, hours=9),
        school_year=year,
    )
    progress("screening: the WHO-5 licence and a draft campaign with the default battery")


def register() -> None:
    from access import retention
    from care.alerts.selectors import register_alert_source
    from care.file.timeline import register_timeline_provider
    from org.demo.seed import register_demo_step
    from xinyu.web.home import register_card, register_waiting
    from xinyu.web.navigation import register_nav_item

    for card in (student_card, review_card, class_roll_card):
        register_card(card)
    register_waiting(guardian_waiting)
    for item in NAV:
        register_nav_item(item)
    register_demo_step(seed)  # a licence and a draft campaign (issue 15)
    # issue 18: a finished district campaign with results, reviews and cases; an open follow-up with consent
    from screening.campaigns import demo

    register_demo_step(demo.finished_campaign, order=20)
    register_demo_step(demo.follow_up_screening, order=20)
    register_timeline_provider(screening_results, kinds=KINDS, charted=True)
    # Identified answers: deleted N years after the student leaves (docs/privacy.md). Results (scores, bands,
    # level) stay for the aggregates and the care history; the item-by-item answers identify most and go first.
    retention.register(
        retention.Category(
            name="screening_answers",
            label=gettext_lazy("Identified screening answers"),
            basis=retention.LEAVING,
            action=retention.DELETE,
            rows=lambda day: Answer.objects.filter(
                retention.left_before_q(day, "response__assignment__student")
            ),
        )
    )
    register_export_section(consent_section)  # a guardian's copy of their child's records (PIPL Art. 45)
    register_export_section(results_section)
    # An alert raised by a screening result links to the review of its sheet (issue 15, build 3).
    register_alert_source("screening.result", alert_review_link)
