"""The supervision models, defined in their sub-domains and re-exported here so Django finds them (app label
``supervision``; tables and migrations unchanged)."""

from supervision.approval.models import Approval, ApprovalAction, ApprovalState, ApprovalStep  # noqa: F401
from supervision.indicators.models import DirtyNode, Period, PeriodKind, RollupRun, RollupValue  # noqa: F401
from supervision.inspections.models import (  # noqa: F401
    Finding,
    Inspection,
    InspectionItem,
    RectificationTask,
    TaskNote,
    TaskStatus,
)
