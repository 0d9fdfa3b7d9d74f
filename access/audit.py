"""Writing and verifying the audit trail (DESIGN.md: every view of T2+ data and every change is recorded;
the foundation issue: every view of a student's T1+ data writes one event)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from access.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(e: AuditEvent) -> bytes:
    body = {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
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
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(prev_hash: str, e: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"|" + _canonical(e)).hexdigest()


def client_address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    """Append one event to the chain. Runs in its own atomic block (joins an outer transaction)."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_label=getattr(actor, "username", "") if actor_id else "",
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            student_id=student_id,
            address=client_address(request),
            reason=reason[:500],
            detail=detail or {},
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
    prev_hash, expected_seq = GENESIS, 1
    last_seq = 0
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
            if chain_hash(e.prev_hash, e) != e.hash:
                yield Break(e.seq, "content does not match its hash (row changed)")
            prev_hash, expected_seq, last_seq = e.hash, e.seq + 1, e.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head and (head.seq != last_seq or head.hash != prev_hash):
        yield Break(
            last_seq, f"chain ends at #{last_seq} but the head says #{head.seq} (rows removed at the end?)"
        )
