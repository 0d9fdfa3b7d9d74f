"""工作量 — workload contributors (R1.3: mental-health teaching and counseling count toward a psychological
teacher's workload).

The figures come from apps that may not import each other (counseling records sessions and duty, schoolwork
records lessons). Each registers a source in its ``AppConfig.ready()``::

    from care.workload.registry import register_workload_source

    def lessons(user_ids, start, end):          # dates, both ends included
        return {user_id: {"lessons": 12}}       # only the users it knows something about

    register_workload_source(lessons, labels={"lessons": _("Lessons taught")})

``workload(user_ids, start, end)`` merges what every source says, per user, in registration order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping

WorkloadFn = Callable[[list[int], dt.date, dt.date], Mapping[int, Mapping[str, float | int]]]
_sources: list[WorkloadFn] = []
_labels: dict[str, object] = {}  # figure key → its (lazy) label, in the order first registered


def register_workload_source(fn: WorkloadFn, labels: Mapping[str, object] | None = None) -> WorkloadFn:
    """Add a source (idempotent) and the labels of the figures it gives."""
    if fn not in _sources:
        _sources.append(fn)
    for key, label in (labels or {}).items():
        _labels.setdefault(key, label)
    return fn


def unregister_workload_source(fn: WorkloadFn, labels: Iterable[str] = ()) -> None:
    """Take a source and its figures' labels out again (a test's own source, say)."""
    if fn in _sources:
        _sources.remove(fn)
    for key in labels:
        _labels.pop(key, None)


def labels() -> dict[str, object]:
    """Figure key → label, in registration order (the columns of the workload table)."""
    return dict(_labels)


def workload(user_ids: Iterable[int], start: dt.date, end: dt.date) -> dict[int, dict[str, float | int]]:
    ids = list(user_ids)
    out: dict[int, dict[str, float | int]] = {uid: {} for uid in ids}
    for fn in list(_sources):
        for uid, figures in fn(ids, start, end).items():
            if uid in out:
                out[uid].update(figures)
    return out
