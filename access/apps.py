from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """访问控制 — the one access policy, the audit trail, encryption and break-glass."""

    name = "access"
    verbose_name = _("Access and audit")
