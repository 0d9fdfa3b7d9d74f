from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """督导 — every measurable requirement of the plan as an indicator, rolled up school → district → city,
    approved and inspected (R1, R2–R5, R10–R14, R18). The top layer: it reads every app below it."""

    name = "supervision"
    verbose_name = _("Supervision")

    def ready(self) -> None:
        from supervision.indicators import catalogue, dirty

        catalogue.load()  # fails start-up on an invalid catalogue, not the first dashboard request
        dirty.connect_watchers()
        from supervision.inspections import providers as approval_setup

        approval_setup.connect()  # data approval and inspections: navigation, attachment owners
        self._ready_dashboards()

    def _ready_dashboards(self) -> None:
        """Dashboards: the home card and the navigation entry for the roles that see them."""
        from supervision.dashboards import providers as cards
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item

        register_card(cards.dashboard_card)
        register_nav_item(cards.nav_dashboard)
        from supervision.dashboards.api import mount

        mount()  # GET /api/supervision/dashboard
