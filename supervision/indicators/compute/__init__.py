"""The functions that compute the indicators of ``indicators.yaml`` from the base tables, one module per domain.

Contract (supervision.indicators.catalogue): ``fn(period, node_ids) -> {node_id: (numerator, denominator)}`` over the
schools (or districts) of the indicator's level, ``node_ids`` None meaning all. One or a few grouped queries
per call, never one per node: the full rollup of a city of a million students calls each function once per
period. A node missing from the result counts as (0, 0).

Each module also declares ``WATCHES``: model label → function from a saved or deleted instance to the ids of
the schools (or districts) whose figures it can change; supervision.indicators.dirty marks them for the incremental rollup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone

from org.models import Node, NodeKind


def schools(node_ids: Iterable[int] | None, period=None):
    """The schools asked for; of ``period``'s work only those open when it began (a school closed — 撤销 — during
    it still counts in it, one closed before it does not; issue 18)."""
    qs = Node.objects.filter(kind=NodeKind.SCHOOL)
    if period is not None:
        qs = qs.open_on(period.starts_on)
    return qs if node_ids is None else qs.filter(pk__in=list(node_ids))


def districts(node_ids: Iterable[int] | None):
    qs = Node.objects.filter(kind=NodeKind.DISTRICT)
    return qs if node_ids is None else qs.filter(pk__in=list(node_ids))


def ids_filter(field: str, node_ids: Iterable[int] | None) -> dict:
    """``{f"{field}__in": ids}`` or nothing: narrows a base-table query to the nodes asked for."""
    return {} if node_ids is None else {f"{field}__in": list(node_ids)}


def bounds(period) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes [first day 00:00, the day after the last 00:00) in the local time zone
    (Asia/Shanghai): for counting records stamped with a time (reports, cases, referrals)."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(period.starts_on, dt.time(0, 0), tz),
        dt.datetime.combine(period.ends_on + dt.timedelta(days=1), dt.time(0, 0), tz),
    )


def as_of(period) -> dt.date:
    """The day a period's figures are counted up to: its last day, or today while it runs."""
    return min(period.ends_on, timezone.localdate())


def not_started(period, today: dt.date | None = None) -> bool:
    """A period that has not begun yet: indicators of what was done "so far" count nothing for it (rather than
    every school failing a semester that has not started)."""
    return period.starts_on > (today or timezone.localdate())
