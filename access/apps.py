import sys

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Commands that never read or write people's data may run without a data key (e.g. to create the first one).
KEYLESS_COMMANDS = {"generate_data_key", "collectstatic", "compilemessages", "makemessages", "help"}


class AccessConfig(AppConfig):
    """访问控制 — the one access policy, the audit trail, encryption and break-glass."""

    name = "access"
    verbose_name = _("Access and audit")

    def ready(self) -> None:
        from django.core import checks

        from access import auth, crypto  # noqa: F401 (auth: login signal receivers)

        checks.register(check_algorithms, checks.Tags.security)
        checks.register(check_superusers, checks.Tags.security, checks.Tags.database)
        auth.connect_signals()
        # django-cas-ng writes its CAS_* defaults onto settings when first imported: do it once at start-up, not
        # inside a request that runs under a temporary settings override (issue 18, single sign-on).
        import django_cas_ng  # noqa: F401

        from access import mfa
        from org.demo.logins import register_second_factor

        register_second_factor(enrol=mfa.enrol_demo_users, secrets=mfa.demo_secrets)

        crypto.startup_debug = bool(settings.DEBUG)
        # Without DEBUG, refuse to start without a data key rather than fail on the first encrypted read.
        command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") else ""
        if not settings.DEBUG and command not in KEYLESS_COMMANDS:
            crypto.keyring()


def check_algorithms(app_configs=None, **kwargs):
    """access.E002/E003: an unknown data cipher or audit hash would fail the first write, so refuse to start;
    access.E004: an audit retention under six months."""
    from django.core import checks

    from access.audit import MIN_RETENTION_DAYS, SHA256, SM3
    from access.crypto import CIPHERS

    errors = []
    cipher = getattr(settings, "XINYU_DATA_CIPHER", CIPHERS[0])
    if cipher not in CIPHERS:
        errors.append(
            checks.Error(f"XINYU_DATA_CIPHER={cipher!r}: use one of {', '.join(CIPHERS)}.", id="access.E002")
        )
    hash_name = getattr(settings, "XINYU_AUDIT_HASH", SHA256)
    if hash_name not in (SHA256, SM3):
        errors.append(
            checks.Error(f"XINYU_AUDIT_HASH={hash_name!r}: use {SHA256!r} or {SM3!r}.", id="access.E003")
        )
    retention = getattr(settings, "XINYU_AUDIT_RETENTION_DAYS", 365)
    if not isinstance(retention, int) or retention < MIN_RETENTION_DAYS:
        errors.append(
            checks.Error(
                f"XINYU_AUDIT_RETENTION_DAYS={retention!r}: audit events must be kept at least "
                f"{MIN_RETENTION_DAYS} days (six months, 等保 level 3).",
                id="access.E004",
            )
        )
    return errors


def check_superusers(app_configs=None, databases=None, **kwargs):
    """access.W010 (``manage.py check --database default``): active superuser accounts outside DEBUG. A superuser
    is a system administrator without a post's limits (never an auditor or a security administrator: 三权分立);
    keep one for the bootstrap and disable it once people hold posts (docs/security.md)."""
    from django.core import checks
    from django.db import DatabaseError

    if settings.DEBUG or not databases:
        return []
    from org.models import User

    try:
        names = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("username", flat=True)[:10]
        )
    except DatabaseError:
        return []
    if not names:
        return []
    return [
        checks.Warning(
            f"{len(names)} active superuser account(s): {', '.join(names)}. A superuser bypasses the posts' limits "
            "for system administration; disable it once people hold posts.",
            id="access.W010",
        )
    ]
