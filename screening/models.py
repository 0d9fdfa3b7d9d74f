"""心理健康测评 — the screening app's models, defined in its sub-domains and re-exported here so Django finds them
(app label ``screening``; tables and migrations unchanged). Import them from here or from the sub-domain."""

from screening.battery.models import DistrictBattery, DistrictBatteryEntry, InstrumentLicence  # noqa: F401
from screening.campaigns.models import (  # noqa: F401
    LEVEL_RANK,
    Answer,
    AnswerHours,
    Assent,
    Assignment,
    BatteryEntry,
    Campaign,
    CampaignStatus,
    Consent,
    ConsentDecision,
    ConsentRequest,
    ConsentRule,
    ConsentVia,
    Level,
    NextStep,
    Response,
    ResponseStatus,
    Result,
    Review,
    StudentView,
)
from screening.rules.models import LevelRuleSet  # noqa: F401
