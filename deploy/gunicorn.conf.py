"""gunicorn for Xinyu (deploy/systemd/xinyu-web.service, deploy/run-stack.sh). Settings from the environment.

WSGI with threaded workers (``gthread``) by default: every view and the ORM are synchronous, so an ASGI worker
(``XINYU_WORKER_CLASS=uvicorn.workers.UvicornWorker`` with ``xinyu.asgi:application``) would run each view in
its one sync thread per process and close database connections per request — slower, nothing gained (measured
in docs/performance.md, "Screening day on the production stack").
"""

import multiprocessing
import os

bind = os.environ.get("XINYU_BIND", "127.0.0.1:8000").split(",")
worker_class = os.environ.get("XINYU_WORKER_CLASS", "gthread")
workers = int(os.environ.get("XINYU_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("XINYU_WEB_THREADS", "4"))
timeout = int(os.environ.get("XINYU_WEB_TIMEOUT", "60"))  # nginx's proxy_read_timeout is a little longer
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then (memory), staggered
max_requests_jitter = 500
accesslog = None  # raw paths carry student ids: Xinyu writes its own access line (xinyu/logging_json.py)
errorlog = "-"
forwarded_allow_ips = os.environ.get("XINYU_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
proc_name = "xinyu-web"
control_socket_disable = True  # no control socket under $HOME (the unit has ProtectHome=true)
# gunicorn's own lines (start, worker boot/exit, timeouts) as JSON too, like the application's.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "xinyu.logging_json.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
