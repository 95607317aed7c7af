"""The business calendar: statutory days with 调休, overrides, hours, and working-time arithmetic."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.core import clock
from yunying.core.calendar import (
    HOLIDAY,
    MAKEUP,
    OVERRIDE,
    UNKNOWN,
    WEEKEND,
    WORKDAY,
    CalendarUnknown,
    Hours,
    UnitCalendar,
    library_years,
    statutory_day,
)
from yunying.core.errors import DomainError

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")  # a second zone, with daylight saving time
H = dt.timedelta(hours=1)
OFFICE = Hours(dt.time(9), dt.time(18), dt.time(12), dt.time(13))


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0, zone: ZoneInfo = SH) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=zone)


def office(zone: ZoneInfo = SH, **kw) -> UnitCalendar:  # type: ignore[no-untyped-def]
    return UnitCalendar(zone=zone, hours=OFFICE, **kw)


# -- days --------------------------------------------------------------------------------------


def test_spring_festival_2026_and_its_makeup_saturdays():
    cal = office()
    assert cal.day(dt.date(2026, 2, 14)).reason == MAKEUP  # Saturday, make-up working day
    assert cal.day(dt.date(2026, 2, 14)).working is True
    assert cal.day(dt.date(2026, 2, 14)).label == "春节"
    for d in range(15, 24):
        day = cal.day(dt.date(2026, 2, d))
        assert day.working is False and day.reason == HOLIDAY and day.label == "春节", d
    assert cal.day(dt.date(2026, 2, 28)).reason == MAKEUP  # Saturday after the holiday
    assert cal.day(dt.date(2026, 3, 7)).reason == WEEKEND
    assert cal.day(dt.date(2026, 3, 9)).reason == WORKDAY


def test_national_day_2025_makeup_sunday_and_saturday():
    cal = office()
    assert cal.day(dt.date(2025, 9, 28)).reason == MAKEUP  # a Sunday
    assert all(not cal.day(dt.date(2025, 10, d)).working for d in range(1, 9))
    assert cal.day(dt.date(2025, 10, 11)).reason == MAKEUP  # a Saturday


def test_unknown_year_is_reported_never_guessed():
    first, last = library_years()
    assert first <= 2024 and last >= 2026
    unknown = dt.date(last + 1, 3, 3)  # a Wednesday-ish day of a year the library does not know
    assert statutory_day(unknown) == (None, UNKNOWN, "")
    cal = office()
    assert cal.day(unknown).working is None
    with pytest.raises(CalendarUnknown) as exc:
        cal.add(at(last, 12, 31, 17), 2 * H)
    assert str(last + 1) in str(exc.value)
    # an administrator maintaining the year by hand makes it known (weekdays, plus the overrides)
    manual = office(manual_years=frozenset({last + 1}))
    assert manual.day(dt.date(last + 1, 1, 4)).working == (dt.date(last + 1, 1, 4).weekday() < 5)


def test_overrides_win_and_store_open_every_day():
    cal = office(overrides={dt.date(2026, 3, 10): (False, "装修停业"), dt.date(2026, 3, 7): (True, "加班")})
    assert cal.day(dt.date(2026, 3, 10)).working is False
    assert cal.day(dt.date(2026, 3, 10)).reason == OVERRIDE
    assert cal.day(dt.date(2026, 3, 7)).working is True
    store = UnitCalendar(zone=SH, hours=Hours(dt.time(10), dt.time(22), every_day=True))
    assert store.day(dt.date(2026, 2, 17)).working is True  # open during the Spring Festival
    assert store.add(at(2026, 2, 17, 21), 2 * H) == at(2026, 2, 18, 11)


def test_hours_must_make_sense():
    with pytest.raises(DomainError):
        Hours(dt.time(9), dt.time(9))
    with pytest.raises(DomainError):  # a break outside hours that run past midnight
        Hours(dt.time(18), dt.time(2), dt.time(3), dt.time(4))
    with pytest.raises(DomainError):
        Hours(dt.time(9), dt.time(18), dt.time(12))
    with pytest.raises(DomainError):
        Hours(dt.time(9), dt.time(18), dt.time(8), dt.time(13))


# -- arithmetic: worked examples -------------------------------------------------------------------


def test_add_skips_lunch_evening_and_weekend():
    cal = office()
    assert cal.add(at(2026, 3, 9, 11), 2 * H) == at(2026, 3, 9, 14)  # Monday, over lunch
    assert cal.add(at(2026, 3, 13, 17), 2 * H) == at(2026, 3, 16, 10)  # Friday → Monday
    assert cal.add(at(2026, 3, 14, 8), H) == at(2026, 3, 16, 10)  # from a Saturday
    assert cal.add(at(2026, 3, 9, 20), 8 * H) == at(2026, 3, 10, 18)  # after hours: a full next day


def test_add_across_spring_festival_counts_the_makeup_saturday():
    cal = office()
    # Friday 13 Feb 2026, 17:00 + 2h → Saturday 14 Feb (make-up day) 10:00
    assert cal.add(at(2026, 2, 13, 17), 2 * H) == at(2026, 2, 14, 10)
    # Saturday 14 Feb 17:00 + 2h → the holiday week is skipped: Tuesday 24 Feb 10:00
    assert cal.add(at(2026, 2, 14, 17), 2 * H) == at(2026, 2, 24, 10)
    assert cal.between(at(2026, 2, 14, 17), at(2026, 2, 24, 10)) == 2 * H


def test_add_across_national_day_and_month_end():
    cal = office()
    # Tuesday 30 Sep 2025 17:00 + 2h → Thursday 9 Oct 10:00 (1–8 Oct off)
    assert cal.add(at(2025, 9, 30, 17), 2 * H) == at(2025, 10, 9, 10)
    # Friday 10 Oct + 8h → Saturday 11 Oct (make-up day)
    assert cal.add(at(2025, 10, 10, 18), 8 * H) == at(2025, 10, 11, 18)


def test_leap_day():
    cal = office()
    assert cal.day(dt.date(2024, 2, 29)).working is True  # a Thursday
    assert cal.add(at(2024, 2, 28, 17), 2 * H) == at(2024, 2, 29, 10)
    assert cal.add_days(at(2024, 2, 28, 10), 1) == at(2024, 2, 29, 10)
    assert cal.add_days(at(2024, 2, 29, 10), 1) == at(2024, 3, 1, 10)


def test_add_days_clamps_into_hours_and_skips_days_off():
    cal = office()
    assert cal.add_days(at(2026, 3, 13, 20), 1) == at(2026, 3, 16, 18)  # Friday evening → Monday close
    assert cal.add_days(at(2026, 3, 13, 7), 1) == at(2026, 3, 16, 9)
    assert cal.add_days(at(2026, 2, 13, 15), 2) == at(2026, 2, 24, 15)  # 14 Feb make-up, then 24 Feb


def test_second_time_zone_uses_its_own_wall_clock():
    cal = office(NY)
    # 9 Mar 2026 is a Monday; New York switched to daylight time on Sunday 8 Mar
    start = at(2026, 3, 6, 17, zone=NY)  # Friday 17:00 EST
    due = cal.add(start, 2 * H)
    assert due == at(2026, 3, 9, 10, zone=NY)  # Monday 10:00 EDT
    assert due.astimezone(dt.UTC) == dt.datetime(2026, 3, 9, 14, tzinfo=dt.UTC)
    assert cal.between(start, due) == 2 * H


def test_uses_the_company_clock_under_frozen_time():
    with time_machine.travel(dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        # 07:30 on Sunday 1 Feb in Shanghai; the office opens on Monday
        assert clock.today() == dt.date(2026, 2, 1)
        assert office().add(clock.now(), H) == at(2026, 2, 2, 10)


# -- arithmetic: properties ------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2026, 10, 31), timezones=st.just(dt.UTC)
)
DURATIONS = st.integers(min_value=0, max_value=200 * 60).map(lambda m: dt.timedelta(minutes=m))
LATE_STORE = Hours(dt.time(10), dt.time(2), dt.time(15), dt.time(16), every_day=True)  # 10:00–02:00
WEEKLY_STORE = UnitCalendar(
    zone=SH,
    hours=Hours(dt.time(10), dt.time(22), every_day=True),
    weekly={
        0: None,  # closed on Mondays
        4: Hours(dt.time(10), dt.time(2), every_day=True),  # Friday until 2 a.m.
        5: Hours(dt.time(1), dt.time(23), every_day=True),  # Saturday opens before Friday's night ends
    },
)
CALENDARS = st.sampled_from(
    [
        UnitCalendar(zone=SH, hours=LATE_STORE),
        UnitCalendar(zone=NY, hours=LATE_STORE),
        WEEKLY_STORE,
        office(weekly={5: Hours(dt.time(9), dt.time(12))}),  # a half day on (make-up) Saturdays
        office(),
        office(NY),
        UnitCalendar(zone=SH, hours=Hours(dt.time(10), dt.time(22), every_day=True)),
        office(overrides={dt.date(2025, 5, 6): (False, "公司放假"), dt.date(2025, 5, 10): (True, "盘点")}),
    ]
)


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, duration=DURATIONS)
def test_between_inverts_add(cal: UnitCalendar, start: dt.datetime, duration: dt.timedelta):
    due = cal.add(start, duration)
    assert due >= start
    assert cal.between(start, due) == duration
    if duration:
        # the due moment is inside working time or at the end of a working span
        assert cal.is_working_moment(due - dt.timedelta(microseconds=1))


@settings(max_examples=100, deadline=None)
@given(cal=CALENDARS, a=MOMENTS, b=MOMENTS, c=MOMENTS)
def test_between_is_additive_and_monotonic(cal: UnitCalendar, a: dt.datetime, b: dt.datetime, c: dt.datetime):
    a, b, c = sorted([a, b, c])
    if (c - a) > dt.timedelta(days=120):
        c = a + dt.timedelta(days=120)
        b = min(b, c)
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(a, c) <= c - a
    assert cal.between(c, a) == dt.timedelta(0)


@settings(max_examples=100, deadline=None)
@given(cal=CALENDARS, start=MOMENTS, d1=DURATIONS, d2=DURATIONS)
def test_add_composes(cal: UnitCalendar, start: dt.datetime, d1: dt.timedelta, d2: dt.timedelta):
    assert cal.add(cal.add(start, d1), d2) == cal.add(start, d1 + d2)


# -- hours by weekday and past midnight ----------------------------------------------------------


def test_a_store_open_until_two_counts_the_night_for_the_day_it_opened():
    cal = UnitCalendar(zone=SH, hours=LATE_STORE)
    assert LATE_STORE.overnight and LATE_STORE.length() == 15 * H  # 10–15, 16–02
    assert cal.add(at(2026, 3, 9, 23), 2 * H) == at(2026, 3, 10, 1)  # across midnight
    assert cal.add(at(2026, 3, 10, 1, 30), H) == at(2026, 3, 10, 10, 30)  # closes at 2, opens at 10
    assert cal.between(at(2026, 3, 9, 22), at(2026, 3, 10, 11)) == 5 * H
    assert cal.is_working_moment(at(2026, 3, 10, 1, 59))
    assert not cal.is_working_moment(at(2026, 3, 10, 2))
    assert cal.day(dt.date(2026, 3, 9)).spans == ((dt.time(10), dt.time(15)), (dt.time(16), dt.time(2)))


def test_hours_by_weekday_and_a_closed_weekday():
    cal = WEEKLY_STORE
    monday = cal.day(dt.date(2026, 3, 9))
    assert monday.working is False and monday.reason == "closed_weekday"
    assert cal.add(at(2026, 3, 8, 21), 2 * H) == at(2026, 3, 10, 11)  # Sunday 21–22, then Tuesday
    assert cal.add(at(2026, 3, 13, 23), 2 * H) == at(2026, 3, 14, 1)  # Friday night until 2
    # Saturday opens at 1 while Friday's night runs to 2: the hour is counted once
    assert cal.between(at(2026, 3, 14, 0), at(2026, 3, 14, 3)) == 3 * H
    # an override opens a closed Monday with the usual hours
    opened = UnitCalendar(
        zone=SH, hours=cal.hours, weekly=cal.weekly, overrides={dt.date(2026, 3, 9): (True, "节日加开")}
    )
    assert opened.between(at(2026, 3, 9, 0), at(2026, 3, 10, 0)) == 12 * H


def test_weekly_hours_are_read_from_data_and_bad_data_is_refused():
    from yunying.core.calendar import weekly_from_json

    base = Hours(dt.time(10), dt.time(22), every_day=True)
    weekly = weekly_from_json({"4": {"opens": "10:00", "closes": "02:00"}, "0": None}, base)
    assert weekly[0] is None and weekly[4] is not None and weekly[4].overnight and weekly[4].every_day
    for bad in ({"7": None}, {"1": {"opens": "25:00", "closes": "02:00"}}, {"1": {"opens": "10:00"}}, [1]):
        with pytest.raises(DomainError):
            weekly_from_json(bad, base)


def test_next_working_moment():
    cal = office()
    assert cal.next_working_moment(at(2026, 3, 9, 10)) == at(2026, 3, 9, 10)  # in hours: itself
    assert cal.next_working_moment(at(2026, 3, 9, 12, 30)) == at(2026, 3, 9, 13)  # lunch
    assert cal.next_working_moment(at(2026, 3, 13, 19)) == at(2026, 3, 16, 9)  # Friday evening → Monday
    late = UnitCalendar(zone=SH, hours=LATE_STORE)
    assert late.next_working_moment(at(2026, 3, 10, 1)) == at(2026, 3, 10, 1)  # still open at 1 a.m.
    assert late.next_working_moment(at(2026, 3, 10, 3)) == at(2026, 3, 10, 10)


@settings(max_examples=150, deadline=None)
@given(cal=CALENDARS, start=MOMENTS)
def test_next_working_moment_is_the_first_working_moment(cal: UnitCalendar, start: dt.datetime):
    found = cal.next_working_moment(start)
    assert found >= start and cal.is_working_moment(found)
    assert cal.between(start, found) == dt.timedelta(0)  # no working time skipped
    assert cal.add(start, dt.timedelta(minutes=1)) > found  # working time starts there, not earlier
