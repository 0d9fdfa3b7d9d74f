"""Health (健康检查) for monitoring and load balancers: ``/healthz`` (liveness) and ``/readyz`` (readiness).

``/healthz`` answers 200 while the process can serve; it touches nothing (no database), so a slow database does
not get healthy web processes restarted. ``/readyz`` answers 200 only when this process can do real work:
the database answers, every migration is applied, Redis answers, and a worker of each Celery queue ran the
heartbeat task (queued by Celery beat every ``XINYU_HEARTBEAT_SECONDS``) within ``XINYU_HEARTBEAT_MAX_AGE``
seconds; else 503 with the failing checks named. Neither shows anyone's data (no persons, no counts).
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from access.routes import policy

logger = logging.getLogger(__name__)
HEARTBEAT_KEY = "xinyu:heartbeat:{queue}"
QUEUES = ("alerts", "default", "bulk")


class NotReady(Exception):
    """A readiness check failed for a reason that is safe to show (no hosts, no users)."""


@shared_task(name="xinyu.heartbeat", ignore_result=True)
def heartbeat(queue: str) -> None:
    """Beat queues one per queue; whichever worker consumes that queue stamps the time in the shared cache."""
    cache.set(HEARTBEAT_KEY.format(queue=queue), time.time(), timeout=None)


def heartbeat_ages(now: float | None = None) -> dict[str, float | None]:
    now = time.time() if now is None else now
    stamps = cache.get_many([HEARTBEAT_KEY.format(queue=q) for q in QUEUES])
    return {
        q: (now - stamps[HEARTBEAT_KEY.format(queue=q)]) if HEARTBEAT_KEY.format(queue=q) in stamps else None
        for q in QUEUES
    }


@lru_cache(maxsize=1)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def redis_client():
    url = getattr(settings, "REDIS_URL", "") or ""
    return _redis(url) if url else None


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


_migrated = False


def check_migrations() -> str:
    """Every migration of the code is applied (checked until true once; a deploy restarts the processes)."""
    global _migrated
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise NotReady(f"{len(plan)} migrations not applied (manage.py migrate)")
        _migrated = True
    return "ok"


def check_redis() -> str:
    client = redis_client()
    if client is None:
        return "not configured"
    client.ping()
    return "ok"


def check_workers(now: float | None = None) -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "not configured (tasks run in the web process)"
    max_age = settings.XINYU_HEARTBEAT_MAX_AGE
    stale = {q: age for q, age in heartbeat_ages(now).items() if age is None or age > max_age}
    if stale:
        raise NotReady(f"no worker heartbeat within {max_age:g}s for queue(s) {', '.join(sorted(stale))}")
    return "ok"


def check_config() -> str:
    """Configuration warnings (system checks tagged ``xinyu_config``, e.g. SMS switched on without keys). Shown,
    not failed: the process can still serve, but an operator must see that a channel is dark."""
    from access.security_views import config_problems

    problems = config_problems()
    return f"warning: {' | '.join(problems)}" if problems else "ok"


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "workers": check_workers,
    "config": check_config,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results, ready = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except NotReady as exc:
            ready, results[name] = False, f"fail: {exc}"
        except Exception as exc:  # noqa: BLE001 — any failure is "not ready"; hosts/users only in the log
            ready, results[name] = False, f"fail: {exc.__class__.__name__}"
            logger.warning("readiness check %s failed: %s: %s", name, exc.__class__.__name__, exc)
    return ready, results


@never_cache
@require_GET
@policy(None, "public", "liveness only: no one's data")
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
@policy(None, "public", "which services answer: no one's data")
def readyz(request: HttpRequest) -> JsonResponse:
    ready, checks = readiness()
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks}, status=200 if ready else 503)
