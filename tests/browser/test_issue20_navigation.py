"""Issue 20 build 1 in a real browser: navigation by task for every demo login, on a 375-px phone and at 1280 px.

The demo city is seeded as `make run` seeds it. Every demo login is signed in (the session is made before the
browser opens: no ORM call while Playwright's loop runs) and opens its home page and the first page of each of its
task groups:
- on a phone (375×812) the navigation is one menu button taking no more than a fifth of the first screen; the
  button names the current group; it opens the whole menu (every group, every entry) and closes on Escape;
- at 1280 px the groups are one row with the current group's pages under it, the current group marked, and the
  navigation stays within a fifth of the screen too.
"""

from __future__ import annotations

import pytest

from org.demo.logins import DEMO_LOGINS
from tests.demo import city

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def demo_sessions(transactional_db) -> dict[str, str]:
    """The demo city and a signed-in session per demo login, made before the browser opens."""
    city.seed()
    return {d.username: city.login(d.username).cookies["sessionid"].value for d in DEMO_LOGINS}


def _sign_in(ctx, base: str, session: str) -> None:
    ctx.clear_cookies()
    ctx.add_cookies([{"name": "sessionid", "value": session, "url": base}])


def _groups(page) -> list[dict]:
    return page.eval_on_selector_all(
        "[data-nav] .nav-group",
        """els => els.map(g => ({
            key: g.dataset.group,
            label: g.querySelector('.nav-group-link').textContent.trim(),
            url: g.querySelector('.nav-group-link').getAttribute('href'),
            items: [...g.querySelectorAll('.nav-items a')].map(a => a.getAttribute('href')),
        }))""",
    )


@pytest.mark.django_db(transaction=True)
def test_every_demo_login_finds_its_work_by_task_on_a_phone_and_on_a_desktop(
    demo_sessions, live_server, browser_context_factory
):
    sessions = demo_sessions
    base = live_server.url
    problems: list[str] = []
    phone = browser_context_factory(viewport=PHONE).new_page()
    desktop = browser_context_factory(viewport=DESKTOP).new_page()
    for login in DEMO_LOGINS:
        who = login.username
        # --- phone ----------------------------------------------------------------------------------------------
        _sign_in(phone.context, base, sessions[who])
        phone.goto(base + "/")
        groups = _groups(phone)
        if not groups:
            problems.append(f"{who}: no task group in the navigation")
            continue
        toggle = phone.locator("[data-nav] .nav-toggle")
        menu = phone.locator("#nav-menu")
        box = phone.locator("[data-nav]").bounding_box()
        if box["height"] > PHONE["height"] / 5:
            problems.append(f"{who}: on a phone the closed navigation is {box['height']:.0f} px tall (> 162)")
        if box["y"] + box["height"] > PHONE["height"] / 3:
            problems.append(f"{who}: on a phone the navigation ends {box['y'] + box['height']:.0f} px down")
        if not toggle.is_visible() or menu.is_visible():
            problems.append(f"{who}: on a phone the menu is not behind one button")
            continue
        toggle.click()
        if toggle.get_attribute("aria-expanded") != "true" or not menu.is_visible():
            problems.append(f"{who}: the menu button does not open the menu")
        for g in groups:
            for url in g["items"]:
                if not phone.locator(f'#nav-menu .nav-items a[href="{url}"]').is_visible():
                    problems.append(f"{who}: the open menu hides {url} ({g['label']})")
        phone.keyboard.press("Escape")
        if menu.is_visible() or toggle.get_attribute("aria-expanded") != "false":
            problems.append(f"{who}: Escape does not close the menu")
        for g in groups:
            phone.goto(base + g["url"])
            if g["label"] not in toggle.inner_text():
                problems.append(f"{who}: on {g['url']} the menu button does not say the group {g['label']}")
            box = phone.locator("[data-nav]").bounding_box()
            if box["height"] > PHONE["height"] / 5:
                problems.append(f"{who}: on {g['url']} the phone navigation is {box['height']:.0f} px tall")
        # --- desktop --------------------------------------------------------------------------------------------
        _sign_in(desktop.context, base, sessions[who])
        desktop.goto(base + "/")
        if desktop.locator("[data-nav] .nav-toggle").is_visible():
            problems.append(f"{who}: at 1280 px the navigation hides behind a menu button")
        for g in groups:
            desktop.goto(base + g["url"])
            current = desktop.locator("[data-nav] .nav-group-link[aria-current]")
            if current.count() != 1 or current.inner_text().strip() != g["label"]:
                problems.append(
                    f"{who}: at 1280 px {g['url']} does not mark its group {g['label']} as current"
                )
            for url in g["items"]:
                if not desktop.locator(f'[data-nav] .is-current .nav-items a[href="{url}"]').is_visible():
                    problems.append(f"{who}: at 1280 px {g['label']}'s page {url} is not shown under it")
            box = desktop.locator("[data-nav]").bounding_box()
            if box["height"] > DESKTOP["height"] / 5:
                problems.append(
                    f"{who}: at 1280 px the navigation on {g['url']} is {box['height']:.0f} px tall"
                )
    assert not problems, "\n".join(problems)
