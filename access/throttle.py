"""Login throttling (登录限速) — slow a password-guesser down without locking a teacher out for good (issue 8;
OWASP ASVS V2.2.1, NIST SP 800-63B §5.2.2).

Failures are counted per username and per client address in the shared cache (Redis in production, so every
web machine sees the same counts). The first ``FREE`` failures cost nothing; after that each further attempt
must wait ``BASE · 2^(extra-1)`` seconds from the last failure, capped at ``CAP`` — never a permanent lock, and a
correct password after the wait logs in and clears the username's count. The counts expire ``WINDOW`` seconds
after the last failure. Per address the allowance is larger (a school's computer room shares one address).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Rule:
    free: int  # failures allowed before any wait
    base: float  # seconds of the first wait
    cap: float  # the longest wait
    window: float  # seconds after the last failure when the count is forgotten


def _rules() -> dict[str, Rule]:
    conf = getattr(settings, "XINYU_LOGIN_THROTTLE", {})
    return {
        "user": Rule(**{"free": 5, "base": 30, "cap": 900, "window": 3600, **conf.get("user", {})}),
        "addr": Rule(**{"free": 50, "base": 30, "cap": 900, "window": 3600, **conf.get("addr", {})}),
    }


def _key(kind: str, value: str) -> str:
    return "xinyu:login-fail:" + kind + ":" + hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _wait(state: dict | None, rule: Rule, now: float) -> float:
    if not state or state["n"] < rule.free:
        return 0.0
    extra = state["n"] - rule.free + 1
    delay = min(rule.base * 2 ** (extra - 1), rule.cap)
    return max(0.0, state["last"] + delay - now)


def wait_seconds(username: str, address: str | None, now: float | None = None) -> int:
    """How long (whole seconds, rounded up) before this username may try again from this address; 0 = now."""
    now = time.time() if now is None else now
    rules = _rules()
    waits = [_wait(cache.get(_key("user", username)), rules["user"], now)]
    if address:
        waits.append(_wait(cache.get(_key("addr", address)), rules["addr"], now))
    w = max(waits)
    return int(w) + (1 if w > int(w) else 0)


def register_failure(username: str, address: str | None, now: float | None = None) -> None:
    now = time.time() if now is None else now
    rules = _rules()
    for kind, value in (("user", username), ("addr", address)):
        if not value:
            continue
        key = _key(kind, value)
        state = cache.get(key) or {"n": 0, "last": now}
        state = {"n": state["n"] + 1, "last": now}
        cache.set(key, state, timeout=int(rules[kind].window))


def register_success(username: str) -> None:
    cache.delete(_key("user", username))
