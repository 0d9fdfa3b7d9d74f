"""The models of care, defined in its sub-domains (care/<sub-domain>/models.py) and re-exported here so Django
finds them under the app label ``care`` (tables and migrations unchanged; issue 17)."""

from care.alerts.models import *  # noqa: F403
from care.cases.models import *  # noqa: F403
from care.channels.models import *  # noqa: F403
from care.contacts.models import *  # noqa: F403
from care.corrections.models import *  # noqa: F403
from care.guardian_export.models import *  # noqa: F403
from care.plans.models import *  # noqa: F403
from care.referrals.models import *  # noqa: F403
from care.reports.models import *  # noqa: F403
