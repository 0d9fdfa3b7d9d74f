"""The supervision models, defined in their sub-domains and re-exported here so Django finds them (app label
``supervision``; tables and migrations unchanged)."""

from supervision.inspections.models import (  # noqa: F401
    Approval,
    ApprovalAction,
    ApprovalState,
    ApprovalStep,
    DirtyNode,
    Finding,
    Inspection,
    InspectionItem,
    Period,
    PeriodKind,
    RectificationTask,
    RollupRun,
    RollupValue,
    TaskNote,
    TaskStatus,
)
