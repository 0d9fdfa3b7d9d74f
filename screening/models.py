"""心理健康测评 — the screening app's models, defined in its sub-domains and re-exported here so Django finds them
(app label ``screening``; tables and migrations unchanged). Import them from here or from the sub-domain."""

from screening.battery.models import *  # noqa: F403
from screening.campaigns.models import *  # noqa: F403
from screening.rules.models import *  # noqa: F403
