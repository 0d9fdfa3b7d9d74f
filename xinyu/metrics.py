"""Prometheus metrics (监控指标) at ``/metrics``: not public — loopback without a proxy header, or a token.

- ``xinyu_http_request_duration_seconds{route,method,status}``: by route *name*, never the raw path (ids).
- ``xinyu_task_duration_seconds{task,queue}``, ``xinyu_task_failures_total{task,queue}``: Celery, per queue.
- ``xinyu_alert_delivery_lag_seconds``: alert notification created → e-mail sent (histogram, from the worker);
  ``xinyu_alert_email_oldest_unsent_seconds``: the oldest alert e-mail still waiting (gauge, at scrape time).
- ``xinyu_alerts_open_past_deadline``: open, unacknowledged alerts whose deadline has passed (gauge).
- ``xinyu_queue_depth{queue}``, ``xinyu_worker_heartbeat_age_seconds{queue}``: Redis, at scrape time.

Several gunicorn and Celery processes on one machine share ``PROMETHEUS_MULTIPROC_DIR`` (set by the systemd
units and deploy/run-stack.sh); without it (development) the process's own registry is served.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from access.routes import policy
from xinyu.logging_json import route_name

QUEUES = ("alerts", "default", "bulk")
LOOPBACK = {"127.0.0.1", "::1"}

REQUEST_SECONDS = Histogram(
    "xinyu_http_request_duration_seconds",
    "Time to answer a request, by route name",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASK_SECONDS = Histogram(
    "xinyu_task_duration_seconds",
    "Run time of a Celery task, by queue",
    ["task", "queue"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)
TASK_FAILURES = Counter("xinyu_task_failures_total", "Celery tasks that raised, by queue", ["task", "queue"])
ALERT_DELIVERY_LAG = Histogram(
    "xinyu_alert_delivery_lag_seconds",
    "Alert notification created → e-mail sent",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 1800),
)


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_SECONDS.labels(route_name(request), request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response


# --- Celery signals (connected in xinyu/celery.py) ----------------------------------------------------------
_started: dict[str, float] = {}


def _queue(task) -> str:
    info = getattr(task.request, "delivery_info", None) or {}
    return info.get("routing_key") or info.get("queue") or "eager"


def task_prerun(task_id=None, task=None, **kwargs) -> None:
    _started[task_id] = time.perf_counter()


def task_postrun(task_id=None, task=None, args=None, state=None, **kwargs) -> None:
    started = _started.pop(task_id, None)
    if started is not None and task is not None:
        TASK_SECONDS.labels(task.name, _queue(task)).observe(time.perf_counter() - started)
    if task is not None and task.name == "care.send_notification_emails" and state == "SUCCESS" and args:
        observe_alert_delivery(args[0])


def task_failure(sender=None, **kwargs) -> None:
    if sender is not None:
        TASK_FAILURES.labels(sender.name, _queue(sender)).inc()


def observe_alert_delivery(ids) -> None:
    from django.apps import apps

    rows = apps.get_model("care", "Notification").objects.filter(
        pk__in=list(ids), sent_at__isnull=False, alert__isnull=False
    )
    for created, sent in rows.values_list("created_at", "sent_at"):
        ALERT_DELIVERY_LAG.observe(max(0.0, (sent - created).total_seconds()))


# --- Scrape-time state: database and Redis ------------------------------------------------------------------
class StateCollector:
    """Gauges read when Prometheus scrapes: they describe shared state, the same from every machine."""

    def collect(self):
        try:
            yield from self._database()
            up = 1
        except Exception:  # noqa: BLE001 — the database is down: /readyz names it; metrics still answer
            up = 0
        yield GaugeMetricFamily("xinyu_state_database_up", "The scrape could read the database", value=up)
        yield from self._redis()

    def _database(self):
        from django.apps import apps
        from django.utils import timezone

        now = timezone.now()
        alert = apps.get_model("care", "Alert")
        past = alert.objects.filter(
            acknowledged_at__isnull=True, closed_at__isnull=True, ack_deadline__lt=now
        ).count()
        yield GaugeMetricFamily(
            "xinyu_alerts_open_past_deadline", "Open unacknowledged alerts past their deadline", value=past
        )
        oldest = (
            apps.get_model("care", "Notification")
            .objects.filter(sent_at__isnull=True, channel="email", alert__isnull=False)
            .order_by("created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        yield GaugeMetricFamily(
            "xinyu_alert_email_oldest_unsent_seconds",
            "Age of the oldest alert e-mail not yet sent (0: none waiting)",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        # Every outside channel (e-mail, SMS, 企业微信; issue 15): a provider down shows here within a minute.
        unsent = GaugeMetricFamily(
            "xinyu_alert_oldest_unsent_seconds",
            "Age of the oldest alert notification not yet sent, by channel (0: none waiting)",
            labels=["channel"],
        )
        rows = (
            apps.get_model("care", "Notification")
            .objects.filter(sent_at__isnull=True, alert__isnull=False)
            .exclude(channel="in_app")
            .values_list("channel")
            .annotate(oldest=Min("created_at"))
        )
        ages = {channel: (now - oldest).total_seconds() for channel, oldest in rows}
        for channel in ("email", "sms", "wecom"):
            unsent.add_metric([channel], ages.get(channel, 0.0))
        yield unsent

    def _redis(self):
        from xinyu.health import heartbeat_ages, redis_client

        client = redis_client()
        if client is not None:
            depth = GaugeMetricFamily(
                "xinyu_queue_depth", "Tasks waiting in a Celery queue", labels=["queue"]
            )
            try:
                for q in QUEUES:
                    depth.add_metric([q], client.llen(q))
            except Exception:  # noqa: BLE001, S110 — Redis down: /readyz reports it; leave the gauge empty
                pass
            yield depth
        ages = GaugeMetricFamily(
            "xinyu_worker_heartbeat_age_seconds", "Seconds since a worker of the queue ran", labels=["queue"]
        )
        try:
            for q, age in heartbeat_ages().items():
                if age is not None:
                    ages.add_metric([q], age)
        except Exception:  # noqa: BLE001, S110 — the cache (Redis) is down: /readyz names it
            pass
        yield ages


def exposition() -> bytes:
    """This machine's processes (all of them with PROMETHEUS_MULTIPROC_DIR, else this one) + shared state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        from prometheus_client import REGISTRY as processes
    state = CollectorRegistry()
    state.register(StateCollector())
    return generate_latest(processes) + generate_latest(state)


def may_scrape(request: HttpRequest) -> bool:
    """A bearer token (``XINYU_METRICS_TOKEN``), or a direct call from this machine (not relayed by nginx)."""
    token = getattr(settings, "XINYU_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    relayed = "X-Forwarded-For" in request.headers or "X-Real-IP" in request.headers
    return request.META.get("REMOTE_ADDR") in LOOPBACK and not relayed


@require_GET
@policy(None, "public", "counts and timings only, no one's data; loopback or token (xinyu/metrics.py)")
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
