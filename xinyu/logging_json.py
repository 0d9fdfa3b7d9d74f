"""Structured logs (结构化日志): one JSON object a line, each with the request id, and no personal data.

- ``RequestIdMiddleware`` takes a well-formed ``X-Request-ID`` from nginx (or makes one), keeps it for the
  request's log lines, returns it in the response and hands it to Celery tasks queued by the request.
- ``JsonFormatter`` writes ``ts, level, logger, msg, request_id`` (+ ``route, method, status, duration_ms`` on
  access lines). Paths and query strings can carry student ids and names, so they are never logged: the
  access line names the *route* (``org:student_detail``), and Django's own request warnings ("Not Found:
  /org/students/123/") are rewritten to the route too. Form values, users and cookies are never logged.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("xinyu_request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_logger = logging.getLogger("xinyu.access")

# Loggers whose messages embed the request path (and so possibly ids or names): replaced by the route.
_PATH_LOGGERS = {"django.request", "django.server", "django.security.csrf", "django.security.DisallowedHost"}
_FIELDS = ("route", "method", "status", "duration_ms", "task", "queue", "task_id")


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name if match is not None and match.view_name else "") or "unmatched"


class RequestIdMiddleware:
    """Sets/propagates X-Request-ID and writes one access line per request (route, status, time — no path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id_var.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response.headers["X-Request-ID"] = rid
            access_logger.info(
                "request",
                extra={
                    "route": route_name(request),
                    "method": request.method,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        request = getattr(record, "request", None)  # Django's request loggers pass the request along
        request_id = getattr(record, "request_id", "") or getattr(request, "request_id", "")
        if record.name in _PATH_LOGGERS or record.name.startswith("django.security"):
            status = getattr(record, "status_code", "")
            route = route_name(request) if isinstance(request, HttpRequest) else "a request"
            message = f"{record.levelname.lower()} {status} on {route}".replace("  ", " ")
        else:
            message = record.getMessage()
        out = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": message,
            "request_id": request_id or request_id_var.get(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                out[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_type"] = record.exc_info[0].__name__
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict:
    """The LOGGING setting of production (xinyu/settings_prod.py): JSON lines on stderr (journald)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "xinyu.logging_json.RequestIdFilter"}},
        "formatters": {"json": {"()": "xinyu.logging_json.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "celery": {"handlers": ["console"], "level": level, "propagate": False},
            # gunicorn's own access log carries raw paths: it is off (deploy/gunicorn.conf.py); errors stay.
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }
