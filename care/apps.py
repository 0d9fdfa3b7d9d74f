from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    """关爱 — risk levels, alerts and their escalation, the student file, cases, plans, referrals (R5.2, R12)."""

    name = "care"
    verbose_name = _("Care")

    def ready(self) -> None:
        """Each sub-domain registers what it adds to the lower layers (its ``providers.register()``)."""
        from care.alerts import providers as alerts
        from care.cases import providers as cases
        from care.channels import checks  # noqa: F401 — registers the channel settings check (issue 15)
        from care.channels import providers as channels
        from care.contacts import providers as contacts
        from care.corrections import providers as corrections
        from care.file import providers as file
        from care.guardian_export import providers as guardian_export
        from care.plans import providers as plans
        from care.referrals import providers as referrals
        from care.reports import providers as reports

        for sub_domain in (
            alerts,
            channels,
            file,
            guardian_export,
            corrections,
            plans,
            contacts,
            referrals,
            cases,
            reports,
        ):
            sub_domain.register()
