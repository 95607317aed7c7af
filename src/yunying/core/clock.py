"""The company's clock: the one place that says what moment and what calendar day it is.

Stored instants are UTC (``USE_TZ``). A *business day* — a delegation period, an authority row's effective
dates, an appointment, a sales date, "this month" — is a date in the company's time zone
(``YUNYING_TIME_ZONE``, Django's ``TIME_ZONE``), never the server's own date and never the UTC date.
Everything that asks "what day is it?" asks :func:`today`; everything that turns an instant into a business
day asks :func:`business_date`."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone


def company_zone() -> ZoneInfo:
    """The company's time zone (``YUNYING_TIME_ZONE``, default Asia/Shanghai)."""
    return ZoneInfo(settings.TIME_ZONE)


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA time zone called ``name`` (e.g. ``Asia/Urumqi``), or None when there is none by that name."""
    name = (name or "").strip()
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def offset() -> dt.timedelta:
    """How far the clock is moved ahead of the system's: ``YUNYING_CLOCK_OFFSET_SECONDS``, set only by
    tests that stop a worker process and move time past due moments before starting it again."""
    raw = os.environ.get("YUNYING_CLOCK_OFFSET_SECONDS")
    return dt.timedelta(seconds=float(raw)) if raw else dt.timedelta(0)


def now() -> dt.datetime:
    """The current instant, aware, in UTC — what is stored."""
    return timezone.now() + offset()


def local_now(zone: ZoneInfo | None = None) -> dt.datetime:
    """The current moment on the company's wall clock (or on ``zone``'s)."""
    return now().astimezone(zone or company_zone())


def today(zone: ZoneInfo | None = None) -> dt.date:
    """The company's current calendar day (or ``zone``'s), whatever the server's own time zone is."""
    return local_now(zone).date()


def business_day_cutoff() -> dt.time:
    """When a trading day turns over (``YUNYING_BUSINESS_DAY_CUTOFF``, default 04:00): a restaurant's sale at
    01:30 belongs to the evening before, not to the calendar day it was rung up on."""
    raw = str(getattr(settings, "YUNYING_BUSINESS_DAY_CUTOFF", "04:00") or "00:00")
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        return dt.time(4, 0)


def business_date(
    moment: dt.datetime, zone: ZoneInfo | None = None, *, cutoff: dt.time | None = None
) -> dt.date:
    """The business day an instant falls on. A naive ``moment`` is taken as already on the company's clock.

    With ``cutoff`` (a trading day's turn-over, :func:`business_day_cutoff`), a moment before that time of day
    belongs to the day before: sales rung up after midnight count for the evening's business day."""
    local = moment if timezone.is_naive(moment) else moment.astimezone(zone or company_zone())
    day = local.date()
    if cutoff is not None and local.time() < cutoff:
        day -= dt.timedelta(days=1)
    return day
