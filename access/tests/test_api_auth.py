"""The JSON API's doors: session + CSRF, bearer tokens, token management, the schema and its docs page."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import urlparse

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from access.models import ApiToken, AuditEvent
from access.tokens import create_token, revoke_token, user_for_token
from xinyu.api import api, operation_policies

CSRF = "c" * 32  # an unmasked CSRF secret is a valid token for Django's check


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def csrf_client(user) -> Client:
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    c.cookies["csrftoken"] = CSRF
    return c


# --- bearer tokens ------------------------------------------------------------------------------------------------


def test_a_bearer_token_signs_the_caller_in(world, client):
    _, token = create_token(user=world.psych, name="mini-program")
    r = client.get("/api/me", **bearer(token))
    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "psych"
    assert [(p["role"], p["node"]["name"]) for p in body["posts"]] == [("psych_teacher", "第一实验学校")]


def test_me_names_a_class_teachers_class(world, login):
    body = login(world.class_teacher).get("/api/me").json()
    assert body["display_name"] == "一班班主任"
    assert body["posts"][0]["school_class"] == {"id": world.a1.pk, "name": "五年级1班", "grade": 5}


def test_an_anonymous_caller_gets_401(world, client):
    assert client.get("/api/me").status_code == 401
    assert client.get(f"/api/students/{world.student_a1.pk}").status_code == 401


def test_a_revoked_token_gets_401(world, client):
    token_obj, token = create_token(user=world.psych, name="t")
    assert client.get("/api/me", **bearer(token)).status_code == 200
    revoke_token(token=token_obj, actor=world.psych)
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_an_expired_token_gets_401(world, client):
    token_obj, token = create_token(
        user=world.psych, name="t", expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    assert client.get("/api/me", **bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=token_obj.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_a_token_made_without_an_expiry_stops_working_after_90_days(world, client, frozen_clock):
    # Issue 19 finding 11: API tokens expire (XINYU_API_TOKEN_DAYS, 90 by default).
    start = frozen_clock(timezone.now())
    _, token = create_token(user=world.psych, name="mini-program")
    frozen_clock(start + dt.timedelta(days=89, hours=23))
    assert client.get("/api/me", **bearer(token)).status_code == 200
    frozen_clock(start + dt.timedelta(days=90, seconds=1))
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_the_token_lifetime_is_a_setting_and_no_token_outlives_it(world, client, login, settings):
    settings.XINYU_API_TOKEN_DAYS = 7
    made = login(world.psych).post("/api/tokens", {"name": "laptop"}, content_type="application/json")
    expires = dt.datetime.fromisoformat(made.json()["expires_at"])
    assert dt.timedelta(days=6, hours=23) < expires - timezone.now() <= dt.timedelta(days=7)
    later = (timezone.now() + dt.timedelta(days=8)).isoformat()
    refused = login(world.psych).post(
        "/api/tokens", {"name": "long", "expires_at": later}, content_type="application/json"
    )
    assert refused.status_code == 422
    assert ApiToken.objects.filter(name="long").count() == 0
    with pytest.raises(ValueError):
        create_token(user=world.psych, name="x", expires_at=timezone.now() + dt.timedelta(days=8))


def test_a_token_of_a_deactivated_user_gets_401(world, client):
    _, token = create_token(user=world.psych, name="t")
    world.psych.is_active = False
    world.psych.save(update_fields=["is_active"])
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_a_bad_token_is_refused_even_beside_a_valid_session(world, login):
    # A client must learn its token is dead, not be served quietly as whoever's cookie rode along.
    client = login(world.psych)
    assert client.get("/api/me").status_code == 200
    assert client.get("/api/me", **bearer("xy_not-a-token")).status_code == 401


def test_only_the_digest_and_an_8_character_prefix_are_stored(world):
    token_obj, token = create_token(user=world.psych, name="t")
    row = ApiToken.objects.filter(pk=token_obj.pk).values().get()
    assert token not in {str(v) for v in row.values()}
    assert row["prefix"] == token[:8] and len(row["prefix"]) == 8
    assert len(row["digest"]) == 64


def test_last_used_is_written_at_most_once_a_minute(world, django_assert_num_queries):
    token_obj, token = create_token(user=world.psych, name="t")
    assert user_for_token(token) == world.psych
    first = ApiToken.objects.get(pk=token_obj.pk).last_used_at
    assert first is not None
    with django_assert_num_queries(1):  # the look-up only, no write
        user_for_token(token)
    assert ApiToken.objects.get(pk=token_obj.pk).last_used_at == first
    ApiToken.objects.filter(pk=token_obj.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    user_for_token(token)
    assert ApiToken.objects.get(pk=token_obj.pk).last_used_at > first - dt.timedelta(seconds=61)


def test_api_answers_are_never_cached(world, client):
    _, token = create_token(user=world.psych, name="t")
    r = client.get("/api/students", **bearer(token))
    assert "no-store" in r.headers["Cache-Control"]


# --- session + CSRF -----------------------------------------------------------------------------------------------


def test_an_unsafe_method_with_a_session_needs_the_csrf_token(world):
    c = csrf_client(world.psych)
    refused = c.post("/api/tokens", {"name": "laptop"}, content_type="application/json")
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()
    made = c.post("/api/tokens", {"name": "laptop"}, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF)
    assert made.status_code == 201


def test_a_safe_method_with_a_session_needs_no_csrf_token(world):
    assert csrf_client(world.psych).get("/api/me").status_code == 200


def test_a_bearer_token_needs_no_csrf_token(world):
    token_obj, token = create_token(user=world.psych, name="t")
    c = Client(enforce_csrf_checks=True)
    assert c.delete(f"/api/tokens/{token_obj.pk}", **bearer(token)).status_code == 204


# --- token management -----------------------------------------------------------------------------------------------


def test_a_user_makes_a_token_that_is_shown_once_and_works(world, login, client):
    made = login(world.psych).post("/api/tokens", {"name": "laptop"}, content_type="application/json")
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("xy_") and made.json()["prefix"] == token[:8]
    listed = client.get("/api/tokens", **bearer(token)).json()
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]
    assert AuditEvent.objects.filter(action="api_token.create", actor=world.psych).count() == 1


def test_a_token_cannot_make_another_token(world, client):
    _, token = create_token(user=world.psych, name="t")
    r = client.post("/api/tokens", {"name": "successor"}, content_type="application/json", **bearer(token))
    assert r.status_code == 401
    assert ApiToken.objects.count() == 1


def test_a_token_cannot_be_made_already_expired(world, login):
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    r = login(world.psych).post(
        "/api/tokens", {"name": "x", "expires_at": past}, content_type="application/json"
    )
    assert r.status_code == 422


def test_a_user_sees_and_revokes_only_their_own_tokens(world, login):
    mine, _ = create_token(user=world.psych, name="mine")
    theirs, _ = create_token(user=world.teacher, name="theirs")
    client = login(world.psych)
    assert [t["name"] for t in client.get("/api/tokens").json()] == ["mine"]
    assert client.delete(f"/api/tokens/{theirs.pk}").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert client.delete(f"/api/tokens/{mine.pk}").status_code == 204
    listed = client.get("/api/tokens").json()
    assert listed[0]["revoked_at"] is not None and listed[0]["usable"] is False
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=world.psych).count() == 1


def test_the_create_api_token_command_prints_a_working_token_once(world, client):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", "class_teacher", "--name", "sync", "--days", "30", stdout=out, stderr=err
    )
    token = out.getvalue().strip()
    assert client.get("/api/me", **bearer(token)).json()["username"] == "class_teacher"
    assert token not in err.getvalue()
    row = ApiToken.objects.get()
    assert row.name == "sync" and row.expires_at > timezone.now() + dt.timedelta(days=29)


def test_the_create_api_token_command_gives_90_days_by_default_and_refuses_more(world):
    from django.core.management.base import CommandError

    call_command(
        "create_api_token", "class_teacher", "--name", "sync", stdout=io.StringIO(), stderr=io.StringIO()
    )
    left = ApiToken.objects.get().expires_at - timezone.now()
    assert dt.timedelta(days=89, hours=23) < left <= dt.timedelta(days=90)
    with pytest.raises(CommandError):
        call_command("create_api_token", "class_teacher", "--name", "x", "--days", "91", stdout=io.StringIO())
    assert ApiToken.objects.count() == 1


def test_the_create_api_token_command_refuses_an_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--name", "x", stdout=io.StringIO())


# --- the account page: one's tokens listed and revoked (issue 19 finding 11) -------------------------------------


def test_the_account_page_lists_ones_tokens_with_their_dates_and_state(world, login):
    mine, _ = create_token(user=world.psych, name="小程序同步")
    old, _ = create_token(user=world.psych, name="旧脚本")
    revoke_token(token=old, actor=world.psych)
    create_token(user=world.teacher, name="别人的令牌")
    page = login(world.psych).get(reverse("auth:security")).content.decode()
    assert "API 令牌" in page
    assert "小程序同步" in page and mine.prefix in page and "旧脚本" in page
    assert "别人的令牌" not in page
    assert timezone.localtime(mine.expires_at).strftime("%Y-%m-%d %H:%M") in page
    assert "已撤销" in page and "有效" in page
    assert reverse("auth:token_revoke", kwargs={"pk": mine.pk}) in page
    assert reverse("auth:token_revoke", kwargs={"pk": old.pk}) not in page


def test_revoking_a_token_on_the_account_page_asks_first_then_kills_it_and_is_audited(world, login, client):
    mine, token = create_token(user=world.psych, name="小程序同步")
    browser = login(world.psych)
    url = reverse("auth:token_revoke", kwargs={"pk": mine.pk})
    confirm = browser.get(url)
    assert confirm.status_code == 200 and "撤销" in confirm.content.decode()
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is None  # asking changes nothing
    done = browser.post(url, follow=True)
    assert done.redirect_chain[-1][0] == reverse("auth:security")
    assert "已撤销" in done.content.decode()
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", actor=world.psych).count() == 1
    browser.logout()
    assert client.get("/api/me", **bearer(token)).status_code == 401


def test_someone_elses_token_cannot_be_revoked_from_the_account_page(world, login):
    theirs, _ = create_token(user=world.teacher, name="theirs")
    url = reverse("auth:token_revoke", kwargs={"pk": theirs.pk})
    browser = login(world.psych)
    assert browser.get(url).status_code == 404
    assert browser.post(url).status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert AuditEvent.objects.filter(action="access.denied", actor=world.psych).count() == 2


# --- schema and docs ------------------------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_and_every_operation_has_an_operation_id(world, login):
    r = login(world.psych).get(reverse("api:openapi-json"))
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    assert schema["paths"]
    ids = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            assert op.get("operationId"), f"{method.upper()} {path} has no operationId"
            ids.append(op["operationId"])
    assert len(ids) == len(set(ids))
    assert set(schema["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionAuth"}


def test_the_schema_and_docs_are_for_signed_in_users(world, client):
    assert client.get("/api/openapi.json").status_code == 401
    docs = client.get("/api/docs")
    assert docs.status_code == 302 and docs.url.startswith(reverse("login"))
    _, token = create_token(user=world.city_officer, name="t")
    assert client.get("/api/openapi.json", **bearer(token)).status_code == 200


def test_the_docs_page_loads_nothing_from_another_host(world, login):
    r = login(world.psych).get("/api/docs")
    assert r.status_code == 200
    html = r.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert assets, "the docs page should load its scripts and styles"
    for url in assets:
        assert not urlparse(url).netloc, f"asset from another host: {url}"
        assert not url.startswith("//")
    assert not re.search(r"https?://", html), "no absolute URL at all in the docs page"
    # Swagger UI calls validator.swagger.io unless told not to.
    assert '"validatorUrl": null' in html
    for url in assets:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not served by the project"


def test_every_api_operation_declares_a_policy_and_an_explicit_url_name():
    rows = list(operation_policies())
    assert len(rows) >= 11
    for url_name, method, path, declared in rows:
        assert declared is not None, f"{method} {path} declares no @policy"
        assert url_name, f"{method} {path} has no url_name"
        assert reverse(f"api:{url_name}", kwargs=_dummy_kwargs(path)).startswith("/api/")
    operations = [r for r in rows if r[0].startswith("api_")]
    schema_ops = sum(len(item) for item in api.get_openapi_schema(path_prefix="/api/")["paths"].values())
    assert len(operations) == schema_ops


def _dummy_kwargs(path: str) -> dict[str, int]:
    return {name: 1 for name in re.findall(r"{(\w+)}", path)}
