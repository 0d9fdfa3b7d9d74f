"""Marking what changed (R-7.2 incremental rollups): a save or delete of a watched model marks the schools (or
districts) whose figures it can change; the incremental rollup recomputes just those. Bulk writes that bypass
signals (queryset.update, bulk_create) are caught by the nightly full rollup, or by calling :func:`mark`."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable

from django.apps import apps
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from supervision.indicators import compute
from supervision.indicators.models import DirtyNode

_watches: dict[type, list[Callable]] = {}


def mark(node_ids: Iterable[int]) -> None:
    """Mark nodes dirty (one upsert; a node marked again gets a fresh time so a running rollup keeps it)."""
    ids = {i for i in node_ids if i}
    if not ids:
        return
    now = timezone.now()
    DirtyNode.objects.bulk_create(
        [DirtyNode(node_id=i, marked_at=now) for i in ids],
        update_conflicts=True,
        unique_fields=["node"],
        update_fields=["marked_at"],
    )


def _on_change(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    ids: set[int] = set()
    for fn in _watches.get(sender, ()):
        ids.update(fn(instance))
    mark(ids)


def compute_modules() -> list:
    return [
        importlib.import_module(f"supervision.indicators.compute.{m.name}")
        for m in pkgutil.iter_modules(compute.__path__)
        if not m.name.startswith("_")
    ]


def connect_watchers() -> None:
    """Connect every compute module's ``WATCHES`` (called once from the app's ``ready()``)."""
    if _watches:
        return
    for module in compute_modules():
        for label, fn in getattr(module, "WATCHES", {}).items():
            model = apps.get_model(label)
            _watches.setdefault(model, []).append(fn)
    for model in _watches:
        post_save.connect(
            _on_change, sender=model, dispatch_uid=f"supervision-dirty-save-{model._meta.label}"
        )
        post_delete.connect(
            _on_change, sender=model, dispatch_uid=f"supervision-dirty-del-{model._meta.label}"
        )
