"""审计链外部锚点 — the audit chain's head, written down outside the database (issue 19 finding 10, build 7).

The hash chain (access.audit) catches a changed, inserted or deleted row, but not an attacker who cuts the newest
events off the end and rewrites the head row to match what is left: the chain is then whole, only shorter. So
every few minutes (Celery beat, ``access.audit_checkpoint``) the head's ``seq`` and ``hash`` are signed (HMAC-SHA256
with ``XINYU_AUDIT_CHECKPOINT_KEY``, a secret the database does not hold) and

- appended as one JSON line to ``XINYU_AUDIT_CHECKPOINT_FILE`` (opened append-only; make it ``chattr +a`` on the
  server, deploy/), and
- logged to the ``xinyu.audit.checkpoint`` logger, which deploy/ routes to syslog and from there to the
  external collector (``XINYU_AUDIT_SYSLOG``).

``audit_verify`` then checks the chain against the latest checkpoint whose signature holds: the event at the
checkpoint's ``seq`` must still be there with the same hash (or lie before a purge anchor), so truncating the
tail or rewriting anything up to the checkpoint is caught. Events newer than the latest checkpoint are protected
by the chain only: the window is the checkpoint interval. A line whose signature does not hold is itself reported.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

log = logging.getLogger("xinyu.audit.checkpoint")


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    sig: str


def path() -> Path:
    return Path(settings.XINYU_AUDIT_CHECKPOINT_FILE)


def _sign(seq: int, digest: str, at: str) -> str:
    key = settings.XINYU_AUDIT_CHECKPOINT_KEY or settings.SECRET_KEY
    return salted_hmac(
        "xinyu.audit.checkpoint", f"{seq}|{digest}|{at}", secret=key, algorithm="sha256"
    ).hexdigest()


def read(file: Path | None = None) -> tuple[list[Checkpoint], list[int]]:
    """The checkpoints of the file whose signature holds, in order, and the line numbers of those that do not."""
    file = file or path()
    good: list[Checkpoint] = []
    bad: list[int] = []
    if not file.exists():
        return good, bad
    with file.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                d = json.loads(line)
                cp = Checkpoint(int(d["seq"]), str(d["hash"]), str(d["at"]), str(d["sig"]))
            except (ValueError, KeyError, TypeError):
                bad.append(n)
                continue
            if hmac.compare_digest(cp.sig, _sign(cp.seq, cp.hash, cp.at)):
                good.append(cp)
            else:
                bad.append(n)
    return good, bad


def write(now=None) -> Checkpoint | None:
    """Sign the chain's head and append it (file and log). Nothing when the head has not moved since the last
    checkpoint. Returns the new checkpoint or None."""
    from access import audit

    seq, digest = audit.head()
    good, _bad = read()
    if seq == 0 or (good and good[-1].seq >= seq):
        return None
    at = (now or timezone.now()).isoformat()
    cp = Checkpoint(seq, digest, at, _sign(seq, digest, at))
    line = json.dumps(cp.__dict__, ensure_ascii=False) + "\n"
    file = path()
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    log.info("audit checkpoint %s", line.strip())
    return cp


def check(anchor_seq: int) -> Iterator[tuple[int, str]]:
    """(seq, problem) for each way the chain disagrees with the checkpoints: a line that is not signed right, or
    the latest good checkpoint's event missing or changed (rows removed at the end, head rewritten)."""
    from access.models import AuditEvent

    good, bad = read()
    for n in bad:
        yield 0, f"checkpoint line {n} of {path().name} is not signed with the checkpoint key (forged?)"
    if not good:
        return
    cp = good[-1]
    if cp.seq <= anchor_seq:
        return  # purged since; the purge anchor is attested in the chain itself
    event = AuditEvent.objects.filter(seq=cp.seq).only("hash").first()
    if event is None:
        yield (
            cp.seq,
            f"the checkpoint of {cp.at} recorded event #{cp.seq}, which is gone (rows removed at the end?)",
        )
    elif not hmac.compare_digest(event.hash, cp.hash):
        yield cp.seq, f"event #{cp.seq} differs from the checkpoint of {cp.at} (chain rewritten?)"
