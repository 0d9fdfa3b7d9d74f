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
        from access import crypto

        crypto.startup_debug = bool(settings.DEBUG)
        # Without DEBUG, refuse to start without a data key rather than fail on the first encrypted read.
        command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") else ""
        if not settings.DEBUG and command not in KEYLESS_COMMANDS:
            crypto.keyring()
