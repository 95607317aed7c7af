"""A sliding-window rate limit per robot, computed from the moments of its recent sends (seconds since the
epoch, kept on the robot row and updated under its lock). Pure functions: the caller passes the clock."""

from __future__ import annotations

WINDOW_SECONDS = 60.0


def window_prune(recent: list[float], now: float) -> list[float]:
    """The sends still inside the window ending at ``now``."""
    return sorted(t for t in recent if now - WINDOW_SECONDS < t <= now)


def next_free(recent: list[float], now: float, per_minute: int) -> float | None:
    """None when a message may go out at ``now``; otherwise the moment a slot frees up."""
    inside = window_prune(recent, now)
    if per_minute <= 0 or len(inside) < per_minute:
        return None
    return inside[len(inside) - per_minute] + WINDOW_SECONDS
