"""Freeze the clock at a moment of the company's day, on a server whose own time zone is chosen too.

The moments sit on both sides of the hours where the UTC date and the Shanghai date differ: at 00:30
Asia/Shanghai it is still the day before in UTC. Whatever the server's own zone, every answer must be the
company's day (:data:`COMPANY_DAY`)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine

UTC = dt.UTC
COMPANY_DAY = dt.date(2026, 12, 1)
MOMENTS = {
    "00:30": dt.datetime(2026, 11, 30, 16, 30, tzinfo=UTC),  # 2026-12-01 00:30 in Shanghai
    "23:30": dt.datetime(2026, 12, 1, 15, 30, tzinfo=UTC),  # 2026-12-01 23:30 in Shanghai
}
SERVER_ZONES = ("UTC", "Asia/Shanghai")
CASES = [
    pytest.param((moment, zone), id=f"{moment}-server-{zone}") for moment in MOMENTS for zone in SERVER_ZONES
]


@contextmanager
def server_zone(name: str) -> Iterator[None]:
    """Run as a process whose own time zone (``TZ``) is ``name``; the previous one is restored after."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@contextmanager
def frozen_at(instant: dt.datetime, server: str) -> Iterator[None]:
    """The clock stopped at ``instant`` (aware) in a process whose own zone is ``server``."""
    # A timestamp, not the aware datetime: time-machine would otherwise set the process zone to its tzinfo.
    with server_zone(server), time_machine.travel(instant.timestamp(), tick=False):
        yield


def _company_time(request: Any) -> Iterator[dt.datetime]:
    moment, zone = request.param
    with frozen_at(MOMENTS[moment], zone):
        yield MOMENTS[moment]


# A test module takes it with ``from yunying.core.tests.company_time import company_time`` and asks for the
# ``company_time`` argument: it runs once per moment × server zone, the clock frozen inside.
company_time = pytest.fixture(params=CASES, name="company_time")(_company_time)
