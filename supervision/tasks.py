"""Celery's ``autodiscover_tasks`` imports ``supervision.tasks``: the sub-domains' tasks, re-exported so they are
registered at start-up (names unchanged: ``supervision.rollup_incremental``, ``supervision.rollup_full``)."""

from supervision.indicators.tasks import rollup_full, rollup_incremental  # noqa: F401
