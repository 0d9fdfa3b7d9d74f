"""Settings for Xinyu (心育).

The embedded default needs nothing: SQLite under ``var/``, Celery eager, a data key generated into
``var/keys.json``. Production reads everything from the environment (see README "PostgreSQL + Redis").
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("XINYU_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", True)
# Error reports (the DEBUG page, the admins' e-mail) never show what a form sent (xinyu/errors.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "xinyu.errors.NoPostDataFilter"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "org",
    "access",
    "xinyu.web",
    "care",
    "screening",
    "counseling",
    "schoolwork",
    "supervision",
]

MIDDLEWARE = [
    "xinyu.logging_json.RequestIdMiddleware",  # X-Request-ID + one access line per request (route, no path)
    "xinyu.metrics.MetricsMiddleware",  # request latency by route name (/metrics)
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinyu.web.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "access.middleware.SessionTimeoutMiddleware",  # idle (staff 15 min) and absolute session limits
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "access.middleware.NoStoreMiddleware",
    "access.middleware.SecurityHeadersMiddleware",  # CSP without inline script, Permissions-Policy
    "access.middleware.DeniedAuditMiddleware",  # every 403 on the audit trail (route name only)
]

ROOT_URLCONF = "xinyu.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "xinyu.web.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "xinyu.wsgi.application"

# Database: SQLite file under var/ by default; DATABASE_URL=postgres://… for PostgreSQL (psycopg 3).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'xinyu.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Read replica for dashboard reads (xinyu/db_router.py, docs/deploy.md): only inside ``use_replica()``.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["xinyu.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Passwords after NIST SP 800-63B / OWASP ASVS L2 (docs/access.md): at least 12 characters (ASVS 2.1.1), up to
# 256 accepted (≥ 64: ASVS 2.1.2), Django's list of 20 000 common passwords, no composition rules, no rotation.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "access.auth.MaximumLengthValidator", "OPTIONS": {"max_length": 256}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
# Passwords are checked by the throttled backend (access.auth): waits grow after repeated failures, never a
# permanent lock. Sessions: staff idle 15 min, students and guardians 30 min, everyone at most 12 h.
AUTHENTICATION_BACKENDS = ["access.auth.ThrottledModelBackend"]
XINYU_STAFF_IDLE_SECONDS = int(os.environ.get("XINYU_STAFF_IDLE_SECONDS", "900"))
XINYU_IDLE_SECONDS = int(os.environ.get("XINYU_IDLE_SECONDS", "1800"))
XINYU_SESSION_MAX_SECONDS = int(os.environ.get("XINYU_SESSION_MAX_SECONDS", str(12 * 3600)))
LOGIN_REDIRECT_URL = "web:home"
# Two factors (access.mfa) for staff with T3/T4 access and administrators — on everywhere, dev and tests too.
XINYU_MFA_REQUIRED = env_bool("XINYU_MFA_REQUIRED", True)
XINYU_MFA_PENDING_SECONDS = int(os.environ.get("XINYU_MFA_PENDING_SECONDS", "300"))  # password → code
LOGOUT_REDIRECT_URL = "login"
# API bearer tokens (access.tokens) expire: after this many days by default, and never later (issue 19 finding 11).
XINYU_API_TOKEN_DAYS = int(os.environ.get("XINYU_API_TOKEN_DAYS", "90"))

# --- Accounts: first-login activation and single sign-on (issue 18 build 2, branch i18acct) ----------------------
# docs/security.md "Activation" and docs/deploy.md "Single sign-on". Activation codes: SMS (through the SMS provider,
# template XINYU_SMS_TEMPLATE_CODE) and printed slips; send limits per account and per phone (access.activation).
XINYU_ACTIVATION_SMS_MINUTES = int(os.environ.get("XINYU_ACTIVATION_SMS_MINUTES", "10"))
XINYU_ACTIVATION_SLIP_DAYS = int(os.environ.get("XINYU_ACTIVATION_SLIP_DAYS", "14"))
# 统一身份认证 — each protocol off by default; it maps to EXISTING accounts only (access.sso.match_user): the claim
# (OIDC) or attribute (CAS; empty = the CAS user) equals the account's username, phone or email.
XINYU_OIDC_ENABLED = env_bool("XINYU_OIDC_ENABLED", False)
XINYU_OIDC_CLIENT_ID = os.environ.get("XINYU_OIDC_CLIENT_ID", "")
XINYU_OIDC_CLIENT_SECRET = os.environ.get("XINYU_OIDC_CLIENT_SECRET", "")
XINYU_OIDC_AUTHORIZATION_ENDPOINT = os.environ.get("XINYU_OIDC_AUTHORIZATION_ENDPOINT", "")
XINYU_OIDC_TOKEN_ENDPOINT = os.environ.get("XINYU_OIDC_TOKEN_ENDPOINT", "")
XINYU_OIDC_USERINFO_ENDPOINT = os.environ.get("XINYU_OIDC_USERINFO_ENDPOINT", "")
XINYU_OIDC_JWKS_ENDPOINT = os.environ.get("XINYU_OIDC_JWKS_ENDPOINT", "")
XINYU_OIDC_SIGN_ALGO = os.environ.get("XINYU_OIDC_SIGN_ALGO", "RS256")
XINYU_OIDC_SCOPES = os.environ.get("XINYU_OIDC_SCOPES", "openid profile")
XINYU_OIDC_CLAIM = os.environ.get("XINYU_OIDC_CLAIM", "preferred_username")
XINYU_OIDC_USER_FIELD = os.environ.get("XINYU_OIDC_USER_FIELD", "username")  # username | phone | email
XINYU_CAS_ENABLED = env_bool("XINYU_CAS_ENABLED", False)
XINYU_CAS_ATTRIBUTE = os.environ.get("XINYU_CAS_ATTRIBUTE", "")
XINYU_CAS_USER_FIELD = os.environ.get("XINYU_CAS_USER_FIELD", "username")  # username | phone | email
CAS_SERVER_URL = os.environ.get("XINYU_CAS_SERVER_URL", "")  # django-cas-ng's client reads CAS_*
CAS_VERSION = os.environ.get("XINYU_CAS_VERSION", "3")
CAS_CREATE_USER = False
# After the provider, roles that need two factors still give Xinyu's second factor (access.mfa).
XINYU_SSO_ASKS_SECOND_FACTOR = env_bool("XINYU_SSO_ASKS_SECOND_FACTOR", True)
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "access.sso.OIDCBackend", "access.sso.CASBackend"]
# --- end of the accounts block -------------------------------------------------------------------------------------

# i18n: Simplified Chinese by default, English switchable.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = VAR_DIR / "media"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Uploads: roster files are streamed from disk, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
ROSTER_UPLOAD_MAX_BYTES = int(os.environ.get("XINYU_ROSTER_MAX_BYTES", str(50 * 1024 * 1024)))
# Attachments (schoolwork: minutes, plans, materials) are checked by content and refused above this size.
ATTACHMENT_MAX_BYTES = int(os.environ.get("XINYU_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))

# Celery: eager in the embedded default (one process serves everything); Redis when configured.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or os.environ.get("REDIS_URL") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
REDIS_URL = os.environ.get("REDIS_URL", "")
# Queues (docs/deploy.md): alerts and escalations have their own queue and worker, so they never wait behind a
# roster import or a rollup ("bulk"); anything unrouted goes to "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "care.send_notification_emails": {"queue": "alerts"},  # alert e-mails (and the notify() outbox)
    "care.escalate_alerts": {"queue": "alerts"},
    "web.run_import_job": {"queue": "bulk"},
    "screening.*": {"queue": "bulk"},
    "supervision.*": {"queue": "bulk"},
    "access.purge_retention": {"queue": "bulk"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a long import never holds back a queued task in a worker's buffer
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_IMPORTS = ["xinyu.health"]

# Data-encryption key ring (access.crypto). XINYU_DATA_KEYS="kid:base64key[,kid:base64key…]" (first is
# primary) or XINYU_DATA_KEY_FILE=/path/keys.json. Without either, a key file is made under var/ for dev.
XINYU_DATA_KEYS = os.environ.get("XINYU_DATA_KEYS", "")
XINYU_DATA_KEY_FILE = os.environ.get("XINYU_DATA_KEY_FILE", str(VAR_DIR / "keys.json"))
# 国密 deployments: new keys SM4-GCM ("sm4-gcm"; default "aes-256-gcm"), audit links SM3 ("sm3"; default "sha256").
XINYU_DATA_CIPHER = os.environ.get("XINYU_DATA_CIPHER", "aes-256-gcm")
XINYU_AUDIT_HASH = os.environ.get("XINYU_AUDIT_HASH", "sha256")
# Audit events are kept this many days at least (issue 8; 等保 level 3: six months); audit_purge refuses newer.
XINYU_AUDIT_RETENTION_DAYS = int(os.environ.get("XINYU_AUDIT_RETENTION_DAYS", "365"))

# T0 aggregates: cells smaller than this are suppressed (DESIGN.md, Access).
XINYU_MIN_CELL = 5

# 保存期限 — the retention schedule (access/retention.py, docs/privacy.md; PIPL Art. 19, 47): category → period
# counted after the student leaves school ("leaving") or after the row was made ("creation"). `manage.py purge`
# applies it; a category not named here is never purged. XINYU_RETENTION_JSON overrides categories, e.g.
# '{"screening_answers": {"years": 5, "after": "leaving"}}'. The audit trail is not a category (see above).
XINYU_RETENTION: dict[str, dict] = {
    "screening_answers": {"years": 3, "after": "leaving"},
    "counseling_session_notes": {"years": 5, "after": "leaving"},
    "centre_messages": {"years": 3, "after": "creation"},
    "online_chat_transcripts": {"years": 3, "after": "creation"},
    "hotline_logs": {"years": 5, "after": "creation"},
    "guardian_exports": {"days": 7, "after": "creation"},
}
if os.environ.get("XINYU_RETENTION_JSON"):
    XINYU_RETENTION = {**XINYU_RETENTION, **json.loads(os.environ["XINYU_RETENTION_JSON"])}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
if os.environ.get("XINYU_AUDIT_SYSLOG"):  # the audit checkpoints, copied to syslog → the external collector
    _syslog = os.environ["XINYU_AUDIT_SYSLOG"]
    _host, _, _port = _syslog.rpartition(":")
    LOGGING["handlers"]["audit_syslog"] = {
        "class": "logging.handlers.SysLogHandler",
        "address": _syslog if _syslog.startswith("/") else (_host, int(_port or 514)),
        "facility": "auth",
    }
    LOGGING["loggers"] = {
        "xinyu.audit.checkpoint": {
            "handlers": ["audit_syslog", "console"],
            "level": "INFO",
            "propagate": False,
        }
    }

# Cache: progress of long jobs (roster imports) and throttles. Per-process memory by default; Redis when set.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "xinyu"}
    )
}

# Alerts (care): acknowledgement deadlines per level — care/alerts/deadlines.py has the defaults and the format;
# override per district by division code in XINYU_ALERT_DEADLINES_BY_DISTRICT. School time is the school day
# below, Monday–Friday, less the holidays of Semester.calendar.
XINYU_ALERT_DEADLINES = {
    "red": {"minutes": 15, "clock": "wall"},
    "orange": {"minutes": 120, "clock": "school"},
}
XINYU_ALERT_DEADLINES_BY_DISTRICT: dict[str, dict] = {}
XINYU_SCHOOL_DAY = ("08:00", "17:30")
# issue 15: when no responder is at the school (outside school time, or no psychological teacher on duty), red and
# orange alerts go by wall clock to the district centre's counselor on duty → the whole centre → the district
# officers, each stage with these minutes to acknowledge (docs/alerts.md, care/alerts/deadlines.py).
XINYU_OFF_HOURS_ALERT_MINUTES = {"red": 15, "orange": 30}
XINYU_OFF_HOURS_ALERT_MINUTES_BY_DISTRICT: dict[str, dict] = {}
# Screening campaigns opened "to evenings" let critical questionnaires open between these times every day
# (Asia/Shanghai); the default window is "while a responder is at the school" (docs/alerts.md).
XINYU_SCREENING_EVENING_HOURS = ("07:00", "23:00")
XINYU_BASE_URL = os.environ.get("XINYU_BASE_URL", "http://127.0.0.1:8000")  # links in alert e-mails
# The escalation timer: Celery beat in production; `manage.py escalate_alerts` from cron (or --loop) embedded.
XINYU_ESCALATION_SECONDS = float(os.environ.get("XINYU_ESCALATION_SECONDS", "60"))
XINYU_HEARTBEAT_SECONDS = float(os.environ.get("XINYU_HEARTBEAT_SECONDS", "30"))
XINYU_HEARTBEAT_MAX_AGE = float(os.environ.get("XINYU_HEARTBEAT_MAX_AGE", "120"))  # /readyz (xinyu/health.py)
# The audit chain's external anchor (access/checkpoint.py): where the signed heads go, how often, the key that signs
# them (not in the database; SECRET_KEY when unset), and a syslog address ("host:514" or "/dev/log") to copy them to.
XINYU_AUDIT_CHECKPOINT_FILE = os.environ.get(
    "XINYU_AUDIT_CHECKPOINT_FILE", str(BASE_DIR / "var" / "audit-checkpoints.jsonl")
)
XINYU_AUDIT_CHECKPOINT_SECONDS = float(os.environ.get("XINYU_AUDIT_CHECKPOINT_SECONDS", "300"))
XINYU_AUDIT_CHECKPOINT_KEY = os.environ.get("XINYU_AUDIT_CHECKPOINT_KEY", "")
XINYU_AUDIT_SYSLOG = os.environ.get("XINYU_AUDIT_SYSLOG", "")
CELERY_BEAT_SCHEDULE = {
    "care-escalate-alerts": {"task": "care.escalate_alerts", "schedule": XINYU_ESCALATION_SECONDS},
    "schoolwork-key-time-reminders": {"task": "schoolwork.remind_key_times", "schedule": 3600},
    **{
        f"heartbeat-{queue}": {
            "task": "xinyu.heartbeat",
            "schedule": XINYU_HEARTBEAT_SECONDS,
            "args": (queue,),
            "options": {"queue": queue, "expires": XINYU_HEARTBEAT_SECONDS},
        }
        for queue in ("alerts", "default", "bulk")
    },
    "care-task-reminders": {"task": "care.send_task_reminders", "schedule": 3600.0},
    "counseling-appointment-reminders": {"task": "counseling.remind_appointments", "schedule": 900.0},
    "counseling-overdue-messages": {"task": "counseling.remind_overdue_messages", "schedule": 300.0},
    # Anonymous senders' arrivals and code reads, as hourly counts in the audit trail (docs/privacy.md).
    "counseling-anonymous-digest": {
        "task": "counseling.audit_anonymous_digest",
        "schedule": crontab(minute=1),
    },
    # Supervision rollups: the schools changed since the last run every 5 minutes; all of them nightly.
    "supervision-rollup-incremental": {"task": "supervision.rollup_incremental", "schedule": 300.0},
    "supervision-rollup-full": {"task": "supervision.rollup_full", "schedule": crontab(hour=2, minute=30)},
    # The retention schedule (docs/privacy.md): nightly, after the rollup, on the bulk queue.
    "access-purge-retention": {"task": "access.purge_retention", "schedule": crontab(hour=3, minute=30)},
    # The audit chain's head, signed and written outside the database (access/checkpoint.py, issue 19).
    "access-audit-checkpoint": {
        "task": "access.audit_checkpoint",
        "schedule": XINYU_AUDIT_CHECKPOINT_SECONDS,
    },
}
# Care pathway (care/contacts/deadlines.py, care/referrals/deadlines.py): reach the guardians within these school days of a case's opening
# (0 = the same day), and the calendar days each referral step may take before it is flagged overdue.
XINYU_GUARDIAN_CONTACT_DEADLINES = {"red": 0, "orange": 1, "yellow": 5}
XINYU_GUARDIAN_CONTACT_DEADLINES_BY_DISTRICT: dict[str, dict] = {}
XINYU_REFERRAL_STEP_DAYS = {
    "proposed": 5,
    "consented": 2,
    "sent": 14,
    "appointment": 1,
    "seen": 14,
    "feedback": 10,
}
# A deployment (or the CI stack) may replace the deadlines as JSON, e.g. '{"red": {"minutes": 0}}'.
if os.environ.get("XINYU_ALERT_DEADLINES_JSON"):
    XINYU_ALERT_DEADLINES = {**XINYU_ALERT_DEADLINES, **json.loads(os.environ["XINYU_ALERT_DEADLINES_JSON"])}
# … and the off-hours route's wall-clock minutes, e.g. '{"red": 10}' (issue 15).
if os.environ.get("XINYU_OFF_HOURS_ALERT_MINUTES_JSON"):
    XINYU_OFF_HOURS_ALERT_MINUTES = {
        **XINYU_OFF_HOURS_ALERT_MINUTES,
        **json.loads(os.environ["XINYU_OFF_HOURS_ALERT_MINUTES_JSON"]),
    }
# /metrics (xinyu/metrics.py): a bearer token for a Prometheus on another machine; loopback needs none.
XINYU_METRICS_TOKEN = os.environ.get("XINYU_METRICS_TOKEN", "")
# Static files from the app itself: only for the loopback stack without nginx (make run-prod, CI).
XINYU_SERVE_STATIC = env_bool("XINYU_SERVE_STATIC", False)
# Alert e-mails: SMTP when EMAIL_HOST is set, else printed to the console (embedded default).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "xinyu@localhost")
# DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes each e-mail to a file here (the load
# test counts the alert e-mails that really went out, tests/stack/loadtest.py).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# Notification channels (care.channels, issue 15; docs/deploy.md "Notification channels"). In-app always; the
# others when listed in XINYU_CHANNELS and configured (a channel listed but not configured is a system-check
# warning and a line on /security/ and /readyz). Red goes by every channel a person has; the rest by their choice.
XINYU_CHANNELS = [c.strip() for c in os.environ.get("XINYU_CHANNELS", "in_app,email").split(",") if c.strip()]
XINYU_CHANNEL_TIMEOUT = float(os.environ.get("XINYU_CHANNEL_TIMEOUT", "5"))  # seconds per provider call
XINYU_SMS_PROVIDER = os.environ.get(
    "XINYU_SMS_PROVIDER", ""
)  # "aliyun" (阿里云短信) or "tencent" (腾讯云短信)
XINYU_SMS = {
    "access_key_id": os.environ.get("XINYU_SMS_ACCESS_KEY_ID", ""),  # Aliyun AccessKey ID / Tencent SecretId
    "access_key_secret": os.environ.get("XINYU_SMS_ACCESS_KEY_SECRET", ""),  # AccessKey secret / SecretKey
    "sign_name": os.environ.get("XINYU_SMS_SIGN_NAME", ""),  # 短信签名, e.g. 心育
    "template_alert": os.environ.get("XINYU_SMS_TEMPLATE_ALERT", ""),  # 模板: 您有一条需立即处理的预警…
    "template_todo": os.environ.get("XINYU_SMS_TEMPLATE_TODO", ""),  # 模板: 您有一条新的待办… (optional)
    # 模板: 紧急：…请立即登录心育回复…必要时拨打110或120 (docs/deploy.md) — for the notification kinds below (optional; else alert)
    "template_emergency": os.environ.get("XINYU_SMS_TEMPLATE_EMERGENCY", ""),
    # 验证码模板: 您的心育账号激活验证码为${code}，${minutes}分钟内有效 — account activation (issue 18; optional)
    "template_code": os.environ.get("XINYU_SMS_TEMPLATE_CODE", ""),
    "app_id": os.environ.get("XINYU_SMS_APP_ID", ""),  # Tencent only: SmsSdkAppId
    "region": os.environ.get("XINYU_SMS_REGION", "ap-beijing"),  # Tencent only
    "endpoint": os.environ.get("XINYU_SMS_ENDPOINT", ""),  # default: the provider's public endpoint
    "protocol": os.environ.get("XINYU_SMS_PROTOCOL", "https"),
}
# Notification kinds whose SMS is the emergency template (issue 16: a 24-hour message in imminent danger).
XINYU_SMS_EMERGENCY_KINDS = ["centre.imminent"]
XINYU_WECOM = {  # 企业微信 application messages (自建应用)
    "corp_id": os.environ.get("XINYU_WECOM_CORP_ID", ""),
    "secret": os.environ.get("XINYU_WECOM_SECRET", ""),
    "agent_id": os.environ.get("XINYU_WECOM_AGENT_ID", ""),
    "api_base": os.environ.get("XINYU_WECOM_API_BASE", "https://qyapi.weixin.qq.com"),
}
XINYU_DINGTALK = {  # 钉钉 work notices (工作通知) of an internal app (企业内部应用)
    "app_key": os.environ.get("XINYU_DINGTALK_APP_KEY", ""),
    "app_secret": os.environ.get("XINYU_DINGTALK_APP_SECRET", ""),
    "agent_id": os.environ.get("XINYU_DINGTALK_AGENT_ID", ""),
    "api_base": os.environ.get("XINYU_DINGTALK_API_BASE", "https://oapi.dingtalk.com"),
}
# Delivery reports (回执) posted by the SMS provider: /care/channels/receipts/<provider>/<token>/ ("" = off).
XINYU_RECEIPT_TOKEN = os.environ.get("XINYU_RECEIPT_TOKEN", "")

# District counseling centre and 24-hour message platform (counseling.centre, R4.2). First-reply deadline of a
# message in hours, overridable per district by division code; the centre's service hours by kind of day
# (public holidays and 调休 working days from counseling.CalendarDay); the hotlines every sender is shown.
# Issue 16: while someone is on duty an ordinary message is answered within XINYU_MESSAGE_REPLY_MINUTES (per district);
# with no one on duty (nights, holidays) by the next shift's start + those minutes, never later than
# XINYU_MESSAGE_REPLY_HOURS after it was sent.
XINYU_MESSAGE_REPLY_MINUTES = 60
XINYU_MESSAGE_REPLY_MINUTES_BY_DISTRICT: dict[str, int] = {}
XINYU_MESSAGE_REPLY_HOURS = 12
XINYU_MESSAGE_REPLY_HOURS_BY_DISTRICT: dict[str, int] = {}
# An imminent-danger message (紧急危险) is due and climbs a stage after these minutes (the shortest stage time).
XINYU_MESSAGE_IMMINENT_MINUTES = 5
XINYU_MESSAGE_IMMINENT_MINUTES_BY_DISTRICT: dict[str, int] = {}
# A crisis message without a first reply climbs a stage after these minutes (on duty → whole centre → district
# officers), by care's escalation timer; per district by division code.
XINYU_MESSAGE_CRISIS_MINUTES = 15
XINYU_MESSAGE_CRISIS_MINUTES_BY_DISTRICT: dict[str, int] = {}
XINYU_CENTRE_HOURS = {
    "school_day": ("16:00", "22:00"),
    "weekend": ("09:00", "22:00"),
    "holiday": ("09:00", "22:00"),
}
XINYU_HOTLINES = [
    ("12356", gettext_noop("National mental-health assistance hotline")),  # names translated where shown
    ("12355", gettext_noop("Youth service hotline")),
]
XINYU_CITY_COUNSELING_URL = os.environ.get("XINYU_CITY_COUNSELING_URL", "")
