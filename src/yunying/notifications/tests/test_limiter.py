"""The per-robot limit, as pure functions of an injected moment: never more than N in any 60 s."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.notifications.limiter import free_slots, next_free, record


@settings(max_examples=200, deadline=None)
@given(
    per_minute=st.integers(min_value=1, max_value=25),
    gaps=st.lists(st.floats(min_value=0, max_value=20, allow_nan=False), min_size=1, max_size=120),
)
def test_never_more_than_the_limit_in_any_minute(per_minute: int, gaps: list[float]) -> None:
    buckets: list[list[int]] = []
    now, sent = 1_700_000_000.0, []
    for gap in gaps:
        now += gap
        slots = free_slots(buckets, now, per_minute)
        if slots:
            buckets = record(buckets, now, 1)
            sent.append(now)
        else:
            wake = next_free(buckets, now, per_minute)
            assert wake is not None and wake > now
            assert free_slots(buckets, wake, per_minute) >= 1  # free at the moment it names
    for start in sent:
        assert sum(1 for t in sent if start <= t < start + 60) <= per_minute
    assert len(buckets) <= 62  # per-second counts: the row stays small


def test_a_burst_waits_for_the_window() -> None:
    buckets = record([], 100.5, 20)
    assert free_slots(buckets, 100.9, 20) == 0
    assert next_free(buckets, 130.0, 20) == 161.0  # the second 100 leaves the window at 161
    assert free_slots(buckets, 161.0, 20) == 20
