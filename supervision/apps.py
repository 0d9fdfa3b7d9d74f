from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """督导 — every measurable requirement of the plan as an indicator, rolled up school → district → city,
    approved and inspected (R1, R2–R5, R10–R14, R18). The top layer: it reads every app below it."""

    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from supervision.approval import providers as approval
        from supervision.daily import providers as daily
        from supervision.dashboards import providers as dashboards
        from supervision.indicators import providers as indicators
        from supervision.inspections import providers as inspections

        indicators.register()  # the catalogue checked; watchers that mark schools dirty for the rollup
        dashboards.register()  # home card, navigation, GET /api/supervision/dashboard
        approval.register()  # navigation
        daily.register()  # the daily board on the home page of district and city officers (issue 20)
        inspections.register()  # navigation, the rectification card, the owners of inspection evidence
