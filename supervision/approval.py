"""Data approval (数据审核, the DHIS2 model): a school submits a period's figures, the district approves, the
city accepts; submitted or approved figures are locked (issue 7, deliverable 4)."""

from __future__ import annotations

from supervision.models import Period


def locked_node_ids(period: Period) -> set[int]:
    """Nodes whose figures for ``period`` must not be recomputed. No approval records exist yet: none."""
    return set()
