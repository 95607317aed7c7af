"""A sliding-window rate limit per robot (at most N messages in any 60 seconds), kept on the robot row as
per-second counts ``[[second, count], …]`` and updated under the row's lock. Pure functions: the caller
passes the moment (read from its injectable clock).

A send counted in second ``s`` may have happened anywhere in ``[s, s + 1)``, so it is taken to leave the
window only at ``s + 61``: the limit errs on the safe side by at most a second and never lets N + 1 through."""

from __future__ import annotations

WINDOW_SECONDS = 60

Buckets = list[list[int]]


def window_prune(buckets: Buckets, now: float) -> Buckets:
    """The per-second counts still inside the window at ``now``, oldest first."""
    return sorted([int(s), int(n)] for s, n in buckets if int(s) + WINDOW_SECONDS + 1 > now and n > 0)


def free_slots(buckets: Buckets, now: float, per_minute: int) -> int:
    """How many messages may go out at ``now``."""
    return max(per_minute - sum(n for _s, n in window_prune(buckets, now)), 0)


def next_free(buckets: Buckets, now: float, per_minute: int) -> float | None:
    """None when a message may go out at ``now``; otherwise the moment a slot frees up."""
    inside = window_prune(buckets, now)
    total = sum(n for _s, n in inside)
    if total < per_minute:
        return None
    for second, count in inside:
        total -= count
        if total < per_minute:
            return float(second + WINDOW_SECONDS + 1)
    return None  # pragma: no cover (the loop always frees a slot)


def record(buckets: Buckets, now: float, sends: int) -> Buckets:
    """The counts after ``sends`` messages at ``now``."""
    inside = window_prune(buckets, now)
    second = int(now)
    if inside and inside[-1][0] == second:
        inside[-1][1] += sends
    else:
        inside.append([second, sends])
    return inside
