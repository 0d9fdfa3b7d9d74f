"""Production settings (生产环境): ``DJANGO_SETTINGS_MODULE=xinyu.settings_prod`` (docs/deploy.md).

Everything comes from the environment, or from an env file (``XINYU_ENV_FILE``, default ``/etc/xinyu/xinyu.env``;
``KEY=value`` lines, values already in the environment win). The process refuses to start — an
``ImproperlyConfigured`` naming every unsafe value at once — with DEBUG on, the default or a short secret key, no
data-encryption key, no PostgreSQL, no Redis, or a wildcard host. ``manage.py check --deploy`` is clean.

``XINYU_HTTPS=0`` turns off the TLS-only settings (secure cookies, HSTS, the HTTPS redirect) for a stack served
on loopback without nginx (``make run-prod``, CI); it is refused unless every allowed host is a loopback name.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_env_file(path: str | os.PathLike) -> dict[str, str]:
    """``KEY=value`` lines (``#`` comments, optional ``export`` and quotes) → dict. Missing file → {}."""
    found: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return found
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[key.strip()] = value
    return found


for _key, _value in read_env_file(os.environ.get("XINYU_ENV_FILE", "/etc/xinyu/xinyu.env")).items():
    os.environ.setdefault(_key, _value)
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "INFO")

from xinyu.logging_json import logging_config  # noqa: E402
from xinyu.settings import *  # noqa: E402, F403
from xinyu.settings import DATABASES, VAR_DIR, env_bool  # noqa: E402

DEV_SECRET = "dev-only-insecure-key-change-me"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}

# Rotating the secret: the new one in DJANGO_SECRET_KEY, the old in DJANGO_SECRET_KEY_FALLBACKS (sessions survive).
SECRET_KEY_FALLBACKS = [k for k in os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "").split(",") if k]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
] or [f"https://{h}" for h in ALLOWED_HOSTS if h not in LOOPBACK_HOSTS and not h.startswith(".")]

# Persistent connections, checked before reuse (a replica or primary restarted under a running process).
for _alias in DATABASES:
    DATABASES[_alias]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    DATABASES[_alias]["CONN_HEALTH_CHECKS"] = True

# HTTPS: nginx terminates TLS and sets X-Forwarded-Proto (deploy/nginx/xinyu.conf); Django trusts it only
# because gunicorn listens on loopback or a private address that nothing but nginx reaches.
HTTPS = env_bool("XINYU_HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # monitoring probes gunicorn directly
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("XINYU_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("XINYU_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("XINYU_HSTS_PRELOAD", True)
SESSION_COOKIE_AGE = int(os.environ.get("XINYU_SESSION_SECONDS", str(8 * 3600)))  # one school day
# Sessions are read from Redis and written through to PostgreSQL (the record of truth): one database query less
# on every signed-in request (issue 3, "Speed"). Ending a session (logout, a disabled account: access.mfa.end_sessions)
# deletes it from both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

TIME_ZONE = os.environ.get("XINYU_TIME_ZONE", "Asia/Shanghai")
CELERY_TIMEZONE = TIME_ZONE
LANGUAGE_CODE = os.environ.get("XINYU_LANGUAGE", "zh-hans")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)  # noqa: F405
STATIC_ROOT = Path(os.environ.get("XINYU_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_ROOT = Path(os.environ.get("XINYU_MEDIA_ROOT", str(VAR_DIR / "media")))

LOGGING = logging_config(os.environ.get("LOG_LEVEL", "INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # workers and beat log JSON through LOGGING too


def unsafe_settings(values: dict) -> list[str]:
    """Every reason these settings must not serve children's data, one sentence each (empty: safe)."""
    problems = []
    if values["DEBUG"]:
        problems.append("DJANGO_DEBUG is on: it shows code, settings and data in error pages.")
    secret = values["SECRET_KEY"] or ""
    if secret == DEV_SECRET or len(secret) < 50 or len(set(secret)) < 5:
        problems.append(
            "DJANGO_SECRET_KEY is missing, the development default or too weak (use 50+ random characters, "
            "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    key_file = os.environ.get("XINYU_DATA_KEY_FILE", "")  # set explicitly: never var/'s development key
    if not (values.get("XINYU_DATA_KEYS") or "").strip() and not (key_file and Path(key_file).is_file()):
        problems.append(
            "No data-encryption key: set XINYU_DATA_KEYS or XINYU_DATA_KEY_FILE to an existing key file "
            "(python manage.py generate_data_key)."
        )
    hosts = values["ALLOWED_HOSTS"]
    if not hosts or "*" in hosts:
        problems.append("DJANGO_ALLOWED_HOSTS must name this site's host names (no '*').")
    if not values["HTTPS"] and not set(hosts) <= LOOPBACK_HOSTS:
        problems.append(
            "XINYU_HTTPS=0 is only for a stack on loopback: DJANGO_ALLOWED_HOSTS names other hosts."
        )
    engines = {alias: db["ENGINE"] for alias, db in values["DATABASES"].items()}
    if any(engine != "django.db.backends.postgresql" for engine in engines.values()):
        problems.append("DATABASE_URL (and DATABASE_REPLICA_URL) must be postgres://… URLs, not SQLite.")
    if not os.environ.get("REDIS_URL") or values["CELERY_TASK_ALWAYS_EAGER"]:
        problems.append("REDIS_URL is missing (or CELERY_TASK_ALWAYS_EAGER is on): alerts need the workers.")
    return problems


_problems = unsafe_settings(globals())
if _problems:
    raise ImproperlyConfigured(
        "Refusing to start with unsafe production settings:\n  - " + "\n  - ".join(_problems)
    )
