from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolworkConfig(AppConfig):
    """学校工作 — psychological lessons, key times, staff training, five educations, home visits, parent
    sessions, guardians' pages, governance, funding (R1.4, R2.2, R3, R6–R11, R14, R16, R17)."""

    name = "schoolwork"
    verbose_name = _("School programs")

    def ready(self) -> None:
        from schoolwork.funding import providers as funding
        from schoolwork.home import providers as home
        from schoolwork.programs import providers as programs

        programs.register()  # lessons, key times, training, five educations: cards, navigation, workload
        home.register()  # home–school work: cards, navigation, student page, timeline, guardian's copy
        funding.register()  # mental-health funding (R16): navigation, evidence owners, demo
