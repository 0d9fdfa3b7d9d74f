from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """关爱 — risk levels, alerts and their escalation, the student file, cases, plans, referrals (R5.2, R12)."""

    name = "care"
    verbose_name = _("Care")
