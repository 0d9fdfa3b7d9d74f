"""Background work of supervision (Celery, queue "bulk"; eager in the embedded default)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="supervision.rollup_incremental")
def rollup_incremental() -> int:
    """Celery beat, every few minutes: recompute the schools and districts marked dirty (R-7.2)."""
    from supervision.indicators.rollup import run_incremental

    run = run_incremental()
    return run.values if run else 0


@shared_task(name="supervision.rollup_full")
def rollup_full() -> int:
    """Celery beat, nightly: every indicator for the open periods, catching bulk writes that bypass signals."""
    from supervision.indicators.periods import open_periods
    from supervision.indicators.rollup import run_full

    return run_full(open_periods()).values
