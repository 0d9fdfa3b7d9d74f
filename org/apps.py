from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    """组织 — the jurisdiction tree, rosters and people (lowest layer)."""

    name = "org"
    verbose_name = _("Organisation")
