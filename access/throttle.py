"""Login throttling (登录限速) — slow a password-guesser down without locking a teacher out for good (issue 8;
OWASP ASVS V2.2.1, NIST SP 800-63B §5.2.2).

Failures are counted per username and per client address in the shared cache (Redis in production, so every
web machine sees the same counts). The first ``FREE`` failures cost nothing; after that each further attempt
must wait ``BASE · 2^(extra-1)`` seconds from the last failure, capped at ``CAP`` — never a permanent lock, and a
correct password after the wait logs in and clears the username's count. The counts expire ``WINDOW`` seconds
after the last failure. Per address the allowance is larger (a school's computer room shares one address).

The same arithmetic serves other guessable secrets under their own *scope* (``wait_for`` / ``fail`` /
``forget``): the 24-hour message platform's anonymous private codes (scope ``"message-code"``, settings
``XINYU_CODE_THROTTLE``; counseling.centre.services) count failures per client address, per signed-in account and
per bucket of the code space (the code's first two characters), so a guesser is slowed however they spread
their guesses, and a correct code after the wait works.
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


# Per scope: the settings name and the default rule of each kind of key.
SCOPES: dict[str, tuple[str, dict[str, dict]]] = {
    "login": (
        "XINYU_LOGIN_THROTTLE",
        {
            "user": {"free": 5, "base": 30, "cap": 900, "window": 3600},
            "addr": {"free": 50, "base": 30, "cap": 900, "window": 3600},
        },
    ),
    # 24-hour messages: reading a reply with an anonymous private code (R4.2).
    "message-code": (
        "XINYU_CODE_THROTTLE",
        {
            "account": {"free": 5, "base": 30, "cap": 900, "window": 3600},
            "addr": {"free": 20, "base": 30, "cap": 900, "window": 3600},
            "bucket": {"free": 10, "base": 30, "cap": 900, "window": 3600},
        },
    ),
    # Searching students (issue 19 finding 3): every search with a query is one use, per account; a person
    # looking for a few students never notices, a script trying numbers is slowed.
    "student-search": (
        "XINYU_SEARCH_THROTTLE",
        {"user": {"free": 60, "base": 30, "cap": 900, "window": 600}},
    ),
}


def _rules(scope: str = "login") -> dict[str, Rule]:
    setting, defaults = SCOPES[scope]
    conf = getattr(settings, setting, {})
    return {kind: Rule(**{**rule, **conf.get(kind, {})}) for kind, rule in defaults.items()}


def _key(kind: str, value: str, scope: str = "login") -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"xinyu:{scope}-fail:{kind}:{digest}"


def _wait(state: dict | None, rule: Rule, now: float) -> float:
    if not state or state["n"] < rule.free:
        return 0.0
    extra = state["n"] - rule.free + 1
    delay = min(rule.base * 2 ** (extra - 1), rule.cap)
    return max(0.0, state["last"] + delay - now)


# Kinds of key that strangers share (a bucket of a code space): their count slows only a client that has failed
# itself (issue 19 finding 7), so wrong guesses from other accounts never lock out the holder of the right code.
SHARED_KINDS = frozenset({"bucket"})


def wait_for(scope: str, keys: dict[str, str | None], now: float | None = None) -> int:
    """How long (whole seconds, rounded up) before a client with these ``keys`` ({kind: value}; empty values
    are skipped) may try again in ``scope``; 0 = now. The longest of the waits. A shared kind (``SHARED_KINDS``)
    counts only when one of the client's own keys has a failure: a guesser who spreads guesses over accounts and
    addresses is slowed from their second guess, while a client who has not failed is never kept waiting by
    what others did."""
    now = time.time() if now is None else now
    rules = _rules(scope)
    states = {kind: cache.get(_key(kind, value, scope)) for kind, value in keys.items() if value}
    own_failed = any(state and state["n"] for kind, state in states.items() if kind not in SHARED_KINDS)
    w = max(
        (
            _wait(state, rules[kind], now)
            for kind, state in states.items()
            if kind not in SHARED_KINDS or own_failed
        ),
        default=0.0,
    )
    return int(w) + (1 if w > int(w) else 0)


def fail(scope: str, keys: dict[str, str | None], now: float | None = None) -> None:
    """Count one failure against each of ``keys`` ({kind: value}; empty values are skipped)."""
    now = time.time() if now is None else now
    rules = _rules(scope)
    for kind, value in keys.items():
        if not value:
            continue
        key = _key(kind, value, scope)
        state = cache.get(key) or {"n": 0, "last": now}
        cache.set(key, {"n": state["n"] + 1, "last": now}, timeout=int(rules[kind].window))


def spend(scope: str, keys: dict[str, str | None], now: float | None = None) -> int:
    """For scopes that limit use rather than failures (a search): the wait before this use may go (0 = go now,
    and the use is counted); while a wait runs nothing is counted."""
    wait = wait_for(scope, keys, now)
    if not wait:
        fail(scope, keys, now)
    return wait


def forget(scope: str, kind: str, value: str) -> None:
    """Clear one key's count (a success)."""
    cache.delete(_key(kind, value, scope))


# --- Logins (the first scope; the names the login backend and its tests use) ------------------------------------


def wait_seconds(username: str, address: str | None, now: float | None = None) -> int:
    """How long (whole seconds, rounded up) before this username may try again from this address; 0 = now."""
    return wait_for("login", {"user": username, "addr": address}, now)


def register_failure(username: str, address: str | None, now: float | None = None) -> None:
    fail("login", {"user": username, "addr": address}, now)


def register_success(username: str) -> None:
    forget("login", "user", username)
