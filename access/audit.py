"""Writing and verifying the audit trail (DESIGN.md: every view of T2+ data and every change is recorded;
the foundation issue: every view of a student's T1+ data writes one event)."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import ipaddress
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access.models import AuditAnchor, AuditEvent, AuditHead

GENESIS = "0" * 64
ACTION_MAX = AuditEvent._meta.get_field("action").max_length


def _number(value: int | float) -> str:
    """A number as the database gives it back: PostgreSQL's jsonb returns 1e20 as 100000000000000000000 and
    SQLite returns it as 1e+20, so both are written as the plain decimal they equal."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("audit detail cannot hold NaN or infinity")
    d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    ctx = Context(prec=max(60, len(str(d))))
    text = format(d.normalize(ctx), "f")
    return "0" if text in {"-0", "0"} else text


def _canon(value: Any) -> str:
    """Canonical text of a JSON value: sorted keys, no spaces, numbers as plain decimals, strings as JSON."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted((str(k), v) for k, v in value.items())
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_canon(v)}" for k, v in items) + "}"
    raise TypeError(f"audit: {type(value).__name__} is not a JSON value")


def _canonical(e: AuditEvent) -> bytes:
    body = {
        "seq": e.seq,
        # The same instant whatever zone the backend hands back; microseconds kept (both backends store them).
        "at": e.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": e.actor_id,
        "actor_label": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "student": e.student_id,
        "address": e.address,
        "reason": e.reason,
        "detail": e.detail,
    }
    return _canon(body).encode()


SHA256, SM3 = "sha256", "sm3"


def _sm3_hex(data: bytes) -> str:
    from cryptography.hazmat.primitives import hashes

    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize().hex()


def algorithm_of(hash_value: str) -> str:
    """Which hash made a link: SM3 links carry the prefix ``sm3:``; SHA-256 links are bare hex (as always)."""
    return SM3 if hash_value.startswith("sm3:") else SHA256


def chain_hash(prev_hash: str, e: AuditEvent, algorithm: str | None = None) -> str:
    """The link of ``e``: SHA-256 (default) or SM3 (GB/T 32905, for 国密 deployments: settings.XINYU_AUDIT_HASH)
    over the previous link and the row's canonical content. Each link names its algorithm, so a chain that
    switches from SHA-256 to SM3 still verifies end to end."""
    algorithm = algorithm or getattr(settings, "XINYU_AUDIT_HASH", SHA256)
    data = prev_hash.encode() + b"|" + _canonical(e)
    if algorithm == SM3:
        return "sm3:" + _sm3_hex(data)
    if algorithm != SHA256:
        raise ValueError(f"unknown audit hash {algorithm!r}: use {SHA256!r} or {SM3!r}")
    return hashlib.sha256(data).hexdigest()


def _clean_detail(detail: dict | None) -> dict:
    """The detail as it will read back: keys as strings, tuples as lists, only JSON types (raises otherwise)."""
    if not detail:
        return {}
    cleaned = json.loads(json.dumps(detail, ensure_ascii=False, allow_nan=False))
    _canon(cleaned)
    return cleaned


def _clean_address(address: str | None) -> str | None:
    """The address in the form both backends return (PostgreSQL's inet compresses IPv6); junk becomes None."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0].strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return _clean_address(request.META.get("REMOTE_ADDR"))


# Set while a request runs (access.middleware.DeniedAuditMiddleware): whether a refusal of this request has been
# recorded already — by a view, a policy helper or the middleware — so each refusal is on the trail once.
REFUSAL_RECORDED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "xinyu_refusal_recorded", default=False
)


def _is_refusal(action: str) -> bool:
    return action == "access.denied" or action.endswith("refused") or action.endswith("_denied")


def record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    student_id: int | None = None,
    request: HttpRequest | None = None,
    reason: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in its own transaction, or joins the caller's without a savepoint
    (two fewer statements; an error here fails the caller's transaction, as a missing audit event must)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    if not action or len(action) > ACTION_MAX:
        raise ValueError(f"audit action must be 1–{ACTION_MAX} characters: {action!r}")
    clean_detail = _clean_detail(detail)
    if _is_refusal(action):
        REFUSAL_RECORDED.set(True)
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=(getattr(actor, "username", "") if actor_id else "")[:150],
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            # An object may name itself otherwise (an anonymous message: a random reference, issue 19).
            object_id=str(getattr(obj, "audit_object_id", obj.pk)) if obj is not None else "",
            student_id=student_id,
            address=client_address(request),
            reason=reason[:500],
            detail=clean_detail,
            prev_hash=head.hash,
        )
        event.hash = chain_hash(head.hash, event)
        event.save(force_insert=True)
        head.seq, head.hash = event.seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass
class Break:
    seq: int
    problem: str


def verify(batch: int = 5000) -> Iterator[Break]:
    """Walk the chain in order and yield every place it is broken: a changed row (its hash does not match its
    content), an inserted or deleted row (a gap in ``seq`` or a ``prev_hash`` that does not match)."""
    anchor_seq, anchor_hash = anchor()
    prev_hash, expected_seq = anchor_hash, anchor_seq + 1
    last_seq = anchor_seq
    yield from _check_anchor(anchor_seq, anchor_hash)
    qs = AuditEvent.objects.order_by("seq")
    while True:
        rows = list(qs.filter(seq__gt=last_seq)[:batch])
        if not rows:
            break
        for e in rows:
            if e.seq != expected_seq:
                yield Break(e.seq, f"sequence gap: expected #{expected_seq}, found #{e.seq} (row deleted?)")
            if e.prev_hash != prev_hash:
                yield Break(e.seq, "previous-hash link broken (row inserted or deleted before it)")
            if chain_hash(e.prev_hash, e, algorithm_of(e.hash)) != e.hash:
                yield Break(e.seq, "content does not match its hash (row changed)")
            prev_hash, expected_seq, last_seq = e.hash, e.seq + 1, e.seq
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head is None and last_seq:
        yield Break(last_seq, "the chain's head row is missing")
    elif head_seq > last_seq:
        yield Break(
            last_seq, f"chain ends at #{last_seq} but the head says #{head_seq} (rows removed at the end)"
        )
    elif head_seq < last_seq:
        yield Break(
            head_seq + 1, f"rows #{head_seq + 1}–#{last_seq} lie beyond the head (rows forged at the end)"
        )
    elif head_hash != prev_hash:
        yield Break(last_seq, "the last row's hash differs from the head's (last row replaced)")
    # … and against the head written down outside the database (access.checkpoint, issue 19 finding 10).
    from access import checkpoint

    for seq, problem in checkpoint.check(anchor_seq):
        yield Break(seq, problem)


def anchor() -> tuple[int, str]:
    """(seq, hash) where the chain starts: the last purged event's, or (0, genesis) if nothing was purged."""
    a = AuditAnchor.objects.filter(pk=1).first()
    return (a.seq, a.hash) if a else (0, GENESIS)


PURGE_ACTION = "audit.purge"


def _check_anchor(anchor_seq: int, anchor_hash: str) -> Iterator[Break]:
    """A purge anchor must be attested by the chain itself: an ``audit.purge`` event after it naming the same
    seq and hash. Rows at or before the anchor must be gone."""
    if anchor_seq == 0:
        return
    attested = AuditEvent.objects.filter(
        action=PURGE_ACTION, seq__gt=anchor_seq, detail__through_seq=anchor_seq
    ).values_list("detail", flat=True)
    if not any(d.get("through_hash") == anchor_hash for d in attested):
        yield Break(anchor_seq, "the purge anchor is not attested by an audit.purge event (anchor forged?)")
    left = AuditEvent.objects.filter(seq__lte=anchor_seq).count()
    if left:
        yield Break(anchor_seq, f"{left} event(s) at or before the purge anchor are still there")


MIN_RETENTION_DAYS = 183  # six months; the system check access.E004 refuses a shorter setting


def retention_days() -> int:
    """Days every audit event is kept: the setting, never under six months whatever it says."""
    return max(int(getattr(settings, "XINYU_AUDIT_RETENTION_DAYS", 365)), MIN_RETENTION_DAYS)


def earliest_purge_date(today: dt.date | None = None) -> dt.date:
    """The latest ``--before`` date a purge may use: events of the last ``XINYU_AUDIT_RETENTION_DAYS`` stay."""
    return (today or timezone.localdate()) - dt.timedelta(days=retention_days())


@dataclass
class PurgePlan:
    before: dt.date
    count: int  # events that go
    through_seq: int  # the last event that goes (0: none)
    through_hash: str


def plan_purge(before: dt.date) -> PurgePlan:
    """What ``purge(before)`` would remove: the events recorded before ``before`` (local midnight). Refuses a
    date inside the retention period (R5.3; 等保 level 3: audit records kept at least six months)."""
    latest = earliest_purge_date()
    if before > latest:
        raise ValueError(
            f"审计记录须保留 {retention_days()} 天：只能清除 {latest.isoformat()} 之前的记录"
            f"（不能清除 {before.isoformat()} 之前的）。"
        )
    cutoff = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
    last = AuditEvent.objects.filter(at__lt=cutoff).order_by("-seq").values_list("seq", "hash").first()
    if last is None:
        return PurgePlan(before, 0, 0, "")
    # The chain is cut at a seq: every event up to the last old one goes (seq order is time order).
    count = AuditEvent.objects.filter(seq__lte=last[0], seq__gt=anchor()[0]).count()
    return PurgePlan(before, count, last[0], last[1])


def purge(before: dt.date, actor: Any = None) -> PurgePlan:
    """Delete the events recorded before ``before`` and move the chain's anchor to the last of them, so
    ``audit_verify`` still passes; record an ``audit.purge`` event that names the new anchor."""
    with transaction.atomic():
        AuditHead.objects.select_for_update().get_or_create(pk=1)  # no event is written meanwhile
        plan = plan_purge(before)
        if not plan.count:
            return plan
        from django.db import connection

        if connection.vendor == "postgresql":
            # The append-only trigger lets this transaction, and only it, delete up to the anchor.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('xinyu.audit_purge_through', %s, true)", [str(plan.through_seq)]
                )
        AuditEvent.objects.filter(seq__lte=plan.through_seq).delete()
        AuditAnchor.objects.update_or_create(
            pk=1, defaults={"seq": plan.through_seq, "hash": plan.through_hash, "purged_at": timezone.now()}
        )
        record(
            actor=actor,
            action=PURGE_ACTION,
            detail={
                "before": before.isoformat(),
                "count": plan.count,
                "through_seq": plan.through_seq,
                "through_hash": plan.through_hash,
                "retention_days": retention_days(),
            },
        )
    return plan


def as_json(e: AuditEvent) -> dict:
    """One event as a JSON object for an external log system (the auditor's export, ``audit_export``): its
    metadata and its two chain links, so the receiver can check the chain itself."""
    return {
        "seq": e.seq,
        "at": e.at.isoformat(),
        "actor_id": e.actor_id,
        "actor": e.actor_label,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "student_id": e.student_id,
        "address": e.address,
        "reason": e.reason,
        "detail": e.detail,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def head() -> tuple[int, str]:
    """(seq, hash) of the chain's head: write it down off-site to catch a wholesale rewrite of the chain."""
    h = AuditHead.objects.filter(pk=1).first()
    return (h.seq, h.hash) if h else (0, GENESIS)
