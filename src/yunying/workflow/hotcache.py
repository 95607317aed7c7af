"""Per-process memos of small, rarely changed tables the hot path reads at every action or inbox
request (policy settings, who delegates at all, a person's seats and groups, a position's holders,
deployed versions, published start forms, units by code, 采购部's staff), invalidated on change.

Each memo is kept with the generation it was read at. A change (``post_save``/``post_delete`` of the
rows concerned, connected in ``apps.py``) bumps one generation number in Django's cache — Redis when
``REDIS_URL`` is set, so every web process and worker sees it within ``GENERATION_SECONDS`` (the number
is read once per that time, not at every memo: an approval reads a dozen memos) — and drops this
process's memos at once. Without Redis (the local-memory cache) other processes notice at the latest
after ``TTL`` seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache import cache

if TYPE_CHECKING:
    from yunying.org.scope import Scope

T = TypeVar("T")
TTL = 30.0
GENERATION_SECONDS = 1.0
MAX_ENTRIES = 20_000
_KEY = "yunying:workflow:hot-generation"
_LOCK = threading.Lock()
_MEMO: dict[str, tuple[Any, float, Any]] = {}
_SEEN: list[Any] = [None, 0.0]  # the generation last read from the cache, and until when it holds


def _generation() -> Any:
    now = time.monotonic()
    with _LOCK:
        if _SEEN[1] > now:
            return _SEEN[0]
    try:
        generation = cache.get(_KEY, 0)
    except Exception:  # a cache outage must not stop approvals: read the database
        return None
    with _LOCK:
        _SEEN[:] = [generation, now + GENERATION_SECONDS]
    return generation


def memo(name: str, load: Callable[[], T]) -> T:
    """``load()``'s value, read once per generation (and at most ``TTL`` seconds old)."""
    gen = _generation()
    now = time.monotonic()
    with _LOCK:
        if len(_MEMO) > MAX_ENTRIES:  # per-person entries (seats, groups): bounded memory
            _MEMO.clear()
        hit = _MEMO.get(name)
    if gen is not None and hit is not None and hit[0] == gen and hit[1] > now:
        return hit[2]  # type: ignore[no-any-return]
    value = load()
    if gen is not None:
        with _LOCK:
            _MEMO[name] = (gen, now + TTL, value)
    return value


def bump(*_args: Any, **_kwargs: Any) -> None:
    """Something the memos hold changed (a signal receiver)."""
    clear()
    try:
        try:
            cache.incr(_KEY)
        except ValueError:
            cache.set(_KEY, 1, None)
    except Exception:  # without the cache, the TTL bounds how stale others are
        pass


def bump_user(*_args: Any, update_fields: Any = None, **_kwargs: Any) -> None:
    """A user changed (a signal receiver): a login's own save (``last_login`` only) changes nothing
    the memos hold."""
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump()


def clear() -> None:
    """Drop this process's memos (tests start each from their own database)."""
    with _LOCK:
        _MEMO.clear()
        _SEEN[:] = [None, 0.0]


def scope_memoised(user: Any) -> Scope:
    """The user's scope (``yunying.org.scope``), memoised per process across requests until an
    appointment, position, unit or user changes; kept on the user object too, like ``scope_for``."""
    from yunying.org.scope import scope_compute, scope_for, scope_prime

    if not user.pk:
        return scope_for(user)
    return scope_prime(user, lambda u: memo(f"scope:{u.pk}", lambda: scope_compute(u)))
