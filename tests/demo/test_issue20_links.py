"""Issue 20 build 1: every link a page shows a demo login is one that login may open.

For every demo login in the seeded demo city: every entry of the site navigation, every link of the home page,
and the links of every page the navigation opens (a few per kind of page) answer 200 — or redirect to a page
that does. Before, a psychological teacher was shown "明细记录" to the five-educations page, a school leader
the referrals page and the district counselor "待分诊报告", and each answered 403.
"""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, resolve

from org.demo.logins import DEMO_LOGINS
from tests.demo import city

PER_KIND = (
    2  # links per kind of page (route) checked on each page: whether a page opens is decided by its kind
)


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        city.seed()
        yield
        from django.core.management import call_command

        call_command("flush", interactive=False)


def _kind(url: str) -> str:
    try:
        return resolve(url.split("?")[0]).view_name
    except Resolver404:
        return url


def _broken_links(username: str) -> tuple[list[str], int]:
    """The links shown to ``username`` that do not open (and how many were opened)."""
    client = city.login(username)
    home = client.get("/").content.decode()
    nav = city.nav_links(home)
    assert nav, f"{username} has no navigation"
    status: dict[str, int] = {}
    broken: list[str] = []

    def check(url: str, shown_on: str) -> None:
        if url not in status:
            status[url] = client.get(url, follow=True).status_code
        if status[url] != 200:
            broken.append(f"{username:22} {url} (shown on {shown_on}): HTTP {status[url]}")

    for url in nav + city.main_links(home):
        check(url, "/")
    per_kind: dict[str, int] = {}
    for page in nav:
        got = client.get(page, follow=True)
        if got.status_code != 200 or not got.get("Content-Type", "").startswith("text/html"):
            continue
        for url in city.main_links(got.content.decode()):
            kind = _kind(url)
            if url in status or per_kind.get(kind, 0) < PER_KIND:
                per_kind[kind] = per_kind.get(kind, 0) + 1
                check(url, page)
    return broken, len(status)


@pytest.mark.django_db
def test_every_link_a_demo_login_is_shown_opens_for_them(demo_city, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    broken: list[str] = []
    checked = 0
    for login in DEMO_LOGINS:
        found, opened = _broken_links(login.username)
        broken += found
        checked += opened
    assert checked > 300
    assert not broken, f"{len(broken)} links answer other than 200:\n" + "\n".join(dict.fromkeys(broken))


# What a role's menu holds: the groups it needs and no more (issue 20 build 1).
GROUPS_AT_MOST = {
    "student": {"screening", "counseling"},
    "guardian": {"screening", "counseling", "family"},
    "auditor": {"admin"},
    "security_admin": {"admin"},
    "clinician": {"care", "admin"},
    "teacher": {"care", "lessons", "family", "admin"},
    "city_officer": {"screening", "lessons", "family", "supervision", "admin"},
}
GROUPS_AT_LEAST = {
    "psych": {"screening", "care", "counseling", "lessons", "family", "supervision"},
    "leader": {"screening", "care", "lessons", "family", "supervision", "admin"},
    "district_counselor": {"care", "counseling"},
    "district_officer": {"screening", "supervision"},
    "guardian": {"screening", "family"},
    "student": {"screening", "counseling"},
}


@pytest.mark.django_db
def test_each_demo_login_sees_the_task_groups_it_needs_and_no_more(demo_city, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    wrong = []
    for login in DEMO_LOGINS:
        html = city.login(login.username).get("/").content.decode()
        groups = set(re.findall(r'class="nav-group[^"]*" data-group="(\w+)"', html))
        assert groups, f"{login.username}: no task group"
        if extra := groups - GROUPS_AT_MOST.get(login.username, groups):
            wrong.append(f"{login.username}: groups it does not need: {sorted(extra)}")
        if missing := GROUPS_AT_LEAST.get(login.username, set()) - groups:
            wrong.append(f"{login.username}: groups missing: {sorted(missing)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.django_db
def test_the_demo_guardians_home_shows_what_waits_for_them_one_click_each(demo_city, settings):
    """The demo guardian has a follow-up screening waiting for their consent: the home page says so first, and
    its one link opens the consent request for that screening; once answered, it no longer waits."""
    from org.models import User
    from screening.campaigns.selectors import guardian_consent_items

    settings.LANGUAGE_CODE = "zh-hans"
    pending = [a for a, s in guardian_consent_items(User.objects.get(username="guardian")) if s == "pending"]
    assert pending, "the demo guardian has no consent request waiting"
    client = city.login("guardian")
    home = client.get("/").content.decode()
    card = re.search(r'<section class="card card-waiting"[^>]*>(.*?)</section>', home, re.S)
    assert card, "no 等您处理 card on the guardian's home page"
    assert home.index("card-waiting") < home.index("card-own"), "what waits is not the first thing"
    links = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', card.group(1)))
    for a in pending:
        found = [
            (url, text) for url, text in links.items() if a.campaign.name in text and a.student.name in text
        ]
        assert found, f"the waiting card does not name {a.campaign.name} for {a.student.name}"
        url, text = found[0]
        assert "知情同意" in text
        page = client.get(url.replace("&amp;", "&"))
        assert page.status_code == 200
        assert f'id="assignment-{a.pk}"' in page.content.decode()
        client.post(url.split("#")[0], {"assignment": a.pk, "decision": "consent"})
    home = client.get("/").content.decode()
    for a in pending:
        assert f"#assignment-{a.pk}" not in home, "an answered consent request still waits"


# Run in the SQLite stage of .ci/run only (pyproject.toml, marker "tour").
pytestmark = pytest.mark.tour
