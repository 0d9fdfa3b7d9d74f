"""Home cards (首页): a student's screening to do, a guardian's consent requests, a psych teacher's queue."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access.policy import roles_of
from org.models import Role
from xinyu.web.home import Card, Figure, Link
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


def guardian_card(request: HttpRequest) -> Card | None:
    if Role.GUARDIAN not in roles_of(request.user):
        return None
    from screening.campaigns.selectors import guardian_consent_items

    waiting = [a for a, state in guardian_consent_items(request.user) if state == "pending"]
    if not waiting:
        return None
    return Card(
        title=_("Consent requested"),
        items=[f"{a.campaign.name} · {a.student.name}" for a in waiting],
        links=[Link(_("Answer the consent request"), reverse("screening:guardian_consent"))],
        order=5,
        key="screening-consent",
    )


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


def _nav(request: HttpRequest, roles: set[str], label: str, name: str, order: int) -> NavItem | None:
    if not roles_of(request.user) & roles:
        return None
    url = reverse(name)
    return NavItem(label=label, url=url, order=order, key=name, current=request.path.startswith(url))


def nav_campaigns(request: HttpRequest) -> NavItem | None:
    roles = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.SCHOOL_LEADER}
    return _nav(request, roles, _("Screening campaigns"), "screening:campaigns", 40)


def nav_coverage(request: HttpRequest) -> NavItem | None:
    from screening.campaigns.views import COVERAGE_ROLES

    return _nav(request, COVERAGE_ROLES, _("Screening coverage"), "screening:coverage_list", 41)


def nav_review(request: HttpRequest) -> NavItem | None:
    return _nav(request, {Role.PSYCH_TEACHER}, _("Second-stage queue"), "screening:review_queue", 35)


def nav_mine(request: HttpRequest) -> NavItem | None:
    return _nav(request, {Role.STUDENT}, _("My screenings"), "screening:mine", 20)


def nav_consent(request: HttpRequest) -> NavItem | None:
    return _nav(request, {Role.GUARDIAN}, _("Screening consent"), "screening:guardian_consent", 20)


# issue 15: the district's clinical leads edit its level rules (预警规则)
def nav_level_rules(request: HttpRequest) -> NavItem | None:
    from screening.campaigns.services import RULE_EDITOR_ROLES

    return _nav(request, set(RULE_EDITOR_ROLES), _("Level rules"), "screening:level_rules_home", 45)


NAV = [nav_campaigns, nav_coverage, nav_review, nav_mine, nav_consent, nav_level_rules]


# --- licences: in the district's navigation and on its home page (issue 15, i15-battery) -----------------------


def nav_licences(request: HttpRequest) -> NavItem | None:
    """授权 — the district administrator records licences; the officer, who publishes campaigns, sees them."""
    return _nav(
        request,
        {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER},
        _("Instrument licences"),
        "screening:licences",
        42,
    )


def licences_card(request: HttpRequest) -> Card | None:
    """需要授权的量表 — licensed instruments the district has not recorded (a campaign using one cannot launch)."""
    if not roles_of(request.user) & {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}:
        return None
    from screening.campaigns.selectors import licences_needed
    from screening.campaigns.services import battery_districts

    districts = battery_districts(request.user)
    if not districts:
        return None
    n = len(licences_needed(districts[0]))
    if not n:
        return None
    return Card(
        title=_("Instruments that need a licence"),
        figures=[Figure(_("Not recorded"), n)],
        note=_(
            "A campaign using one of them cannot launch until the district administrator records its licence."
        ),
        links=[Link(_("Instrument licences"), reverse("screening:licences"))],
        order=30,
        key="screening-licences",
    )


NAV.append(nav_licences)


def alert_review_link(user, source_id: str) -> str | None:
    """The alert page's link to the second-stage review of the sheet that raised it (care's alert source link):
    for a psychological teacher (the review page's reader), else None. The review page checks the student."""
    if Role.PSYCH_TEACHER not in roles_of(user) or not str(source_id).isdigit():
        return None
    from screening.models import Result

    assignment_id = (
        Result.objects.filter(pk=int(source_id)).values_list("response__assignment_id", flat=True).first()
    )
    if assignment_id is None:
        return None
    return reverse("screening:review", kwargs={"pk": assignment_id}) + "#confirm-level"
