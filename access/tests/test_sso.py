"""Single sign-on (统一身份认证, issue 18): against a REAL OpenID Connect provider — django-oauth-toolkit in a second
Django process on loopback, with its own RSA key — and a stand-in CAS server. A known subject lands on their own
home page; an unknown one is refused in Chinese, audited, and no account is created. Off by default."""

from __future__ import annotations

import re
import urllib.parse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse

from access.models import AuditEvent
from conftest import PASSWORD

IDP_PASSWORD = "idp-password-for-tests"


@pytest.fixture(scope="module")
def oidc_provider():
    from tests.standins.oidc_provider import OIDCProvider

    provider = OIDCProvider(
        redirect_uris=["http://testserver/sso/oidc/callback/"],
        users={"class_teacher": IDP_PASSWORD, "stranger": IDP_PASSWORD, "psych": IDP_PASSWORD},
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_on(settings, oidc_provider):
    oidc_provider.configure(settings)
    return oidc_provider


def sign_in_at_provider(client, username: str):
    """Start at Xinyu, sign in at the provider (its login form, as a browser would), and bring the provider's
    answer back to Xinyu's callback; returns Xinyu's response to the callback."""
    start = client.get(reverse("sso:oidc_login"))
    assert start.status_code == 302
    idp = requests.Session()
    page = idp.get(start["Location"])  # → the provider's login page
    assert page.status_code == 200 and "统一身份认证平台" in page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    next_url = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)["next"][0]
    answer = idp.post(
        page.url,
        data={"username": username, "password": IDP_PASSWORD, "csrfmiddlewaretoken": csrf, "next": next_url},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    authorize = idp.get(urllib.parse.urljoin(page.url, answer.headers["Location"]), allow_redirects=False)
    back = authorize.headers["Location"]
    assert back.startswith("http://testserver/sso/oidc/callback/"), back
    parts = urllib.parse.urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


@pytest.mark.django_db
def test_sso_is_off_by_default_and_the_login_page_shows_no_button(world, client):
    assert client.get(reverse("sso:oidc_login")).status_code == 404
    assert client.get(reverse("sso:cas_login")).status_code == 404
    assert "统一身份认证登录" not in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_class_teacher_signs_in_at_the_provider_and_lands_on_their_own_home_page(world, client, oidc_on):
    assert "统一身份认证登录" in client.get(reverse("login")).content.decode()
    users = get_user_model().objects.count()

    response = sign_in_at_provider(client, "class_teacher")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    home = client.get(reverse("web:home"))
    assert home.status_code == 200 and world.class_teacher.display_name in home.content.decode()
    assert home.wsgi_request.user == world.class_teacher
    assert get_user_model().objects.count() == users
    assert AuditEvent.objects.filter(action="auth.sso_login", actor=world.class_teacher).exists()


@pytest.mark.django_db
def test_an_unmapped_subject_is_refused_in_chinese_audited_and_no_account_is_made(world, client, oidc_on):
    users, posts = get_user_model().objects.count(), world.class_teacher.posts.model.objects.count()

    response = sign_in_at_provider(client, "stranger")
    assert response.status_code == 302 and response["Location"] == reverse("sso:refused")
    page = client.get(reverse("sso:refused"))
    assert page.status_code == 403
    assert "未关联任何心育账号" in page.content.decode()
    assert get_user_model().objects.count() == users
    assert world.class_teacher.posts.model.objects.count() == posts
    assert not get_user_model().objects.filter(username="stranger").exists()
    refused = AuditEvent.objects.get(action="auth.sso_refused")
    assert refused.detail["value"] == "stranger" and refused.detail["why"] == "unknown"
    assert client.get(reverse("web:home")).status_code == 302  # not signed in


@pytest.mark.django_db
def test_a_psychological_teacher_still_gives_xinyus_second_factor_after_the_provider(world, client, oidc_on):
    from conftest import enrol_second_factor

    enrol_second_factor(world.psych)
    response = sign_in_at_provider(client, "psych")
    assert response.status_code == 302 and response["Location"] == reverse("auth:mfa")
    assert client.get(reverse("web:home")).status_code == 302


@pytest.mark.django_db
def test_the_claim_can_map_to_the_registered_phone(world, client, settings, oidc_provider):
    oidc_provider.configure(settings, field="phone")
    world.teacher.phone = "class_teacher"  # the provider's preferred_username, registered as a phone here
    world.teacher.save(update_fields=["phone"])
    response = sign_in_at_provider(client, "class_teacher")
    assert response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).wsgi_request.user == world.teacher


# --- CAS --------------------------------------------------------------------------------------------------------


@pytest.fixture
def cas_server(settings):
    from tests.standins.cas import CASStandIn

    standin = CASStandIn().start()
    settings.XINYU_CAS_ENABLED = True
    settings.CAS_SERVER_URL = standin.url + "/cas/"
    settings.CAS_VERSION = "3"
    yield standin
    standin.stop()


def cas_round_trip(client, cas_server):
    start = client.get(reverse("sso:cas_login"))
    assert start.status_code == 302 and start["Location"].startswith(cas_server.url + "/cas/login")
    back = requests.get(start["Location"], allow_redirects=False).headers["Location"]
    parts = urllib.parse.urlsplit(back)
    assert parts.netloc == "testserver"
    return client.get(f"{parts.path}?{parts.query}")


@pytest.mark.django_db
def test_cas_signs_in_an_existing_account_by_the_cas_user(world, client, cas_server):
    assert "统一身份认证登录" in client.get(reverse("login")).content.decode()
    cas_server.user = "class_teacher"
    response = cas_round_trip(client, cas_server)
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).wsgi_request.user == world.class_teacher
    assert len(cas_server.validations) == 1


@pytest.mark.django_db
def test_cas_maps_by_a_configured_attribute_and_refuses_an_unknown_one(world, client, settings, cas_server):
    settings.XINYU_CAS_ATTRIBUTE = "mobile"
    settings.XINYU_CAS_USER_FIELD = "phone"
    world.teacher.phone = "13912345678"
    world.teacher.save(update_fields=["phone"])
    users = get_user_model().objects.count()

    cas_server.user, cas_server.attributes = "t-0042", {"mobile": "13912345678"}
    assert cas_round_trip(client, cas_server)["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).wsgi_request.user == world.teacher

    client.logout()
    cas_server.user, cas_server.attributes = "t-0099", {"mobile": "13800000000"}
    assert cas_round_trip(client, cas_server)["Location"] == reverse("sso:refused")
    assert "未关联任何心育账号" in client.get(reverse("sso:refused")).content.decode()
    assert get_user_model().objects.count() == users
    assert AuditEvent.objects.filter(action="auth.sso_refused", detail__protocol="cas").count() == 1


@pytest.mark.django_db
def test_password_login_still_works_with_sso_backends_listed(world, client):
    response = client.post(reverse("login"), {"username": "class_teacher", "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.django_db
def test_signing_out_at_the_cas_ends_the_xinyu_session_it_opened_and_no_other(world, client, cas_server):
    """CAS single logout (issue 18): the CAS server's back-channel logout request for the ticket ends the session
    that ticket opened; the same person's password session on another device stays; a stranger's request naming
    an unknown ticket ends nothing."""
    from django.test import Client

    other_device = Client()
    other_device.force_login(world.class_teacher)
    cas_server.user = "class_teacher"
    assert cas_round_trip(client, cas_server)["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).wsgi_request.user == world.class_teacher

    [(service, form)] = cas_server.logout_requests("class_teacher")
    parts = urllib.parse.urlsplit(service)
    assert parts.path == reverse("sso:cas_login")
    back_channel = Client()  # the CAS server, without the user's cookie or a CSRF token
    forged = {"logoutRequest": form["logoutRequest"].replace("ST-", "ST-forged-")}
    assert back_channel.post(f"{parts.path}?{parts.query}", forged).status_code == 200
    assert client.get(reverse("web:home")).status_code == 200  # an unknown ticket ends nothing

    assert back_channel.post(f"{parts.path}?{parts.query}", form).status_code == 200
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and home["Location"].startswith(reverse("login"))
    assert other_device.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.sso_logout", actor=world.class_teacher).exists()
    assert back_channel.post(reverse("sso:cas_login"), {}).status_code == 400
