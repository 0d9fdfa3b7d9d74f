"""What the school programs register with the lower layers (``register()``, called from
``SchoolworkConfig.ready()``): home cards and navigation — what is due and compliance at a glance (issue 6) — and
the lessons taught as a psychological teacher's workload (R1.3)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.policy import roles_of
from care.workload.registry import register_workload_source
from org.models import Role
from schoolwork.programs import selectors
from schoolwork.programs.semesters import current_semester, home_node
from xinyu.web.home import Card, Figure, Link, register_card
from xinyu.web.navigation import NavItem, register_nav_item


def lessons_card(request: HttpRequest) -> Card | None:
    """A psychological teacher's, class teacher's or leader's classes behind on R3.1 this semester."""
    if not roles_of(request.user) & selectors.LESSON_ROLES:
        return None
    semester = current_semester(node=home_node(request.user))
    if semester is None:
        return None
    classes = selectors.lesson_classes(request.user).filter(school_year_id=semester.school_year_id)
    rows = selectors.lesson_compliance(classes, semester, on=timezone.localdate())
    if not rows:
        return None
    behind = [r for r in rows if not r.met]
    return Card(
        title=_("Psychological lessons"),
        figures=[Figure(_("Classes"), len(rows)), Figure(_("Classes behind"), len(behind))],
        items=[r.school_class.name for r in behind[:5]],
        links=[
            Link(_("Record a lesson"), reverse("schoolwork:lessons")),
            Link(_("Lesson compliance"), reverse("schoolwork:lesson_compliance")),
        ],
        order=40,
        key="schoolwork-lessons",
    )


def training_card(request: HttpRequest) -> Card | None:
    """A school leader's staff trained this semester (R2.2: everyone at least once)."""
    if Role.SCHOOL_LEADER not in roles_of(request.user):
        return None
    semester = current_semester(node=home_node(request.user))
    if semester is None:
        return None
    schools = [
        s for s in selectors.coverage_schools(request.user) if selectors.sees_staff_names(request.user, s)
    ]
    rows = selectors.training_coverage(schools, semester, on=min(timezone.localdate(), semester.ends_on))
    if not rows:
        return None
    staff, trained = sum(r.staff for r in rows), sum(r.trained for r in rows)
    return Card(
        title=_("Staff mental-health training this semester"),
        figures=[Figure(_("Staff"), staff), Figure(_("Trained"), trained)],
        links=[
            Link(_("Training coverage"), reverse("schoolwork:training_coverage")),
            Link(_("Staff training"), reverse("schoolwork:trainings")),
        ],
        order=41,
        key="schoolwork-training",
    )


def keytimes_card(request: HttpRequest) -> Card | None:
    """A psychological teacher's or leader's key-time activities due now (R3.3)."""
    schools = selectors.keytime_schools(request.user)
    semester = current_semester(node=home_node(request.user)) if schools else None
    if semester is None:
        return None
    today = timezone.localdate()
    rows = [r for r in selectors.key_time_status(schools, semester) if r.state(today) in {"open", "missed"}]
    if not rows:
        return None
    return Card(
        title=_("Key-time guidance due"),
        figures=[
            Figure(_("Due now"), sum(r.state(today) == "open" for r in rows)),
            Figure(_("Missed"), sum(r.state(today) == "missed" for r in rows)),
        ],  # fmt: skip
        items=[f"{r.due.grade} · {r.label} · {r.due.due_on:%m-%d}" for r in rows if r.state(today) == "open"][
            :5
        ],
        links=[Link(_("Key times"), reverse("schoolwork:keytimes"))],
        order=39,
        key="schoolwork-keytimes",
    )


def _nav(request: HttpRequest, roles: frozenset[str], label: str, name: str, order: int) -> NavItem | None:
    if not roles_of(request.user) & roles:
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_lessons(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.LESSON_ROLES, _("Psychological lessons"), "schoolwork:lessons", 50)


ABOVE_SCHOOL = frozenset(
    {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.CITY_ADMIN, Role.CITY_OFFICER, Role.SUPERVISOR}
)


def nav_compliance(request: HttpRequest) -> NavItem | None:
    return _nav(request, ABOVE_SCHOOL, _("Lesson compliance"), "schoolwork:lesson_compliance", 51)


def nav_trainings(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.TRAINING_ROLES, _("Staff training"), "schoolwork:trainings", 52)


def nav_keytimes(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.KEYTIME_ROLES, _("Key times"), "schoolwork:keytimes", 51)


def nav_activities(request: HttpRequest) -> NavItem | None:
    return _nav(request, selectors.FIVE_ED_ROLES, _("Five educations"), "schoolwork:activities", 53)


CARDS = [keytimes_card, lessons_card, training_card]
NAV = [nav_lessons, nav_keytimes, nav_compliance, nav_trainings, nav_activities]


def register() -> None:
    """Lessons, key times, training, five educations: home cards, navigation, lessons taught as workload."""
    for card in CARDS:
        register_card(card)
    for item in NAV:
        register_nav_item(item)
    from schoolwork.home import attachments
    from schoolwork.programs.models import TrainingCertificate

    # R2.2: a scan of the certificate — read by who sees the staff member's hours, added by who records them.
    attachments.OWNERS["certificate"] = attachments.Owner(
        TrainingCertificate,
        selectors.get_certificate_or_404,
        lambda user, cert: cert.school_id in {s.pk for s in selectors.certificate_schools(user)},
    )
    register_workload_source(
        selectors.lessons_taught,
        labels={
            "lessons": gettext_lazy("Psychological lessons taught"),
            "lesson_hours": gettext_lazy("Class hours taught"),
        },
    )
    from org.demo.seed import register_demo_step
    from schoolwork.programs.lived_in import programmes

    register_demo_step(programmes, order=50)  # issue 18: lessons, key times, class activities, trainings
