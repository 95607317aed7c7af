"""Recurrence rules of duties: which periods a rule has between two dates, and the checks that refuse a rule
that would never fire or fire more than once a day.

Pure functions on dates; the working calendar enters only in :mod:`yunying.duties.due`. A period has a
*base* day — the day its anchor names before any calendar is asked (the 15th, the month's last day) — and
an anchor kind: a fixed day moves off holidays as the duty says, ``last_working`` / ``first_working``
are looked up in the seat's calendar."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import ValidationFailed

WEEKLY = "weekly"
MONTHLY = "monthly"
HALF_MONTHLY = "half_monthly"
QUARTERLY = "quarterly"
YEARLY = "yearly"
CUSTOM = "custom"
OCCASIONAL = "occasional"
PROGRAMME = "programme"
CADENCES = (WEEKLY, MONTHLY, HALF_MONTHLY, QUARTERLY, YEARLY, CUSTOM, OCCASIONAL, PROGRAMME)
SCHEDULED = (WEEKLY, MONTHLY, HALF_MONTHLY, QUARTERLY, YEARLY, CUSTOM)

LAST = "last"
LAST_WORKING = "last_working"
FIRST_WORKING = "first_working"
NAMED_ANCHORS = (LAST, LAST_WORKING, FIRST_WORKING)
CUSTOM_UNITS = ("day", "week", "month")
TOO_FREQUENT_UNITS = ("second", "minute", "hour")
MAX_INTERVAL = {WEEKLY: 52, MONTHLY: 12, "day": 366, "week": 52, "month": 24}
MAX_RANGE_DAYS = 3 * 366 + 31  # one call never walks further than this (bounded work)
MAX_CUSTOM_DATES = 24
CUSTOM_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})$")
# The longest gap between two firings of any valid rule is four years (a 29 February): a rule with no
# period in this span never fires.
NEVER_SPAN_DAYS = 4 * 366 + 31


@dataclass(frozen=True)
class Rule:
    cadence: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    weekday: int | None = None
    day: str = ""
    second_day: str = ""
    month: int | None = None
    interval: int = 1
    custom_unit: str = ""
    custom_dates: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, duty: Any) -> Rule:
        """The rule of a stored duty (validated when it was saved)."""
        return cls(
            cadence=duty.cadence,
            starts_on=duty.starts_on,
            ends_on=duty.ends_on,
            weekday=duty.weekday,
            day=duty.day or "",
            second_day=duty.second_day or "",
            month=duty.month,
            interval=duty.interval or 1,
            custom_unit=duty.custom_unit or "",
            custom_dates=parse_custom_dates(duty.custom_dates or "")[0],
        )


@dataclass(frozen=True)
class Period:
    key: str
    start: dt.date
    end: dt.date
    base: dt.date  # the anchor's day before the calendar is asked
    anchor: str  # "" (a fixed day) or one of NAMED_ANCHORS


def month_last(year: int, month: int) -> int:
    return pycalendar.monthrange(year, month)[1]


def _anchor_day(anchor: str, year: int, month: int) -> tuple[dt.date, str]:
    """The base day of ``anchor`` in a month and the anchor kind: a number is clamped to the month's length
    (31 → 28 February), ``first_working`` starts from the 1st, the others from the last day."""
    last = month_last(year, month)
    if anchor == FIRST_WORKING:
        return dt.date(year, month, 1), FIRST_WORKING
    if anchor in (LAST, LAST_WORKING) or not anchor:
        return dt.date(year, month, last), (LAST_WORKING if anchor == LAST_WORKING else "")
    return dt.date(year, month, min(int(anchor), last)), ""


def _months(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def periods(rule: Rule, first: dt.date, last: dt.date) -> list[Period]:
    """The periods of ``rule`` whose base day lies in ``first``..``last`` (and in the rule's own
    starts_on..ends_on), in order. At most ``MAX_RANGE_DAYS`` are looked at."""
    first = max(first, rule.starts_on)
    if rule.ends_on is not None:
        last = min(last, rule.ends_on)
    if last < first or rule.cadence not in SCHEDULED:
        return []
    if (last - first).days > MAX_RANGE_DAYS:
        last = first + dt.timedelta(days=MAX_RANGE_DAYS)
    found = _candidates(rule, first, last)
    return [p for p in found if first <= p.base <= last]


def _candidates(rule: Rule, first: dt.date, last: dt.date) -> list[Period]:
    cadence = rule.cadence
    if cadence == WEEKLY:
        return _weekly(rule, first, last)
    if cadence == CUSTOM:
        return _custom(rule, first, last)
    out: list[Period] = []
    start_index = _month_index(rule.starts_on.year, rule.starts_on.month)
    for year, month in _months(first, last):
        last_day = dt.date(year, month, month_last(year, month))
        if cadence == MONTHLY:
            if (_month_index(year, month) - start_index) % max(rule.interval, 1):
                continue
            base, kind = _anchor_day(rule.day, year, month)
            out.append(Period(f"{year:04d}-{month:02d}", dt.date(year, month, 1), last_day, base, kind))
        elif cadence == HALF_MONTHLY:
            base, kind = _anchor_day(rule.day or "15", year, month)
            base = min(base, dt.date(year, month, 15))
            out.append(
                Period(
                    f"{year:04d}-{month:02d}-1", dt.date(year, month, 1), dt.date(year, month, 15), base, kind
                )
            )
            base, kind = _anchor_day(rule.second_day or LAST, year, month)
            base = max(base, dt.date(year, month, 16))
            out.append(Period(f"{year:04d}-{month:02d}-2", dt.date(year, month, 16), last_day, base, kind))
        elif cadence == QUARTERLY:
            quarter = (month - 1) // 3 + 1
            if month != (quarter - 1) * 3 + (rule.month or 3):
                continue
            base, kind = _anchor_day(rule.day, year, month)
            start = dt.date(year, (quarter - 1) * 3 + 1, 1)
            end_month = quarter * 3
            end = dt.date(year, end_month, month_last(year, end_month))
            out.append(Period(f"{year:04d}-Q{quarter}", start, end, base, kind))
        elif cadence == YEARLY:
            if month != (rule.month or 12):
                continue
            base, kind = _anchor_day(rule.day, year, month)
            out.append(Period(f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31), base, kind))
    return out


def _weekly(rule: Rule, first: dt.date, last: dt.date) -> list[Period]:
    weekday = rule.weekday if rule.weekday is not None else 4
    origin = rule.starts_on - dt.timedelta(days=rule.starts_on.weekday())
    monday = first - dt.timedelta(days=first.weekday())
    out = []
    while monday <= last:
        if ((monday - origin).days // 7) % max(rule.interval, 1) == 0:
            year, week, _wd = monday.isocalendar()
            base = monday + dt.timedelta(days=weekday)
            out.append(Period(f"{year:04d}-W{week:02d}", monday, monday + dt.timedelta(days=6), base, ""))
        monday += dt.timedelta(days=7)
    return out


def _custom(rule: Rule, first: dt.date, last: dt.date) -> list[Period]:
    out: list[Period] = []
    if rule.custom_dates:
        for year in range(first.year, last.year + 1):
            for month, day in sorted(rule.custom_dates):
                if day <= month_last(year, month):
                    d = dt.date(year, month, day)
                    out.append(Period(d.isoformat(), d, d, d, ""))
        return out
    step = max(rule.interval, 1)
    origin = rule.starts_on
    if rule.custom_unit == "month":
        start_index = _month_index(origin.year, origin.month)
        for year, month in _months(first, last):
            if (_month_index(year, month) - start_index) % step == 0:
                d = dt.date(year, month, min(origin.day, month_last(year, month)))
                out.append(Period(d.isoformat(), d, d, d, ""))
        return out
    days = step * (7 if rule.custom_unit == "week" else 1)
    skip = max(0, (first - origin).days // days)
    d = origin + dt.timedelta(days=skip * days)
    while d <= last:
        out.append(Period(d.isoformat(), d, d, d, ""))
        d += dt.timedelta(days=days)
    return out


# -- validation ----------------------------------------------------------------------------------------


def parse_custom_dates(text: str) -> tuple[tuple[tuple[int, int], ...], list[str]]:
    """``"03-15, 09-15"`` → ((3, 15), (9, 15)) and the parts that are not MM-DD."""
    found, bad = [], []
    for part in re.split(r"[,，\s]+", text.strip()):
        if not part:
            continue
        match = CUSTOM_DATE.match(part)
        if not match:
            bad.append(part)
            continue
        found.append((int(match.group(1)), int(match.group(2))))
    return tuple(sorted(set(found))), bad


def _check_anchor(value: str, field: str, errors: list[dict[str, object]]) -> None:
    if not value or value in NAMED_ANCHORS:
        return
    if not value.isdigit() or not 1 <= int(value) <= 31:
        errors.append(
            {
                "field": field,
                "message": _("“%(value)s”不是有效的日：请填写 1–31、last、last_working 或 first_working。")
                % {"value": value[:20]},
            }
        )


def _int_or_none(value: Any, field: str, errors: list[dict[str, object]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors.append({"field": field, "message": _("“%(value)s”不是整数。") % {"value": str(value)[:20]}})
        return None


def rule_validate(
    *,
    cadence: str,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    weekday: Any = None,
    day: str = "",
    second_day: str = "",
    month: Any = None,
    interval: Any = 1,
    custom_unit: str = "",
    custom_dates: str = "",
) -> Rule:
    """A rule from raw values, or ``ValidationFailed`` with one message per field: unknown cadences, days
    and units, a rule that repeats more often than daily, and a rule that would never fire."""
    errors: list[dict[str, object]] = []
    cadence = (cadence or "").strip()
    day, second_day = (day or "").strip().lower(), (second_day or "").strip().lower()
    custom_unit = (custom_unit or "").strip().lower()
    if cadence not in CADENCES:
        errors.append({"field": "cadence", "message": _("未知的周期“%(value)s”。") % {"value": cadence[:30]}})
    weekday_n = _int_or_none(weekday, "weekday", errors)
    month_n = _int_or_none(month, "month", errors)
    interval_n = _int_or_none(interval, "interval", errors)
    interval_n = 1 if interval_n is None else interval_n
    if cadence == WEEKLY and (weekday_n is None or not 0 <= weekday_n <= 6):
        errors.append({"field": "weekday", "message": _("每周的职责需要星期几（0 为周一，6 为周日）。")})
    _check_anchor(day, "day", errors)
    _check_anchor(second_day, "second_day", errors)
    if cadence == YEARLY and (month_n is None or not 1 <= month_n <= 12):
        errors.append({"field": "month", "message": _("每年的职责需要月份（1–12）。")})
    if cadence == QUARTERLY and month_n is not None and not 1 <= month_n <= 3:
        errors.append({"field": "month", "message": _("每季度的职责：月份填季度内第几个月（1–3）。")})
    if cadence == HALF_MONTHLY and day.isdigit() and int(day) > 15:
        errors.append({"field": "day", "message": _("每半月的职责：上半月的到期日须在 1–15 日之间。")})
    if cadence == HALF_MONTHLY and second_day.isdigit() and int(second_day) < 16:
        errors.append({"field": "second_day", "message": _("每半月的职责：下半月的到期日须在 16 日以后。")})
    if interval_n < 1:
        errors.append({"field": "interval", "message": _("间隔至少为 1，否则职责永远不会触发。")})
    dates: tuple[tuple[int, int], ...] = ()
    if cadence == CUSTOM:
        if custom_unit in TOO_FREQUENT_UNITS:
            errors.append(
                {
                    "field": "custom_unit",
                    "message": _("职责最多每天一次，不能按小时、分钟或秒重复；请用“天”“周”或“月”。"),
                }
            )
        elif custom_unit and custom_unit not in CUSTOM_UNITS:
            errors.append(
                {
                    "field": "custom_unit",
                    "message": _("未知的单位“%(value)s”。") % {"value": custom_unit[:20]},
                }
            )
        dates, bad = parse_custom_dates(custom_dates or "")
        if bad:
            errors.append(
                {
                    "field": "custom_dates",
                    "message": _("日期应写作 MM-DD，用逗号分隔：%(bad)s") % {"bad": "、".join(bad[:5])},
                }
            )
        impossible = [
            f"{m:02d}-{d:02d}" for m, d in dates if not (1 <= m <= 12 and 1 <= d <= month_last(2024, m))
        ]
        if impossible:
            errors.append(
                {
                    "field": "custom_dates",
                    "message": _("这些日期不存在，职责永远不会在这些日子触发：%(dates)s")
                    % {"dates": "、".join(impossible[:5])},
                }
            )
        if len(dates) > MAX_CUSTOM_DATES:
            errors.append(
                {"field": "custom_dates", "message": _("每年最多 %(n)d 个日期。") % {"n": MAX_CUSTOM_DATES}}
            )
        if not dates and not custom_unit and not bad:
            errors.append({"field": "custom_unit", "message": _("自定义周期需要填写单位或日期。")})
    if (custom_unit in CUSTOM_UNITS and interval_n > MAX_INTERVAL[custom_unit]) or (
        cadence in (WEEKLY, MONTHLY) and interval_n > MAX_INTERVAL[cadence]
    ):
        errors.append({"field": "interval", "message": _("间隔过大。")})
    if ends_on is not None and ends_on < starts_on:
        errors.append({"field": "ends_on", "message": _("结束日期早于开始日期，职责永远不会触发。")})
    if errors:
        raise ValidationFailed(_("职责的周期设置有误。"), errors=errors)
    rule = Rule(
        cadence=cadence,
        starts_on=starts_on,
        ends_on=ends_on,
        weekday=weekday_n,
        day=day,
        second_day=second_day,
        month=month_n,
        interval=interval_n,
        custom_unit=custom_unit if cadence == CUSTOM else "",
        custom_dates=tuple(d for d in dates if 1 <= d[0] <= 12) if cadence == CUSTOM else (),
    )
    if cadence in SCHEDULED and not _fires_within(rule):
        raise ValidationFailed(
            _("职责的周期设置有误。"),
            errors=[{"field": "cadence", "message": _("按这个设置，职责在开始和结束日期之间永远不会触发。")}],
        )
    return rule


def _fires_within(rule: Rule) -> bool:
    first, horizon = rule.starts_on, rule.starts_on + dt.timedelta(days=NEVER_SPAN_DAYS)
    if rule.ends_on is not None:
        horizon = min(horizon, rule.ends_on)
    while first <= horizon:
        chunk_end = min(horizon, first + dt.timedelta(days=MAX_RANGE_DAYS))
        if periods(rule, first, chunk_end):
            return True
        first = chunk_end + dt.timedelta(days=1)
    return False


def describe(rule: Rule) -> str:
    """The rule in words, for lists and the API."""
    weekdays = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]

    def anchor(value: str) -> str:
        if value == LAST or not value:
            return _("月末")
        if value == LAST_WORKING:
            return _("最后一个工作日")
        if value == FIRST_WORKING:
            return _("第一个工作日")
        return _("%(n)s 日") % {"n": value}

    c = rule.cadence
    every = rule.interval
    if c == WEEKLY:
        day = weekdays[rule.weekday if rule.weekday is not None else 4]
        return (
            _("每周%(day)s") % {"day": day}
            if every == 1
            else _("每 %(n)d 周%(day)s") % {"n": every, "day": day}
        )
    if c == MONTHLY:
        text = anchor(rule.day)
        return (
            _("每月%(day)s") % {"day": text}
            if every == 1
            else _("每 %(n)d 个月%(day)s") % {"n": every, "day": text}
        )
    if c == HALF_MONTHLY:
        return _("每半月：%(first)s、%(second)s") % {
            "first": anchor(rule.day or "15"),
            "second": anchor(rule.second_day or LAST),
        }
    if c == QUARTERLY:
        return _("每季度第 %(m)d 个月%(day)s") % {"m": rule.month or 3, "day": anchor(rule.day)}
    if c == YEARLY:
        return _("每年 %(m)d 月%(day)s") % {"m": rule.month or 12, "day": anchor(rule.day)}
    if c == CUSTOM:
        if rule.custom_dates:
            return _("每年 %(dates)s") % {
                "dates": "、".join(f"{m:02d}-{d:02d}" for m, d in rule.custom_dates)
            }
        unit = {"day": _("天"), "week": _("周"), "month": _("个月")}.get(rule.custom_unit, rule.custom_unit)
        return _("每 %(n)d %(unit)s") % {"n": every, "unit": unit}
    if c == PROGRAMME:
        return _("按培养计划每月一次")
    return _("不定期")
