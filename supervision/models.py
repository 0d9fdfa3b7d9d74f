"""The supervision models, defined in their sub-domains and re-exported here so Django finds them (app label
``supervision``; tables and migrations unchanged)."""

from supervision.approval.models import *  # noqa: F403
from supervision.indicators.models import *  # noqa: F403
from supervision.inspections.models import *  # noqa: F403
