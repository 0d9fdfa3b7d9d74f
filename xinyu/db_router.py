"""Read replica (只读副本) for dashboard and report reads; everything else on the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a ``"replica"`` database and this router. A read goes to the
replica only inside ``use_replica()`` — a context manager and view decorator marking a *dashboard read*:
aggregate pages that tolerate a few seconds of replication lag (screening coverage and results, their Excel
exports; supervision's dashboards later). Everything else — writes, the audit trail, policy lookups of ordinary
pages, anything inside a transaction on the primary — reads the primary, so a user always sees their own write.
Without a replica configured, ``use_replica()`` changes nothing.
"""

from __future__ import annotations

import contextvars
from contextlib import ContextDecorator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_dashboard_read: contextvars.ContextVar[bool] = contextvars.ContextVar("xinyu_dashboard_read", default=False)


class use_replica(ContextDecorator):  # noqa: N801 — used like a function: ``with use_replica():``
    """Mark the reads inside as dashboard reads (may come from the replica)."""

    def _recreate_cm(self):
        return type(self)()  # one instance per call: a decorated view runs in many threads at once

    def __enter__(self):
        self._token = _dashboard_read.set(True)
        return self

    def __exit__(self, *exc):
        _dashboard_read.reset(self._token)
        return False


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if (
            _dashboard_read.get()
            and replica_configured()
            and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: objects from either may be related

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary by streaming replication
