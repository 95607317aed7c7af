"""The clock the outbox reads: :func:`yunying.core.clock.now` unless a caller (a test, a benchmark) passes
its own — the rate limiter and the retry backoff never wait real time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from yunying.core import clock as company_clock

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return company_clock.now()


class ManualClock:
    """A clock that moves only when told (tests and benchmarks)."""

    def __init__(self, start: dt.datetime):
        self.moment = start

    def __call__(self) -> dt.datetime:
        return self.moment

    def advance(self, seconds: float) -> dt.datetime:
        self.moment += dt.timedelta(seconds=seconds)
        return self.moment
