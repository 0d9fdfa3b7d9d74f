"""保存期限 — the retention schedule and the purge (issue 8 item 6; PIPL Art. 19, 47; docs/privacy.md).

``settings.XINYU_RETENTION`` is the schedule: category → ``{"years": N}`` or ``{"days": N}`` counted from
``"after": "leaving"`` (the day the student's last enrollment ended, for a student with no active enrollment) or
``"after": "creation"`` (the row's own date). Each app registers what a category means for its tables in
``AppConfig.ready()`` with :func:`register` — ``access`` imports no app. ``manage.py purge [--dry-run]`` applies it.

A category either deletes its rows or anonymises them (clears the free text, unlinks the student) where the
row still counts in an aggregate (a session in a counselor's workload). The audit trail is never a category: it
has its own retention (``XINYU_AUDIT_RETENTION_DAYS``, docs/access.md), and the purge writes to it, one event per
category with the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Max, Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from org.models import EnrollmentStatus, Student

DELETE, ANONYMISE = "delete", "anonymise"
LEAVING, CREATION = "leaving", "creation"


@dataclass(frozen=True)
class Category:
    """One kind of record with a retention period. ``rows(cutoff)`` gives the rows past it: for ``LEAVING``
    ``cutoff`` is a date (students who left before it), for ``CREATION`` an aware datetime. For ``ANONYMISE``,
    ``clear`` names the fields set to their cleared value and ``done(row)`` tells a row already anonymised (the
    encrypted free text cannot be filtered in SQL, so the check reads it)."""

    name: str
    label: str
    basis: str
    action: str
    rows: Callable[[dt.date | dt.datetime], QuerySet]
    clear: dict | None = None
    done: Callable[[Model], bool] | None = None


_registry: dict[str, Category] = {}


def register(category: Category) -> None:
    _registry[category.name] = category


def categories() -> list[Category]:
    return [_registry[n] for n in sorted(_registry)]


def schedule() -> dict[str, dict]:
    return dict(getattr(settings, "XINYU_RETENTION", {}))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def students_left_before(day: dt.date) -> QuerySet[Student]:
    """Students without an active enrollment whose last enrollment ended before ``day`` (the end of its school
    year when no end date was recorded). A student who came back has an active enrollment and is not here."""
    return (
        Student.objects.exclude(enrollments__status=EnrollmentStatus.ACTIVE)
        .annotate(left_on=Max(Coalesce("enrollments__ended_on", "enrollments__school_year__ends_on")))
        .filter(left_on__lt=day)
    )


def cutoff_for(category: Category, now: dt.datetime | None = None) -> dt.date | dt.datetime | None:
    """Rows before this are past their period: a date (students who left before it) or an aware datetime (rows
    created before it). None when the schedule does not name the category: it is never purged."""
    rule = schedule().get(category.name)
    if not rule:
        return None
    if rule.get("after", category.basis) != category.basis:
        raise ImproperlyConfigured(
            f"XINYU_RETENTION[{category.name!r}]: counted after {category.basis}, not {rule['after']}"
        )
    now = now or timezone.now()
    years, days = int(rule.get("years", 0)), int(rule.get("days", 0))
    if category.basis == LEAVING:
        return _years_before(timezone.localdate(now), years) - dt.timedelta(days=days)
    local = timezone.localtime(now)
    day = _years_before(local.date(), years)
    return local.replace(year=day.year, month=day.month, day=day.day) - dt.timedelta(days=days)


@dataclass
class Outcome:
    category: str
    action: str
    rows: int
    cutoff: str


def _purge_one(category: Category, qs: QuerySet, *, dry_run: bool, batch: int) -> int:
    if category.action == DELETE:
        if dry_run:
            return qs.count()
        total = 0
        while pks := list(qs.order_by("pk").values_list("pk", flat=True)[:batch]):
            with transaction.atomic():
                total += qs.model.objects.filter(pk__in=pks).delete()[1].get(qs.model._meta.label, 0)
        return total
    # Anonymise: scan by pk; the rows already anonymised are skipped (their text reads empty).
    total, after = 0, 0
    while rows := list(qs.filter(pk__gt=after).order_by("pk").only("pk", *category.clear)[:batch]):
        after = rows[-1].pk
        pks = [r.pk for r in rows if not category.done(r)]
        if dry_run:
            total += len(pks)
        elif pks:
            with transaction.atomic():
                total += qs.model.objects.filter(pk__in=pks).update(**category.clear)
    return total


def run(
    *, dry_run: bool, batch: int = 500, names: Iterable[str] | None = None, now: dt.datetime | None = None
) -> list[Outcome]:
    """Apply the schedule. A dry run counts; a real run deletes or anonymises in batches of ``batch`` rows, each
    batch in its own transaction (a stopped run leaves whole batches done and the next run goes on: idempotent),
    then writes one audit event per category with its count. Audit entries are never touched."""
    from access import audit

    wanted = set(names) if names else None
    out = []
    for category in categories():
        if wanted is not None and category.name not in wanted:
            continue
        cutoff = cutoff_for(category, now)
        if cutoff is None:
            continue
        total = _purge_one(category, category.rows(cutoff), dry_run=dry_run, batch=batch)
        outcome = Outcome(category.name, category.action, total, cutoff.isoformat())
        out.append(outcome)
        if not dry_run:
            audit.record(
                actor=None,
                action="privacy.purge",
                detail={
                    "category": category.name,
                    "action": category.action,
                    "rows": total,
                    "cutoff": outcome.cutoff,
                },
            )
    return out


def left_before_q(day: dt.date, field: str = "student") -> Q:
    """A ``Q`` for rows whose ``field`` (a student FK) is a student who left before ``day``."""
    return Q(**{f"{field}__in": students_left_before(day).values("pk")})
