"""The cards and navigation entries of the foundation (registered in ``WebConfig.ready()``)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from access.policy import BREAK_GLASS_ROLES, Scope, grants, may, node_roots, posts_of, roles_of
from access.tiers import Tier
from org.models import Role
from xinyu.web.home import Card, Figure, Link, url_or_none
from xinyu.web.navigation import NavItem
from xinyu.web.people import selectors

ROSTER_PAGE = ("roster:index",)  # upload and the list of imports (org/roster/urls.py)
AUDIT_PAGE = ("access:trail",)
SECURITY_PAGE = ("security:accounts",)


def sees_roster(request: HttpRequest) -> bool:
    """Staff who look students up (T1 by node or class scope, or any scope a later app registers)."""
    return any(g.scope not in (Scope.SELF, Scope.CHILDREN) for g in grants(request.user, Tier.T1))


def sees_classes(request: HttpRequest) -> bool:
    return any(g.scope in (Scope.NODE, Scope.CLASS) for g in grants(request.user, Tier.T1))


def sees_schools(request: HttpRequest) -> bool:
    return bool(node_roots(request.user, Tier.T0))


# --- Home cards ---------------------------------------------------------------------------------------------


def own_card(request: HttpRequest) -> Card | None:
    """A student's own page, a guardian's children."""
    students = list(selectors.own_students(request.user))
    if not students:
        return None
    is_self = any(s.user_id == request.user.pk for s in students)
    title = _("My page") if is_self and len(students) == 1 else _("My children")
    links = [Link(s.name, reverse("org:student_detail", args=[s.pk])) for s in students]
    return Card(title=title, links=links, order=5, key="own")


def posts_card(request: HttpRequest) -> Card | None:
    posts = posts_of(request.user)
    if posts and all(p.role in (Role.STUDENT, Role.GUARDIAN) for p in posts):
        return None  # a student or a parent holds no 岗位: "my page" / "my children" says who they are (issue 20)
    if not posts:
        note = _("You hold no post. Ask your school or district administrator to give you one.")
        return Card(title=_("My posts"), note=note, order=10, key="posts")
    items = []
    for p in posts:
        where = f"{p.node.name} {p.school_class.name}" if p.school_class_id else p.node.name
        items.append(f"{p.get_role_display()} · {where}")
    return Card(title=_("My posts"), items=items, order=10, key="posts")


def figures_cards(request: HttpRequest) -> list[Card]:
    cards = []
    for i, f in enumerate(selectors.scope_figures(request.user)):
        figures = []
        if f.schools is not None:
            figures.append(Figure(_("Schools"), f.schools))
        if f.classes is not None:
            figures.append(Figure(_("Classes"), f.classes))
        figures.append(Figure(_("Students"), f.students))
        cards.append(Card(title=f.label, figures=figures, order=20 + i, key="figures"))
    return cards


def links_card(request: HttpRequest) -> Card | None:
    links = []
    if sees_roster(request):
        links.append(Link(_("Find a student"), reverse("org:student_list")))
    if sees_classes(request):
        links.append(Link(_("Classes"), reverse("org:class_list")))
    if sees_schools(request):
        links.append(Link(_("Schools"), reverse("org:school_list")))
    if may(request.user, "roster.import"):
        url = url_or_none(*ROSTER_PAGE)
        if url:
            links.append(Link(_("Import a roster"), url))
    if may(request.user, "org.manage"):
        links.append(Link(_("Organisation administration"), reverse("orgadmin:index")))
    if may(request.user, "audit.read"):
        url = url_or_none(*AUDIT_PAGE)
        if url:
            links.append(Link(_("Audit trail"), url))
    if may(request.user, "security.accounts"):
        url = url_or_none(*SECURITY_PAGE)
        if url:
            links.append(Link(_("Account security"), url))
    if roles_of(request.user) & BREAK_GLASS_ROLES:
        links.append(Link(_("Break-glass access"), reverse("access:break_glass")))
    if not links:
        return None
    return Card(title=_("Quick links"), links=links, order=30, key="links")


def waiting_card(request: HttpRequest) -> Card | None:
    """等您处理 — first on the home page: each thing waiting for this person, one link to where they do it."""
    from xinyu.web.home import waiting_for

    waiting = waiting_for(request)
    if not waiting:
        return None
    return Card(
        title=_("Waiting for you"),
        links=[Link(w.label, w.url) for w in waiting],
        order=1,
        key="waiting",
    )


def break_glass_card(request: HttpRequest) -> Card | None:
    """A school leader's home: break-glass access to their students still waiting for review (issue 8)."""
    from access.selectors import break_glass_review_queue

    waiting = break_glass_review_queue(request.user).filter(reviewed_at__isnull=True).count()
    if not waiting:
        return None
    return Card(
        title=_("Break-glass access to review"),
        figures=[Figure(_("Waiting"), waiting)],
        links=[Link(_("Review"), reverse("access:break_glass_review"))],
        order=2,
        key="break-glass",
    )


# --- Navigation -----------------------------------------------------------------------------------------------


def nav_home(request: HttpRequest) -> NavItem | None:
    return NavItem(_("Home"), reverse("web:home"), order=0, key="home")


def nav_students(request: HttpRequest) -> NavItem | None:
    return (
        NavItem(_("Students"), reverse("org:student_list"), 10, "students") if sees_roster(request) else None
    )


def nav_classes(request: HttpRequest) -> NavItem | None:
    return NavItem(_("Classes"), reverse("org:class_list"), 20, "classes") if sees_classes(request) else None


def nav_schools(request: HttpRequest) -> NavItem | None:
    return NavItem(_("Schools"), reverse("org:school_list"), 30, "schools") if sees_schools(request) else None


def nav_roster(request: HttpRequest) -> NavItem | None:
    if not may(request.user, "roster.import"):
        return None
    url = url_or_none(*ROSTER_PAGE)
    return NavItem(_("Roster import"), url, 40, "roster") if url else None


def nav_orgadmin(request: HttpRequest) -> NavItem | None:
    """Issue 18: the organisation pages of the city's and the districts' administrators."""
    if not may(request.user, "org.manage"):
        return None
    return NavItem(_("Organisation administration"), reverse("orgadmin:index"), 45, "orgadmin")


def nav_calendar(request: HttpRequest) -> NavItem | None:
    """The school calendar and the year rollover (issue 18): administrators and school leaders."""
    if not may(request.user, "calendar.edit"):
        return None
    return NavItem(_("School calendar"), reverse("calendar:index"), 46, "calendar")


def nav_audit(request: HttpRequest) -> NavItem | None:
    if not may(request.user, "audit.read"):
        return None
    url = url_or_none(*AUDIT_PAGE)
    return NavItem(_("Audit trail"), url, 50, "audit") if url else None


def nav_security(request: HttpRequest) -> NavItem | None:
    if not may(request.user, "security.accounts"):
        return None
    url = url_or_none(*SECURITY_PAGE)
    return NavItem(_("Account security"), url, 60, "security") if url else None


def nav_admin(request: HttpRequest) -> NavItem | None:
    if request.user.is_superuser:
        return NavItem(_("Administration"), reverse("admin:index"), 90, "admin")
    return None


CARDS = [waiting_card, own_card, posts_card, figures_cards, links_card, break_glass_card]
NAV = [
    nav_home, nav_students, nav_classes, nav_schools, nav_roster, nav_orgadmin, nav_calendar,
    nav_audit, nav_security, nav_admin,
]  # fmt: skip
