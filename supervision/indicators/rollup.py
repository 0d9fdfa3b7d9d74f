"""The rollup engine (汇总): indicator values per (indicator, node, period) computed from the base tables into
``RollupValue``; dashboards read only these (issue 7, deliverable 2).

- :func:`run_full` computes every indicator for every node of its level, for the given periods, then sums the
  figures up the tree (school → group → district → city; district → city).
- :func:`run_incremental` recomputes only the nodes marked dirty (supervision.indicators.dirty) for the open periods, then
  re-sums the ancestors from the stored values.
Values of a node whose figures are locked for a period (submitted or approved, supervision approval) are never
overwritten.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Substr
from django.utils import timezone

from org.models import PATH_STEP, Node, NodeKind
from supervision.indicators import catalogue
from supervision.indicators.catalogue import Cell, Indicator
from supervision.indicators.models import DirtyNode, Period, RollupRun, RollupValue

BATCH = 2000
VERSION_KEY = "supervision:rollups:version"


def version() -> int:
    """A token that changes whenever any rollup value is written: what a cached dashboard is keyed by, so a
    cached figure never outlives the value it was made from. Kept in the shared cache (Redis in production; a
    cache that is not shared between processes would need a single process, as the embedded default is)."""
    v = cache.get(VERSION_KEY)
    if v is None:  # never set, or evicted: a new token makes every older entry unreachable
        cache.add(VERSION_KEY, time.time_ns(), None)
        v = cache.get(VERSION_KEY)
    return v


def _bump_version() -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)


LEVEL_KIND = {"school": NodeKind.SCHOOL, "district": NodeKind.DISTRICT}


def locked_nodes(period: Period) -> set[int]:
    """Nodes whose figures for ``period`` are frozen by data approval (submitted, approved or accepted)."""
    from supervision.approval import rules as approval  # the approval workflow owns the rule

    return approval.locked_node_ids(period)


def _upsert(rows: list[RollupValue]) -> None:
    if rows:
        transaction.on_commit(_bump_version)  # after the values are visible to other connections
        _bump_version()  # and now, for this connection's own reads inside the transaction
    for i in range(0, len(rows), BATCH):
        RollupValue.objects.bulk_create(
            rows[i : i + BATCH],
            update_conflicts=True,
            unique_fields=["indicator", "node", "period"],
            update_fields=["numerator", "denominator", "computed_at", "level"],
        )


def compute_leaves(
    ind: Indicator, period: Period, node_ids: Iterable[int] | None, locked: set[int], now: dt.datetime
) -> int:
    """Compute one indicator at its own level (all nodes, or ``node_ids``) and store it; returns values written."""
    kind = LEVEL_KIND[ind.level]
    ids = set(node_ids) if node_ids is not None else None
    values: dict[int, Cell] = ind.compute_fn(period, ids)
    targets = ids if ids is not None else set(Node.objects.filter(kind=kind).values_list("pk", flat=True))
    rows = [
        RollupValue(
            indicator=ind.code, node_id=pk, period=period, level=kind,
            numerator=values.get(pk, (0, 0))[0], denominator=values.get(pk, (0, 0))[1], computed_at=now,
        )
        for pk in targets
        if pk not in locked
    ]  # fmt: skip
    _upsert(rows)
    return len(rows)


def aggregate_up(ind: Indicator, period: Period, locked: set[int], now: dt.datetime) -> int:
    """Sum the stored values of the indicator's level into every ancestor node (one grouped query per depth)."""
    kind = LEVEL_KIND[ind.level]
    leaves = RollupValue.objects.filter(indicator=ind.code, period=period, level=kind)
    leaf_depth = Node.objects.filter(kind=kind).values_list("depth", flat=True).order_by("-depth").first()
    if leaf_depth is None:
        return 0
    sums: dict[str, Cell] = {}
    for depth in range(leaf_depth):
        width = (PATH_STEP + 1) * (depth + 1)
        grouped = (
            leaves.annotate(prefix=Substr("node__path", 1, width))
            .values("prefix")
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
        )
        for row in grouped:
            sums[row["prefix"]] = (row["n"] or 0, row["d"] or 0)
    ancestors = {
        n.path: n
        for n in Node.objects.filter(path__in=list(sums)).exclude(kind=kind).only("pk", "path", "kind")
    }
    rows = [
        RollupValue(
            indicator=ind.code, node_id=node.pk, period=period, level=node.kind,
            numerator=sums[path][0], denominator=sums[path][1], computed_at=now,
        )
        for path, node in ancestors.items()
        if node.pk not in locked
    ]  # fmt: skip
    _upsert(rows)
    return len(rows)


def run_full(periods: Iterable[Period], indicators: Iterable[str] | None = None) -> RollupRun:
    """Every indicator (or those named) for every node, for ``periods``."""
    run = RollupRun.objects.create(full=True, started_at=timezone.now())
    wanted = set(indicators) if indicators is not None else None
    values = 0
    for period in periods:
        locked = locked_nodes(period)
        now = timezone.now()
        for ind in catalogue.indicators(period.kind):
            if wanted is not None and ind.code not in wanted:
                continue
            with transaction.atomic():
                values += compute_leaves(ind, period, None, locked, now)
                values += aggregate_up(ind, period, locked, now)
    run.values, run.finished_at = values, timezone.now()
    run.nodes = Node.objects.filter(kind__in=[NodeKind.SCHOOL, NodeKind.DISTRICT]).count()
    run.save(update_fields=["values", "finished_at", "nodes"])
    return run


def run_incremental(periods: Iterable[Period] | None = None) -> RollupRun | None:
    """Recompute the dirty nodes for the open periods and re-sum their ancestors; clears the marks it saw
    (a node marked again while this runs keeps its mark for the next run). None when nothing was dirty."""
    from supervision.indicators.periods import open_periods

    started = timezone.now()
    marks = set(DirtyNode.objects.filter(marked_at__lte=started).values_list("node_id", flat=True))
    if not marks:
        return None
    run = RollupRun.objects.create(full=False, started_at=started, nodes=len(marks))
    by_kind: dict[str, set[int]] = defaultdict(set)
    for pk, kind in Node.objects.filter(pk__in=list(marks)).values_list("pk", "kind"):
        by_kind[kind].add(pk)
    values = 0
    for period in periods if periods is not None else open_periods():
        locked = locked_nodes(period)
        now = timezone.now()
        for ind in catalogue.indicators(period.kind):
            ids = by_kind.get(LEVEL_KIND[ind.level], set())
            if not ids:
                continue
            with transaction.atomic():
                values += compute_leaves(ind, period, ids, locked, now)
                values += aggregate_up(ind, period, locked, now)
    DirtyNode.objects.filter(node_id__in=list(marks), marked_at__lte=started).delete()
    run.values, run.finished_at = values, timezone.now()
    run.save(update_fields=["values", "finished_at"])
    return run
