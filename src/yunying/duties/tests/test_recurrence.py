"""Recurrence and due computation: properties over random rules and ranges (month ends, leap years, China's
holidays and make-up working days, Asia/Shanghai and a second zone with daylight saving time), the DOMAIN
examples, and the rules that are refused (never fires, fires more than daily)."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yunying.core.calendar import Hours, UnitCalendar
from yunying.core.errors import ValidationFailed
from yunying.duties.due import DueSettings, due_compute
from yunying.duties.recurrence import (
    CUSTOM,
    HALF_MONTHLY,
    LAST_WORKING,
    MONTHLY,
    QUARTERLY,
    WEEKLY,
    YEARLY,
    Period,
    Rule,
    periods,
    rule_validate,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
OFFICE = Hours(dt.time(9), dt.time(18), dt.time(12), dt.time(13))
STORE = Hours(dt.time(10), dt.time(22), every_day=True)


def office(zone: ZoneInfo = SH) -> UnitCalendar:
    return UnitCalendar(zone=zone, hours=OFFICE)


def rule(cadence: str, **kw) -> Rule:  # type: ignore[no-untyped-def]
    kw.setdefault("starts_on", dt.date(2019, 1, 1))
    return rule_validate(cadence=cadence, **kw)


def one(r: Rule, day: dt.date) -> Period:
    found = [
        p
        for p in periods(r, day - dt.timedelta(days=40), day + dt.timedelta(days=40))
        if p.start <= day <= p.end
    ]
    assert len(found) == 1, found
    return found[0]


def working(cal: UnitCalendar, d: dt.date) -> bool:
    return bool(cal.day(d).working)


# -- the examples the business knows ---------------------------------------------------------------


def test_weekly_friday_before_new_year_2026_moves_to_wednesday():
    r = rule(WEEKLY, weekday=4)
    period = one(r, dt.date(2026, 1, 2))  # Friday 2 January 2026 is a public holiday (1–3 January)
    due = due_compute(period, DueSettings(due_time=dt.time(17)), office())
    assert due.due_on == dt.date(2025, 12, 31)
    assert due.due_at == dt.datetime(2025, 12, 31, 17, tzinfo=SH)
    later = due_compute(period, DueSettings(holiday_shift="later"), office())
    assert later.due_on == dt.date(2026, 1, 4)  # Sunday, a make-up working day (调休); due at closing time
    assert later.due_at == dt.datetime(2026, 1, 4, 18, tzinfo=SH)
    assert due_compute(period, DueSettings(holiday_shift="none"), office()).due_on == dt.date(2026, 1, 2)


def test_last_working_day_of_february_2026_is_the_makeup_saturday():
    r = rule(MONTHLY, day=LAST_WORKING)
    due = due_compute(one(r, dt.date(2026, 2, 10)), DueSettings(), office())
    assert due.due_on == dt.date(2026, 2, 28)  # Saturday, a 调休 working day after the Spring Festival
    assert not due.provisional


def test_national_day_2026_moves_the_first_half_of_october():
    r = rule(MONTHLY, day="1")
    due = due_compute(one(r, dt.date(2026, 10, 1)), DueSettings(holiday_shift="later"), office())
    assert due.due_on == dt.date(2026, 10, 8)  # 1–7 October off
    first_working = rule(MONTHLY, day="first_working")
    assert due_compute(one(first_working, dt.date(2026, 10, 1)), DueSettings(), office()).due_on == dt.date(
        2026, 10, 8
    )


def test_day_31_is_the_month_end_and_29_february_only_in_leap_years():
    r = rule(MONTHLY, day="31")
    assert [p.base.day for p in periods(r, dt.date(2024, 1, 1), dt.date(2024, 4, 30))] == [31, 29, 31, 30]
    yearly = rule(YEARLY, month=2, day="29")
    assert [p.base for p in periods(yearly, dt.date(2023, 1, 1), dt.date(2025, 12, 31))] == [
        dt.date(2023, 2, 28),
        dt.date(2024, 2, 29),
        dt.date(2025, 2, 28),
    ]
    custom = rule(CUSTOM, custom_dates="02-29")
    assert [p.base for p in periods(custom, dt.date(2022, 1, 1), dt.date(2024, 12, 31))] == [
        dt.date(2024, 2, 29)
    ]


def test_store_open_every_day_keeps_its_day_and_counts_in_its_own_zone():
    cal = UnitCalendar(zone=ZoneInfo("Asia/Urumqi"), hours=STORE)
    due = due_compute(one(rule(WEEKLY, weekday=4), dt.date(2026, 10, 2)), DueSettings(), cal)
    assert due.due_on == dt.date(2026, 10, 2)  # a holiday, but the store is open
    assert due.due_at == dt.datetime(2026, 10, 2, 22, tzinfo=ZoneInfo("Asia/Urumqi"))
    assert due.due_at == dt.datetime(2026, 10, 2, 16, tzinfo=dt.UTC)


def test_a_year_the_holidays_are_unknown_is_provisional_monday_to_friday():
    due = due_compute(one(rule(MONTHLY, day=LAST_WORKING), dt.date(2027, 1, 10)), DueSettings(), office())
    assert due.provisional
    assert due.due_on == dt.date(2027, 1, 29)  # Friday; 30–31 January 2027 are a weekend


def test_half_month_and_quarter_keys():
    half = rule(HALF_MONTHLY, day="15", second_day="last")
    keys = [(p.key, p.base) for p in periods(half, dt.date(2024, 2, 1), dt.date(2024, 2, 29))]
    assert keys == [("2024-02-1", dt.date(2024, 2, 15)), ("2024-02-2", dt.date(2024, 2, 29))]
    quarter = rule(QUARTERLY, month=3, day="20")
    assert [p.key for p in periods(quarter, dt.date(2026, 1, 1), dt.date(2026, 12, 31))] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    ]


def test_every_second_week_keeps_its_phase_from_the_start():
    r = rule(WEEKLY, weekday=0, interval=2, starts_on=dt.date(2026, 1, 5))
    bases = [p.base for p in periods(r, dt.date(2026, 1, 1), dt.date(2026, 3, 1))]
    assert bases[:3] == [dt.date(2026, 1, 5), dt.date(2026, 1, 19), dt.date(2026, 2, 2)]
    assert periods(r, dt.date(2026, 1, 12), dt.date(2026, 1, 18)) == []


# -- bad rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"cadence": CUSTOM, "custom_unit": "minute"}, "custom_unit", "不能按小时、分钟"),
        ({"cadence": CUSTOM, "custom_unit": "hour", "interval": 1}, "custom_unit", "最多每天一次"),
        ({"cadence": CUSTOM, "custom_dates": "02-30, 04-31"}, "custom_dates", "永远不会"),
        ({"cadence": CUSTOM}, "custom_unit", "需要填写单位或日期"),
        ({"cadence": WEEKLY}, "weekday", "星期几"),
        ({"cadence": WEEKLY, "weekday": 9}, "weekday", "星期几"),
        ({"cadence": MONTHLY, "day": "32"}, "day", "不是有效的日"),
        ({"cadence": MONTHLY, "day": "0", "interval": 0}, "interval", "永远不会"),
        ({"cadence": YEARLY}, "month", "月份"),
        ({"cadence": HALF_MONTHLY, "day": "20"}, "day", "1–15"),
        ({"cadence": "hourly"}, "cadence", "未知的周期"),
        ({"cadence": MONTHLY, "ends_on": dt.date(2018, 1, 1)}, "ends_on", "永远不会"),
    ],
)
def test_a_rule_that_never_fires_or_fires_too_often_is_refused(kwargs, field, words):
    kwargs.setdefault("starts_on", dt.date(2019, 1, 1))
    with pytest.raises(ValidationFailed) as caught:
        rule_validate(**kwargs)
    messages = {e["field"]: str(e["message"]) for e in caught.value.errors}
    assert field in messages, messages
    assert words in messages[field]


def test_a_rule_whose_only_date_falls_after_it_ends_never_fires():
    with pytest.raises(ValidationFailed) as caught:
        rule_validate(
            cadence=YEARLY, month=12, day="31", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 6, 30)
        )
    assert "永远不会触发" in str(caught.value.errors[0]["message"])


# -- properties ------------------------------------------------------------------------------------

DAYS = st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 31))
ANCHORS = st.one_of(st.integers(1, 31).map(str), st.sampled_from(["last", "last_working", "first_working"]))
RULES = st.one_of(
    st.builds(lambda w, i: rule(WEEKLY, weekday=w, interval=i), st.integers(0, 6), st.integers(1, 3)),
    st.builds(lambda d, i: rule(MONTHLY, day=d, interval=i), ANCHORS, st.integers(1, 3)),
    st.builds(lambda d: rule(HALF_MONTHLY, day=d, second_day="last"), st.integers(1, 15).map(str)),
    st.builds(lambda m, d: rule(QUARTERLY, month=m, day=d), st.integers(1, 3), ANCHORS),
    st.builds(lambda m, d: rule(YEARLY, month=m, day=d), st.integers(1, 12), ANCHORS),
    st.builds(lambda n: rule(CUSTOM, custom_unit="day", interval=n), st.integers(1, 40)),
)
CALENDARS = st.sampled_from(
    [office(), office(NY), UnitCalendar(zone=SH, hours=STORE), UnitCalendar(zone=NY, hours=STORE)]
)
SETTINGS = st.builds(
    DueSettings,
    due_time=st.one_of(st.none(), st.sampled_from([dt.time(9), dt.time(12), dt.time(17), dt.time(23, 30)])),
    holiday_shift=st.sampled_from(["earlier", "later", "none"]),
    lead_days=st.integers(0, 5),
    remind_before_hours=st.integers(0, 16),
    escalate_after_hours=st.integers(0, 16),
)


@settings(max_examples=200, deadline=None)
@given(r=RULES, first=DAYS, span=st.integers(0, 400))
def test_periods_are_ordered_unique_and_inside_their_period(r: Rule, first: dt.date, span: int):
    last = first + dt.timedelta(days=span)
    found = periods(r, first, last)
    keys = [p.key for p in found]
    assert len(keys) == len(set(keys))
    assert [p.base for p in found] == sorted(p.base for p in found)
    for p in found:
        assert first <= p.base <= last
        assert p.start <= p.base <= p.end
    if r.cadence == WEEKLY:
        assert all(p.base.weekday() == r.weekday for p in found)
        assert all((b.base - a.base).days == 7 * r.interval for a, b in itertools.pairwise(found))
    if r.cadence == MONTHLY and r.day.isdigit():
        assert all(
            p.base.day == min(int(r.day), pycalendar.monthrange(p.base.year, p.base.month)[1]) for p in found
        )
    if r.cadence == MONTHLY and r.interval == 1:
        months = {(p.base.year, p.base.month) for p in found}
        assert len(months) == len(found)  # never two in one month
        # every month whose anchor day lies in the range has its period
        y, m, expected = first.year, first.month, 0
        while (y, m) <= (last.year, last.month):
            day = (
                dt.date(y, m, pycalendar.monthrange(y, m)[1])
                if not r.day.isdigit() and r.day != "first_working"
                else None
            )
            if r.day == "first_working":
                day = dt.date(y, m, 1)
            if r.day.isdigit():
                day = dt.date(y, m, min(int(r.day), pycalendar.monthrange(y, m)[1]))
            expected += int(day is not None and first <= day <= last)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        assert len(found) == expected


@settings(max_examples=300, deadline=None)
@given(r=RULES, day=DAYS, cal=CALENDARS, due=SETTINGS)
def test_due_moments_follow_the_working_calendar(r: Rule, day: dt.date, cal: UnitCalendar, due: DueSettings):
    found = periods(r, day, day + dt.timedelta(days=100))
    if not found:
        return
    period = found[0]
    result = due_compute(period, due, cal)
    on = result.due_on
    local = result.due_at.astimezone(cal.zone)
    assert local.date() == on
    if due.due_time is not None:
        assert local.time() == due.due_time
    if result.provisional:
        return
    if period.anchor == LAST_WORKING:
        assert period.start <= on <= period.base
        if any(
            working(cal, period.start + dt.timedelta(days=i))
            for i in range((period.base - period.start).days + 1)
        ):
            assert working(cal, on)
            assert not any(
                working(cal, on + dt.timedelta(days=i)) for i in range(1, (period.base - on).days + 1)
            )
    elif period.anchor == "":
        if due.holiday_shift == "none" or working(cal, period.base):
            assert on == period.base
        else:
            assert working(cal, on)
            low, high = sorted([on, period.base])
            between = [low + dt.timedelta(days=i) for i in range(1, (high - low).days)]
            assert not any(working(cal, d) for d in between)  # the nearest working day in that direction
            assert (on < period.base) == (due.holiday_shift == "earlier")
    assert result.available_at <= result.due_at
    if due.lead_days and working(cal, on):
        arrive = result.available_at.astimezone(cal.zone).date()
        count = sum(
            1
            for i in range(1, (on - arrive).days + 1)
            if working(cal, on - dt.timedelta(days=i)) and on - dt.timedelta(days=i) >= arrive
        )
        assert count == due.lead_days
    if result.remind_at is not None:
        assert result.available_at <= result.remind_at <= result.due_at
        if result.remind_at > result.available_at:
            assert cal.between(result.remind_at, result.due_at) == dt.timedelta(hours=due.remind_before_hours)
    if result.escalate_at is not None:
        assert result.escalate_at >= result.due_at
        assert cal.between(result.due_at, result.escalate_at) == dt.timedelta(hours=due.escalate_after_hours)
