from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """关爱 — risk levels, alerts and their escalation, the student file, cases, plans, referrals (R5.2, R12)."""

    name = "care"
    verbose_name = _("Care")

    def ready(self) -> None:
        from access.policy import Scope, register_scope
        from access.services import break_glass_granted
        from care.alerts import providers, selectors
        from care.file import providers as file_providers
        from xinyu.web.home import register_card
        from xinyu.web.navigation import register_nav_item
        from xinyu.web.people.sections import register_student_section

        break_glass_granted.connect(providers.break_glass_notice, dispatch_uid="care.break_glass_notice")
        register_scope(Scope.ESCALATED, selectors.escalated_scope)
        register_scope(Scope.RED_ORANGE, selectors.red_orange_scope)
        register_card(providers.alerts_card)
        register_nav_item(providers.nav_alerts)
        register_student_section(providers.level_section)
        register_student_section(providers.file_link_section)
        file_providers.register()
        from care.channels import checks  # noqa: F401 — registers the channel settings check (issue 15)
        from care.guardian_export import services as guardian_export

        guardian_export.register_retention()
        from care.corrections.views import nav_corrections

        register_nav_item(nav_corrections)
        self._ready_plans(register_scope, Scope, register_card, register_nav_item)
        self._ready_cases(register_card, register_nav_item, register_student_section)
        from care.cases.demo import red_case
        from org.demo.seed import register_demo_step

        register_demo_step(red_case)  # seed_demo: a red case whose 陪护 step is the demo class teacher's

    @staticmethod
    def _ready_plans(register_scope, Scope, register_card, register_nav_item) -> None:  # noqa: N803
        """Plans, guardian contacts and referrals (plans): Scope.REFERRED, the "my tasks" card, navigation."""
        from care.plans import file_providers as plan_file
        from care.plans import providers as plan_providers
        from care.plans import selectors as plan_selectors

        register_scope(Scope.REFERRED, plan_selectors.referred_scope)
        register_card(plan_providers.tasks_card)
        register_nav_item(plan_providers.nav_referrals)
        register_nav_item(plan_providers.nav_institutions)
        plan_file.register()

    @staticmethod
    def _ready_cases(register_card, register_nav_item, register_student_section) -> None:
        """Abnormality reports and cases (cases): home cards, navigation, the student page's links."""
        from care.cases import providers as cases_providers

        register_card(cases_providers.casework_card)
        register_card(cases_providers.my_reports_card)
        register_nav_item(cases_providers.nav_report)
        register_nav_item(cases_providers.nav_cases)
        register_student_section(cases_providers.case_section)

        from care.file.timeline import register_timeline_provider

        register_timeline_provider(cases_providers.reports_timeline, kinds=cases_providers.KINDS_REPORT)
