"""The models of care, defined in its sub-domains (care/<sub-domain>/models.py) and re-exported here so Django
finds them under the app label ``care`` (tables and migrations unchanged; issue 17)."""

from care.alerts.models import (  # noqa: F401
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRoute,
    AlertStage,
    LevelRecord,
)
from care.cases.models import (  # noqa: F401
    Case,
    CaseEvent,
    CaseEventKind,
    CaseMember,
    CaseSource,
    CaseStatus,
    CrisisStep,
    CrisisStepKind,
    Department,
    Disclosure,
    FollowUp,
)
from care.channels.models import (  # noqa: F401
    Channel,
    ChannelChoice,
    Delivery,
    DeliveryStatus,
    Notification,
)
from care.contacts.models import (  # noqa: F401
    ContactChannel,
    GuardianContact,
)
from care.corrections.models import (  # noqa: F401
    CorrectionField,
    CorrectionRequest,
    CorrectionStatus,
)
from care.guardian_export.models import (  # noqa: F401
    ExportStatus,
    GuardianExport,
)
from care.plans.models import (  # noqa: F401
    Plan,
    PlanAction,
)
from care.referrals.models import (  # noqa: F401
    Institution,
    InstitutionKind,
    InstitutionMember,
    Referral,
    ReferralEvent,
    ReferralStatus,
)
from care.reports.models import (  # noqa: F401
    AbnormalityReport,
    ReportCategory,
    ReportUrgency,
    TriageOutcome,
)
