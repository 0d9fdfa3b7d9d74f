from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    """心理健康测评 — instruments, campaigns, consent, answering, scoring, second stage (R5.1, R5.3)."""

    name = "screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from screening.battery import providers as battery
        from screening.campaigns import providers as campaigns
        from screening.rules import providers as rules

        campaigns.register()  # home cards, navigation, file timeline, guardian export, retention, alert links, demo
        rules.register()  # the level-rules navigation item and the demo's rule history (issue 15)
        battery.register()  # the licences navigation item and home card (issue 15, i15-battery)
