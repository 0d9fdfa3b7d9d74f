from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """心理健康测评 — instruments, campaigns, consent, answering, scoring, second stage (R5.1, R5.3)."""

    name = "screening"
    verbose_name = _("Screening")
