"""When a period of a duty is due for one seat, on the seat unit's working calendar
(:mod:`yunying.core.calendar`): the due day (a holiday moves it to the previous or next working day, as the
duty says; ``last_working`` / ``first_working`` are looked up), the due moment (the duty's time, or the end of
that day's working hours, in the unit's time zone), when it arrives in the inbox (``lead_days`` working days
before, at the start of the working day), and its reminder and escalation moments in working time.

A day in a year whose holidays are not known is taken as working Monday to Friday, and the result is marked
*provisional*; the worker computes it again once the year is maintained (:func:`due_compute`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yunying.core.calendar import CalendarUnknown, UnitCalendar
from yunying.duties.recurrence import FIRST_WORKING, LAST_WORKING, Period

UTC = dt.UTC
MAX_SHIFT_DAYS = 45  # a due day never moves further than this (a calendar closed longer: left where it is)
EARLIER, LATER, NONE = "earlier", "later", "none"


@dataclass(frozen=True)
class DueSettings:
    due_time: dt.time | None = None
    holiday_shift: str = EARLIER
    lead_days: int = 0
    remind_before_hours: int = 0
    escalate_after_hours: int = 0


@dataclass(frozen=True)
class Due:
    due_on: dt.date
    due_at: dt.datetime
    available_at: dt.datetime
    remind_at: dt.datetime | None
    escalate_at: dt.datetime | None
    provisional: bool


class _Days:
    """Working-day answers of one calendar, with the unknown years taken as Monday–Friday (noted)."""

    def __init__(self, cal: UnitCalendar):
        self.cal = cal
        self.provisional = False

    def working(self, d: dt.date) -> bool:
        day = self.cal.day(d)
        if day.working is None:
            self.provisional = True
            return d.weekday() < 5
        return day.working

    def spans(self, d: dt.date) -> tuple[tuple[dt.time, dt.time], ...]:
        day = self.cal.day(d)
        if day.working is None:
            return tuple(self.cal.hours.spans()) if d.weekday() < 5 else ()
        return day.spans

    def utc_spans(self, d: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        zone = self.cal.zone
        return [
            (
                dt.datetime.combine(d, a, tzinfo=zone).astimezone(UTC),
                dt.datetime.combine(d, b, tzinfo=zone).astimezone(UTC),
            )
            for a, b in self.spans(d)
        ]


def due_day(period: Period, shift: str, days: _Days) -> dt.date:
    """The day a period is due: named anchors looked up inside the period, fixed days moved off holidays."""
    if period.anchor == LAST_WORKING:
        d = period.base
        while d >= period.start:
            if days.working(d):
                return d
            d -= dt.timedelta(days=1)
        return period.base
    if period.anchor == FIRST_WORKING:
        d = period.base
        while d <= period.end:
            if days.working(d):
                return d
            d += dt.timedelta(days=1)
        return period.base
    if shift == NONE or days.working(period.base):
        return period.base
    step = dt.timedelta(days=-1 if shift == EARLIER else 1)
    d = period.base
    for _i in range(MAX_SHIFT_DAYS):
        d += step
        if days.working(d):
            return d
    return period.base


def _moment(d: dt.date, wall: dt.time, days: _Days) -> dt.datetime:
    return dt.datetime.combine(d, wall, tzinfo=days.cal.zone).astimezone(UTC)


def _working_days_before(d: dt.date, count: int, days: _Days) -> dt.date:
    found = 0
    for _i in range(MAX_SHIFT_DAYS * 4):
        if found >= count:
            break
        d -= dt.timedelta(days=1)
        if days.working(d):
            found += 1
    return d


def subtract_working(moment: dt.datetime, hours: int, days: _Days) -> dt.datetime:
    """The moment ``hours`` of working time before ``moment`` (the reminder before a due moment)."""
    remaining = dt.timedelta(hours=hours)
    cur = moment.astimezone(UTC)
    d = cur.astimezone(days.cal.zone).date()
    for _i in range(MAX_SHIFT_DAYS * 4):
        for start, end in reversed(days.utc_spans(d)):
            if start >= cur:
                continue
            top = min(end, cur)
            available = top - start
            if remaining <= available:
                return top - remaining
            remaining -= available
        d -= dt.timedelta(days=1)
    return cur - dt.timedelta(hours=hours)


def add_working(moment: dt.datetime, hours: int, days: _Days) -> dt.datetime:
    """The moment ``hours`` of working time after ``moment`` (the escalation after a due moment)."""
    try:
        return days.cal.add(moment, dt.timedelta(hours=hours))
    except CalendarUnknown:
        days.provisional = True
        remaining = dt.timedelta(hours=hours)
        cur = moment.astimezone(UTC)
        d = cur.astimezone(days.cal.zone).date()
        for _i in range(MAX_SHIFT_DAYS * 4):
            for start, end in days.utc_spans(d):
                if end <= cur:
                    continue
                begin = max(start, cur)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            d += dt.timedelta(days=1)
        return cur + dt.timedelta(hours=hours)


def due_compute(period: Period, settings: DueSettings, cal: UnitCalendar) -> Due:
    days = _Days(cal)
    on = due_day(period, settings.holiday_shift, days)
    spans = days.spans(on)
    closes = spans[-1][1] if spans else cal.hours.closes
    due_at = _moment(on, settings.due_time or closes, days)
    arrive_day = _working_days_before(on, settings.lead_days, days) if settings.lead_days else on
    arrive_spans = days.spans(arrive_day)
    available_at = _moment(arrive_day, arrive_spans[0][0] if arrive_spans else dt.time(0), days)
    available_at = min(available_at, due_at)
    remind_at = (
        subtract_working(due_at, settings.remind_before_hours, days) if settings.remind_before_hours else None
    )
    if remind_at is not None:
        remind_at = max(remind_at, available_at)
    escalate_at = (
        add_working(due_at, settings.escalate_after_hours, days) if settings.escalate_after_hours else None
    )
    return Due(on, due_at, available_at, remind_at, escalate_at, days.provisional)
