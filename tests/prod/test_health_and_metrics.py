"""/healthz, /readyz and /metrics (issue 9, Deliver 4): monitoring sees states and timings, never people."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from xinyu import health

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_liveness_answers_anonymously_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_ready_when_the_database_answers_and_migrations_are_applied(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["database"] == "ok"
    assert response.json()["checks"]["migrations"] == "ok"


def test_not_ready_when_redis_does_not_answer_and_it_says_which(client):
    with override_settings(REDIS_URL=DEAD_REDIS):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["redis"].startswith("fail")
    assert "127.0.0.1" not in body["checks"]["redis"]  # hosts and users go to the log, not to the probe


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, XINYU_HEARTBEAT_MAX_AGE=60)
def test_not_ready_until_a_worker_of_every_queue_has_beaten_recently(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "alerts" in response.json()["checks"]["workers"]
    for queue in health.QUEUES:
        health.heartbeat(queue)
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    # A heartbeat older than the maximum age counts as no worker.
    cache.set(health.HEARTBEAT_KEY.format(queue="alerts"), time.time() - 61, timeout=None)
    response = client.get("/readyz")
    assert response.status_code == 503 and "alerts" in response.json()["checks"]["workers"]
    assert "bulk" not in response.json()["checks"]["workers"]


def test_metrics_from_loopback_show_latency_by_route_name_not_by_path(client, world):
    client.force_login(world.class_teacher)
    client.get(f"/org/students/{world.student_a1.pk}/")
    client.logout()
    text = client.get("/metrics").content.decode()  # the test client calls from 127.0.0.1
    assert 'route="org:student_detail"' in text
    assert f"/org/students/{world.student_a1.pk}/" not in text
    assert world.student_a1.name not in text


def test_metrics_are_refused_through_the_proxy_and_from_other_machines(client):
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


@override_settings(XINYU_METRICS_TOKEN="scrape-token-123")
def test_a_prometheus_elsewhere_scrapes_with_the_token(client):
    assert (
        client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    )
    ok = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer scrape-token-123")
    assert ok.status_code == 200 and b"xinyu_http_request_duration_seconds" in ok.content


def test_metrics_count_open_alerts_past_their_deadline(client, world):
    from care.models import Alert

    now = timezone.now()
    made = []

    def alert(deadline, **kw):
        made.append(1)
        return Alert.objects.create(
            student=world.student_a1, school=world.school_a, level="red", reasons=[], source_type="t",
            source_id=str(len(made)), raised_at=now - dt.timedelta(hours=1), ack_deadline=deadline, **kw,
        )  # fmt: skip

    alert(now - dt.timedelta(minutes=5))
    alert(now - dt.timedelta(minutes=9))
    alert(now + dt.timedelta(minutes=5))  # not yet due
    alert(now - dt.timedelta(minutes=5), acknowledged_at=now)  # taken on
    text = client.get("/metrics").content.decode()
    assert "xinyu_alerts_open_past_deadline 2.0" in text


def test_task_latency_is_recorded_by_task_and_queue(client):
    health.heartbeat.delay("alerts")  # eager in tests: it runs here, still through Celery's signals
    text = client.get("/metrics").content.decode()
    assert 'xinyu_task_duration_seconds_count{queue="eager",task="xinyu.heartbeat"}' in text


def test_health_routes_carry_a_declared_policy_with_no_personal_data():
    from django.urls import resolve

    from access.routes import policy_of

    for path in ("/healthz", "/readyz", "/metrics"):
        declared = policy_of(resolve(path).func)
        assert declared is not None and declared.tier is None, path
