"""The site navigation as a user reaches it (issue 20): entries are grouped by task; on a phone the menu button opens
the menu first, at desktop width the group holding the entry opens when hovered."""

from __future__ import annotations


def menu_link(page, name: str):
    """The navigation entry called ``name``, made visible the way a user makes it visible."""
    nav = page.locator("[data-nav]")
    toggle = nav.locator(".nav-toggle")
    if toggle.is_visible():
        if toggle.get_attribute("aria-expanded") != "true":
            toggle.click()
    else:
        entry = page.locator(".nav-items a").filter(has_text=name)  # relative to each group below
        groups = nav.locator(".nav-group").filter(has=entry)
        if groups.count():
            groups.first.locator(".nav-group-link").hover()
    return nav.get_by_role("link", name=name, exact=True).first
