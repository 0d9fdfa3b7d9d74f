"""The demo city for tests that walk it as its demo logins: seeded as ``make run`` does, signed in as a visitor."""

from __future__ import annotations

import re
from io import StringIO

from django.core.management import call_command
from django.test import Client

from access import mfa
from org.demo.logins import DEMO_PASSWORD
from org.models import User

STUDENTS = 600  # what a page shows does not depend on the size of the city


def seed() -> None:
    call_command("seed_demo", students=STUDENTS, seed=1, not_production=True, stdout=StringIO())
    call_command("rollup", full=True, stdout=StringIO())


def login(username: str) -> Client:
    """A browser-less visitor signed in with the demo password (and the authenticator code where asked)."""
    client = Client()
    got = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
    assert got.status_code == 302, f"{username} cannot sign in with the demo password"
    if "/login/2fa/" in got["Location"]:
        factor = mfa.factor_of(User.objects.get(username=username))
        got = client.post("/login/2fa/", {"code": mfa.current_code(factor.secret)})
        assert got.status_code == 302 and "/login/" not in got["Location"], f"{username}: 2FA refused"
    return client


def nav_links(html: str) -> list[str]:
    """The addresses the site navigation offers (in order, once each)."""
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S)
    return list(dict.fromkeys(re.findall(r'href="(/[^"#]*)(?:#[^"]*)?"', nav.group(1)))) if nav else []


def main_links(html: str) -> list[str]:
    """The addresses the page's <main> links to (in order, once each; not static files)."""
    main = re.search(r"<main[^>]*>(.*?)</main>", html, re.S)
    found = re.findall(r'<a\b[^>]*\bhref="(/[^"#]*)(?:#[^"]*)?"', main.group(1)) if main else []
    return [u.replace("&amp;", "&") for u in dict.fromkeys(found) if not u.startswith("/static/")]
