"""Navigation entries of the site header, by what the user's posts let them see, grouped by task (issue 20).

Later apps add entries with ``register_nav_item(fn)`` where ``fn(request) -> NavItem | None``. An entry is shown
only when the page it links to opens for the user (``access.routes.may_open``: the page's own ``opens`` rule), so
the menu cannot offer a page that answers 403. Entries fall into the task groups of :data:`GROUPS` by the page
they link to (its URL namespace, :func:`group_of`), and the group of the page being shown is the current one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access.routes import may_open


@dataclass
class NavItem:
    label: str
    url: str
    order: int = 100
    key: str = ""
    current: bool = False
    group: str = ""  # set by nav_groups from the linked page


@dataclass
class NavGroup:
    key: str
    label: str | Promise
    items: list[NavItem] = field(default_factory=list)
    current: bool = False

    @property
    def url(self) -> str:
        """A group's heading opens its first page."""
        return self.items[0].url


# The task groups, in the order of the menu (issue 20 build 1): 测评 / 预警与个案 / 心理辅导 / 课程与活动 / 家校 /
# 督导 / 管理.
SCREENING, CARE, COUNSELING, LESSONS, FAMILY, SUPERVISION, ADMIN = (
    "screening", "care", "counseling", "lessons", "family", "supervision", "admin",
)  # fmt: skip
GROUPS: dict[str, str | Promise] = {
    SCREENING: _("Assessment"),
    CARE: _("Alerts and cases"),
    COUNSELING: _("Psychological counseling"),
    LESSONS: _("Lessons and activities"),
    FAMILY: _("Home and school"),
    SUPERVISION: _("Supervision"),
    ADMIN: _("Management"),
}
BY_NAMESPACE = {"screening": SCREENING, "care": CARE, "counseling": COUNSELING, "supervision": SUPERVISION}
# schoolwork holds two tasks: the work with families (家访, 家长学校, a guardian's own page) and lessons and
# activities; its leadership-group records are the school's management.
SCHOOLWORK_FAMILY = {"home_visits", "home_visit", "parent_sessions", "parent_session", "guardian_home"}
SCHOOLWORK_ADMIN = {"meetings", "meeting"}
HOME_VIEWS = {"web:home"}


def group_of(path: str) -> str:
    """The task group of the page at ``path`` ("" for the home page and for an address that is no page)."""
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    if match.view_name in HOME_VIEWS:
        return ""
    namespace = match.namespaces[0] if match.namespaces else ""
    if namespace == "schoolwork":
        name = match.url_name or ""
        if name in SCHOOLWORK_FAMILY or name.startswith("home_visit") or name.startswith("parent_session"):
            return FAMILY
        return ADMIN if name in SCHOOLWORK_ADMIN or name.startswith("meeting") else LESSONS
    return BY_NAMESPACE.get(namespace, ADMIN)


NavFn = Callable[[HttpRequest], NavItem | None]
_providers: list[NavFn] = []


def register_nav_item(fn: NavFn) -> NavFn:
    if fn not in _providers:
        _providers.append(fn)
    return fn


def nav_items(request: HttpRequest) -> list[NavItem]:
    """Every entry the user may open, in menu order (one entry per page)."""
    found: dict[str, NavItem] = {}
    for fn in list(_providers):
        item = fn(request)
        if item is None or item.url in found or not may_open(request.user, item.url):
            continue
        item.group = group_of(item.url)
        found[item.url] = item
    return sorted(found.values(), key=lambda i: i.order)


def nav_groups(request: HttpRequest, items: list[NavItem]) -> tuple[list[NavItem], list[NavGroup]]:
    """The entries outside any group (the home page) and the groups with entries, the current one marked: the
    group of the page being shown, whether or not the menu links that very page (a case opened from the list)."""
    here = group_of(request.path)
    top = [i for i in items if not i.group]
    groups = []
    for key, label in GROUPS.items():
        members = [i for i in items if i.group == key]
        if members:
            groups.append(NavGroup(key, label, members, current=key == here))
    return top, groups
