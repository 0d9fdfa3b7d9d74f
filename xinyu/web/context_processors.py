from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from access.policy import posts_of
from xinyu.web.navigation import nav_groups, nav_items


def navigation(request: HttpRequest) -> dict:
    """Header navigation (by task group) and the user's roles, computed only if a template uses them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def roles() -> list[str]:
        seen: dict[str, str] = {}
        for p in posts_of(user):
            seen.setdefault(p.role, str(p.get_role_display()))
        return list(seen.values())

    def items() -> list:
        found = nav_items(request)
        for item in found:
            # The home entry is current only on the home page; others also on the pages below them.
            item.current = request.path == item.url or (item.url != "/" and request.path.startswith(item.url))
        return found

    found = SimpleLazyObject(items)

    def grouped() -> dict:
        top, groups = nav_groups(request, list(found))
        current = next((g for g in groups if g.current), None)
        return {"top": top, "groups": groups, "current": current}

    return {
        "nav_items": found,
        "nav": SimpleLazyObject(grouped),
        "user_roles": SimpleLazyObject(roles),
    }
