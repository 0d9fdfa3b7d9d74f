"""What home–school work registers with the lower layers (``register()``, called from ``SchoolworkConfig.ready()``):
the guardian's home card, navigation entries by role, the home-visit section of the student page, the home visits
on the student file's timeline, and the home–school sections of a guardian's copy of their child's records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access import audit
from access.policy import roles_of
from access.tiers import Tier
from care.file.timeline import SHANGHAI, Entry, Filters, register_timeline_provider
from care.guardian_export.services import Section, register_export_section
from org.models import Role, Student, User
from schoolwork.home import selectors
from schoolwork.home.models import HomeVisit, ParentAttendance
from xinyu.web.home import Card, Link, Waiting, register_card, register_waiting
from xinyu.web.navigation import NavItem, register_nav_item
from xinyu.web.people.sections import StudentSection, register_student_section


def guardian_card(request: HttpRequest) -> Card | None:
    """Home card of a guardian: their family page, who opened their child's file, resources. (Counseling adds
    its own guardian card for appointments with ``xinyu.web.home.register_card``.)"""
    if Role.GUARDIAN not in roles_of(request.user):
        return None
    return Card(
        title=_("My family"),
        links=[
            Link(_("Parent sessions, resources, ask for a talk"), reverse("schoolwork:guardian_home")),
            Link(_("Who opened my child's file"), reverse("schoolwork:guardian_openings")),
        ],
        order=6,
        key="schoolwork-family",
    )


def guardian_waiting(request: HttpRequest) -> list[Waiting]:
    """A guardian's invitations: the parent sessions still to come at their children's schools, one link each to
    the family page where the session and its materials are (issue 20)."""
    if Role.GUARDIAN not in roles_of(request.user):
        return []
    today = timezone.localdate()
    upcoming = (
        selectors.sessions_for(request.user)
        .filter(school__in=selectors.guardian_schools(request.user), held_on__gte=today)
        .order_by("held_on", "pk")
    )
    url = reverse("schoolwork:guardian_home")
    return [
        Waiting(
            _("Invitation to a parent session on %(date)s: %(title)s")
            % {"date": f"{s.held_on:%Y-%m-%d}", "title": s.title},
            f"{url}#session-{s.pk}",
        )
        for s in upcoming
    ]


def _nav(request: HttpRequest, roles, label: str, name: str, order: int) -> NavItem | None:
    if not roles_of(request.user) & roles:
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_visits(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.VISIT_ROLES, _("Home visits"), "schoolwork:home_visits", 50)


def nav_parents(request: HttpRequest) -> NavItem | None:
    roles = selectors.VISIT_ROLES | selectors.DISTRICT_ROLES | selectors.CITY_ROLES
    return _nav(request, roles, _("Parent sessions"), "schoolwork:parent_sessions", 51)


def nav_governance(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.GOVERNANCE_ROLES, _("Leadership group"), "schoolwork:meetings", 60)


def nav_family(request: HttpRequest) -> NavItem | None:
    return _nav(request, {Role.GUARDIAN}, _("My family"), "schoolwork:guardian_home", 10)


NAV = [nav_visits, nav_parents, nav_governance, nav_family]


def visits_section(request: HttpRequest, student: Student) -> StudentSection | None:
    """Student page: the student's home visits (R10) for the class teacher, psychological teacher and leader;
    sensitive notes only to T3 viewers and their author. Showing visits is audited (T2+)."""
    visits, clinical = selectors.visits_of(request.user, student)
    may_record = selectors.visit_students(request.user).filter(pk=student.pk).exists()
    if not may_record:
        return None
    if visits:
        audit.record(
            actor=request.user,
            action="schoolwork.home_visit.view",
            student_id=student.pk,
            request=request,
            detail={"visits": len(visits), "notes": clinical},
        )
    return StudentSection(
        title=_("Home visits"),
        template="schoolwork/home_visits_section.html",
        context={"visits": visits, "may_record": may_record},
        order=30,
    )


# --- the student file's timeline (care.file.timeline) -----------------------------------------------------------------

KINDS_VISIT = {"home_visit": gettext_lazy("Home visits")}


def visits_timeline(viewer: User, student: Student, tier: Tier, filters: Filters) -> Iterable[Entry]:
    """家访 on the student file (一人一档): one query. The summary is non-clinical (T2: the class teacher sees
    it); the sensitive note is added only for T3 viewers."""
    if tier < Tier.T2:
        return []
    rows = HomeVisit.objects.filter(student=student, **filters.range("visited_on")).select_related(
        "recorded_by"
    )
    out = []
    for v in rows:
        summary = v.summary[:200]
        if tier >= Tier.T3 and v.sensitive_note:
            summary = f"{summary} — {_('Sensitive note')}: {v.sensitive_note[:300]}"
        out.append(
            Entry(
                at=dt.datetime.combine(v.visited_on, dt.time(12), tzinfo=SHANGHAI),
                kind="home_visit",
                title=_("Home visit (%(mode)s)") % {"mode": v.get_mode_display()},
                school_id=v.school_id,
                tier=Tier.T2,
                summary=summary,
                context={"by": v.recorded_by},
            )
        )
    return out


# --- a guardian's copy of their child's records (care.guardian_export; PIPL Art. 45) ------------------------------
# Home visits to the family (date, how, who went, the non-clinical summary — never the sensitive note, T3) and the
# parent sessions the household attended.


def home_visits_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {
            "date": v.visited_on.isoformat(),
            "mode": str(v.get_mode_display()),
            "visitors": v.visitors,
            "summary": v.summary,
        }
        for v in HomeVisit.objects.filter(student=student).order_by("visited_on", "pk")
    ]
    return Section(
        "home_visits",
        _("Home visits"),
        [("date", _("Date")), ("mode", _("How")), ("visitors", _("Who went")), ("summary", _("Summary"))],
        rows,
    )


def parent_sessions_section(student: Student, guardian_user: User) -> Section:
    rows = [
        {"date": a.session.held_on.isoformat(), "title": a.session.title, "school": a.session.school.name}
        for a in ParentAttendance.objects.filter(student=student)
        .select_related("session__school")
        .order_by("session__held_on", "pk")
    ]
    return Section(
        "parent_sessions",
        _("Parent sessions attended"),
        [("date", _("Date")), ("title", _("Topic")), ("school", _("School"))],
        rows,
    )


def register() -> None:
    """Home–school work and governance: the guardian card, navigation, the student page's home visits and their
    entries on the student file's timeline, the guardian's copy of the records."""
    register_card(guardian_card)
    register_waiting(guardian_waiting)
    for item in NAV:
        register_nav_item(item)
    register_student_section(visits_section)
    register_timeline_provider(visits_timeline, kinds=KINDS_VISIT)
    register_export_section(home_visits_section)
    register_export_section(parent_sessions_section)
    from org.demo.seed import register_demo_step
    from schoolwork.home.lived_in import home_and_governance

    register_demo_step(
        home_and_governance, order=50
    )  # issue 18: parent sessions, meetings, visits, governance
