"""The business calendar (营业日历): which days an org unit works, its working hours, and working time.

One function family everybody uses:

* :meth:`UnitCalendar.add` — the moment N working hours after a moment;
* :meth:`UnitCalendar.add_days` — the same wall-clock time N working days later (clamped into the hours);
* :meth:`UnitCalendar.between` — the working time between two moments.

A day is decided, most specific first, by an administrator's override (:class:`CalendarOverride`, the
unit's own or its nearest ancestor's, then the company's), then the unit's working hours: stores open
every day follow only the overrides; offices follow China's statutory calendar with its public holidays
and make-up working days (调休) from the ``chinesecalendar`` library. A year that library does not know is
*unknown* (``working is None``) unless an administrator maintains it by hand (:class:`CalendarYear`): the
calendar never guesses. Asking for working time across an unknown day raises :class:`CalendarUnknown`.

Hours are wall-clock times in the unit's time zone; all arithmetic is done on UTC instants, so DST and a
second time zone need no special case."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.core.clock import company_zone
from yunying.core.errors import DomainError

UTC = dt.UTC
MAX_SPAN_DAYS = 3 * 366  # beyond this, an addition is refused rather than looping for ever

HOLIDAY_NAMES: dict[str, Promise] = {
    "New Year's Day": gettext_lazy("元旦"),
    "Spring Festival": gettext_lazy("春节"),
    "Tomb-sweeping Day": gettext_lazy("清明节"),
    "Labour Day": gettext_lazy("劳动节"),
    "Dragon Boat Festival": gettext_lazy("端午节"),
    "National Day": gettext_lazy("国庆节"),
    "Mid-autumn Festival": gettext_lazy("中秋节"),
    "Anti-Fascist 70th Day": gettext_lazy("抗战胜利70周年纪念日"),
}

# Why a day is (not) working: the API's ``reason`` codes.
WORKDAY = "workday"
WEEKEND = "weekend"
HOLIDAY = "holiday"
MAKEUP = "makeup_workday"
OPEN_DAILY = "open_every_day"
OVERRIDE = "override"
UNKNOWN = "unknown_year"
CLOSED_WEEKDAY = "closed_weekday"

REASON_LABELS: dict[str, Promise] = {
    WORKDAY: gettext_lazy("工作日"),
    WEEKEND: gettext_lazy("周末"),
    HOLIDAY: gettext_lazy("法定节假日"),
    MAKEUP: gettext_lazy("调休上班"),
    OPEN_DAILY: gettext_lazy("每天营业"),
    OVERRIDE: gettext_lazy("日历例外"),
    UNKNOWN: gettext_lazy("节假日安排未知"),
    CLOSED_WEEKDAY: gettext_lazy("每周固定休息"),
}


class CalendarUnknown(DomainError):
    """Working time was asked across a day of a year whose holidays are not known."""

    code = "calendar_unknown"

    def __init__(self, year: int):
        super().__init__(
            _("%(year)s 年的节假日安排尚未收录，请在营业日历中维护该年的节假日和调休。") % {"year": year},
            field="date",
        )
        self.year = year


def library_years() -> tuple[int, int]:
    """The first and last year the holiday library knows."""
    years = {d.year for d in chinese_calendar.constants.holidays}
    return min(years), max(years)


@dataclass(frozen=True)
class Hours:
    """Wall-clock working hours of a day, with an optional break (e.g. lunch). A closing time at or
    before the opening time is on the next day: a store open 10:00–02:00 works until 2 a.m. after the
    day it opened (that time counts for the day it opened)."""

    opens: dt.time
    closes: dt.time
    break_starts: dt.time | None = None
    break_ends: dt.time | None = None
    every_day: bool = False

    def __post_init__(self) -> None:
        if self.opens == self.closes:
            raise DomainError(_("上班和下班时间不能相同。"), field="closes_at")
        if (self.break_starts is None) != (self.break_ends is None):
            raise DomainError(_("午休需同时填写开始和结束时间。"), field="break_starts_at")
        if self.break_starts is not None and self.break_ends is not None:
            opens, closes = self._offset(self.opens), self._offset(self.closes)
            starts, ends = self._offset(self.break_starts), self._offset(self.break_ends)
            if not opens <= starts < ends <= closes:
                raise DomainError(_("午休必须在上班时间之内。"), field="break_starts_at")

    @property
    def overnight(self) -> bool:
        """The day's hours run past midnight."""
        return self.closes < self.opens

    def _offset(self, t: dt.time) -> dt.timedelta:
        """``t`` as time since the opening day's midnight (after midnight: the next day's)."""
        since = dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)
        if self.overnight and t < self.opens:
            since += dt.timedelta(days=1)
        return since

    def spans(self) -> list[tuple[dt.time, dt.time]]:
        if self.break_starts is None or self.break_ends is None:
            return [(self.opens, self.closes)]
        spans = [(self.opens, self.break_starts), (self.break_ends, self.closes)]
        return [(a, b) for a, b in spans if self._offset(a) < self._offset(b)]

    def offsets(self) -> tuple[tuple[dt.timedelta, dt.timedelta], ...]:
        """The working spans as times since the opening day's midnight (an end may pass 24 h)."""
        return tuple((self._offset(a), self._offset(b)) for a, b in self.spans())

    def length(self) -> dt.timedelta:
        """Working time of one day of these hours."""
        return sum((b - a for a, b in self.offsets()), dt.timedelta(0))


WEEKDAY_KEYS = ("0", "1", "2", "3", "4", "5", "6")  # Monday … Sunday, as stored


def weekly_from_json(raw: Any, base: Hours) -> dict[int, Hours | None]:
    """Hours by weekday as stored (``{"4": {"opens": "10:00", "closes": "02:00"}, "0": null}``: Friday
    10:00–02:00, closed on Mondays); weekdays not named use ``base``. Bad data is a DomainError."""
    if not raw:
        return {}
    if not isinstance(raw, dict) or any(k not in WEEKDAY_KEYS for k in raw):
        raise DomainError(_("按星期的工作时间格式不正确：键应为 0（星期一）到 6（星期日）。"), field="weekly")
    out: dict[int, Hours | None] = {}
    for key, value in raw.items():
        if value is None:
            out[int(key)] = None
            continue
        try:
            times = {
                name: dt.time.fromisoformat(value[name]) if value.get(name) else None
                for name in ("opens", "closes", "break_starts", "break_ends")
            }
        except (TypeError, ValueError, AttributeError):
            raise DomainError(
                _(
                    '按星期的工作时间格式不正确：时间应写成 HH:MM，例如 {"opens": "10:00", "closes": "02:00"}。'
                ),
                field="weekly",
            ) from None
        if times["opens"] is None or times["closes"] is None:
            raise DomainError(_("按星期的工作时间需填写上班和下班时间。"), field="weekly")
        out[int(key)] = Hours(
            times["opens"], times["closes"], times["break_starts"], times["break_ends"], base.every_day
        )
    return out


DEFAULT_HOURS = Hours(dt.time(9), dt.time(18), dt.time(12), dt.time(13))


@dataclass(frozen=True)
class Day:
    date: dt.date
    working: bool | None  # None: the year's holidays are unknown
    reason: str
    label: str = ""
    spans: tuple[tuple[dt.time, dt.time], ...] = ()
    offsets: tuple[tuple[dt.timedelta, dt.timedelta], ...] = ()  # the spans since the day's midnight

    @property
    def reason_label(self) -> str:
        return str(REASON_LABELS.get(self.reason, self.reason))


@functools.lru_cache(maxsize=16384)
def _library_day(d: dt.date) -> tuple[bool, str | None] | None:
    """The library's answer for a day (remembered: it scans its tables on every call), None for a year it
    has no data for."""
    try:
        return chinese_calendar.get_holiday_detail(d)  # type: ignore[no-any-return]
    except NotImplementedError:  # chinesecalendar's documented answer for a year it has no data for
        return None


def statutory_day(d: dt.date, manual_years: frozenset[int] = frozenset()) -> tuple[bool | None, str, str]:
    """China's statutory calendar for a day: ``(working, reason, holiday name)``; ``working`` is None
    for a year neither the library nor an administrator knows."""
    found = _library_day(d)
    if found is not None:
        is_holiday, name = found
    else:
        if d.year in manual_years:
            return (d.weekday() < 5, WORKDAY if d.weekday() < 5 else WEEKEND, "")
        return None, UNKNOWN, ""
    label = str(HOLIDAY_NAMES.get(name, name)) if name else ""
    if is_holiday:
        return False, (HOLIDAY if name else WEEKEND), label
    return True, (MAKEUP if name else WORKDAY), label


@dataclass
class UnitCalendar:
    """The calendar of one org unit: its zone, hours and resolved overrides (date -> (working, note))."""

    zone: ZoneInfo
    hours: Hours = DEFAULT_HOURS
    overrides: dict[dt.date, tuple[bool, str]] = field(default_factory=dict)
    manual_years: frozenset[int] = frozenset()
    unit_code: str = ""
    weekly: dict[int, Hours | None] = field(default_factory=dict)  # weekday → its own hours / closed
    _utc_spans: dict[dt.date, list[tuple[dt.datetime, dt.datetime]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _days: dict[dt.date, Day] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- days
    def hours_on(self, d: dt.date) -> Hours | None:
        """The hours of ``d``'s weekday (None: closed on that weekday)."""
        return self.weekly.get(d.weekday(), self.hours) if self.weekly else self.hours

    def day(self, d: dt.date) -> Day:
        """The day as this calendar sees it (remembered: a calendar is built per use, its data fixed)."""
        found = self._days.get(d)
        if found is None:
            found = self._days[d] = self._resolve_day(d)
        return found

    def _resolve_day(self, d: dt.date) -> Day:
        hours = self.hours_on(d)
        found = self.overrides.get(d)
        if found is not None:
            worked = hours or self.hours  # an override opens even a weekday that is usually closed
            return _day(d, found[0], OVERRIDE, found[1], worked)
        working, reason, label = statutory_day(d, self.manual_years)
        if self.hours.every_day:
            working, reason = True, OPEN_DAILY
        if hours is None and working is not False:
            return Day(d, False, CLOSED_WEEKDAY, label)
        return _day(d, working, reason, label, hours)

    def days(self, start: dt.date, end: dt.date) -> list[Day]:
        return [self.day(start + dt.timedelta(days=i)) for i in range((end - start).days + 1)]

    def is_working_day(self, d: dt.date) -> bool:
        day = self.day(d)
        if day.working is None:
            raise CalendarUnknown(d.year)
        return day.working

    # -- working time
    @property
    def _spills(self) -> bool:
        """Some day's hours run past midnight: a day's working time may lie in the next date."""
        return self.hours.overnight or any(h is not None and h.overnight for h in self.weekly.values())

    def _intervals(self, d: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        found = self._utc_spans.get(d)
        if found is not None:
            return found
        spans = self._raw_intervals(d)
        if spans and self._spills:
            # A day that opens before the previous day's late hours ended does not count them twice.
            try:
                before = self._raw_intervals(d - dt.timedelta(days=1))
            except CalendarUnknown:
                before = []
            if before:
                floor = before[-1][1]
                spans = [(max(a, floor), b) for a, b in spans if b > floor]
        self._utc_spans[d] = spans
        return spans

    def _raw_intervals(self, d: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        day = self.day(d)
        if day.working is None:
            raise CalendarUnknown(d.year)
        midnight = dt.datetime.combine(d, dt.time(0))
        return [
            (
                (midnight + a).replace(tzinfo=self.zone).astimezone(UTC),
                (midnight + b).replace(tzinfo=self.zone).astimezone(UTC),
            )
            for a, b in day.offsets
        ]

    def _first_day(self, moment: dt.datetime) -> dt.date:
        """The first date whose working time may contain ``moment`` (the day before, when hours run
        past midnight)."""
        d = moment.astimezone(self.zone).date()
        return d - dt.timedelta(days=1) if self._spills else d

    def _walk(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working intervals (UTC) from the local day of ``start`` on, for at most ``MAX_SPAN_DAYS``."""
        d = self._first_day(start)
        for i in range(MAX_SPAN_DAYS):
            yield from self._intervals(d + dt.timedelta(days=i))
        raise DomainError(
            _("%(days)s 天内没有足够的工作时间，请检查营业日历。") % {"days": MAX_SPAN_DAYS}, field="due"
        )

    def add(self, moment: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The moment ``duration`` of working time after ``moment`` (returned in UTC)."""
        _check_aware(moment)
        if duration < dt.timedelta(0):
            raise DomainError(_("工作时长不能为负数。"), field="due")
        cur = moment.astimezone(UTC)
        if duration == dt.timedelta(0):
            return cur
        remaining = duration
        for start, end in self._walk(cur):
            if end <= cur:
                continue
            begin = max(start, cur)
            available = end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover — _walk raises at its end

    def next_working_moment(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` when it lies in working time, else the start of the next working time (UTC)."""
        _check_aware(moment)
        cur = moment.astimezone(UTC)
        for start, end in self._walk(cur):
            if end > cur:
                return max(start, cur)
        raise AssertionError("unreachable")  # pragma: no cover — _walk raises at its end

    def add_days(self, moment: dt.datetime, days: int) -> dt.datetime:
        """The same wall-clock time ``days`` working days after ``moment``'s day, moved into the day's
        working hours when it lies outside them (``days=0``: the moment itself)."""
        _check_aware(moment)
        if days < 0:
            raise DomainError(_("工作日数不能为负数。"), field="due")
        local = moment.astimezone(self.zone)
        if days == 0:
            return moment.astimezone(UTC)
        d, found = local.date(), 0
        for _i in range(MAX_SPAN_DAYS):
            d += dt.timedelta(days=1)
            if self.is_working_day(d):
                found += 1
                if found == days:
                    offsets = self.day(d).offsets
                    wall = local.replace(tzinfo=None) - dt.datetime.combine(local.date(), dt.time(0))
                    since = min(max(wall, offsets[0][0]), offsets[-1][1])
                    moment = dt.datetime.combine(d, dt.time(0)) + since
                    return moment.replace(tzinfo=self.zone).astimezone(UTC)
        raise DomainError(
            _("%(days)s 天内没有足够的工作日，请检查营业日历。") % {"days": MAX_SPAN_DAYS}, field="due"
        )

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The working time from ``start`` to ``end`` (zero when ``end`` is not after ``start``)."""
        _check_aware(start)
        _check_aware(end)
        a, b = start.astimezone(UTC), end.astimezone(UTC)
        total = dt.timedelta(0)
        if b <= a:
            return total
        d, last = self._first_day(a), b.astimezone(self.zone).date()
        while d <= last:
            for s, e in self._intervals(d):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            d += dt.timedelta(days=1)
        return total

    def is_working_moment(self, moment: dt.datetime) -> bool:
        cur = moment.astimezone(UTC)
        first, last = self._first_day(cur), cur.astimezone(self.zone).date()
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        return any(s <= cur < e for d in days for s, e in self._intervals(d))


def _day(d: dt.date, working: bool | None, reason: str, label: str, hours: Hours | None) -> Day:
    if not working or hours is None:
        return Day(d, working, reason, label)
    return Day(d, working, reason, label, tuple(hours.spans()), hours.offsets())


def _check_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("working time needs aware datetimes")


# -- the stored calendar ------------------------------------------------------------------------


def _chain(unit: Any) -> list[Any]:
    """The unit and its ancestors, nearest first."""
    chain: list[Any] = []
    seen: set[int] = set()
    while unit is not None and unit.pk not in seen:
        chain.append(unit)
        seen.add(unit.pk)
        unit = unit.parent
    return chain


def hours_of(row: Any) -> Hours:
    from yunying.core.models import WorkingDays

    return Hours(
        row.opens_at,
        row.closes_at,
        row.break_starts_at,
        row.break_ends_at,
        every_day=row.days == WorkingDays.EVERY_DAY,
    )


def weekly_of(row: Any, base: Hours) -> dict[int, Hours | None]:
    return weekly_from_json(getattr(row, "weekly", None), base) if row is not None else {}


def unit_calendar(unit: Any = None) -> UnitCalendar:
    """The calendar of ``unit`` (an ``OrgUnit``; None: the company's), read from the database: the nearest
    working hours up the tree, then the company default; overrides of the unit's chain and the company."""
    from yunying.core.models import CalendarOverride, CalendarYear, WorkingHours

    chain = _chain(unit)
    rows = {h.unit_id: h for h in WorkingHours.objects.filter(unit__in=chain)} if chain else {}
    hours_row = next((rows[u.pk] for u in chain if u.pk in rows), None)
    if hours_row is None:
        hours_row = WorkingHours.objects.filter(unit__isnull=True).first()
    found = CalendarOverride.objects.filter(_override_filter(chain)).only("date", "unit", "working", "note")
    return _assemble(
        unit,
        [u.pk for u in chain],
        hours_row,
        list(found),
        frozenset(CalendarYear.objects.values_list("year", flat=True)),
    )


def unit_calendars(units: Iterable[Any]) -> dict[int, UnitCalendar]:
    """The calendars of many units at once (unit id → the same calendar :func:`unit_calendar` gives), in a
    constant number of queries whatever their number: the tree's parent links, the working hours, the
    overrides and the known years."""
    from django.db.models import Q

    from yunying.core.models import CalendarOverride, CalendarYear, WorkingHours
    from yunying.org.models import OrgUnit

    wanted = {u.pk: u for u in units if u is not None}
    if not wanted:
        return {}
    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))
    chains: dict[int, list[int]] = {}
    for pk in wanted:
        chain: list[int] = []
        current: int | None = pk
        while current is not None and current not in chain:
            chain.append(current)
            current = parents.get(current)
        chains[pk] = chain
    every = {pk for chain in chains.values() for pk in chain}
    own: dict[int, Any] = {}
    company_rows: list[Any] = []
    for row in WorkingHours.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=every)).order_by("pk"):
        if row.unit_id is None:
            company_rows.append(row)
        else:
            own[row.unit_id] = row
    company_row = company_rows[0] if company_rows else None
    by_unit: dict[int | None, list[Any]] = {}
    for o in CalendarOverride.objects.filter(Q(unit__isnull=True) | Q(unit_id__in=every)).only(
        "date", "unit", "working", "note"
    ):
        by_unit.setdefault(o.unit_id, []).append(o)
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    found: dict[int, UnitCalendar] = {}
    for pk, unit in wanted.items():
        chain = chains[pk]
        hours_row = next((own[u] for u in chain if u in own), None) or company_row
        overrides = [o for u in (*chain, None) for o in by_unit.get(u, [])]
        found[pk] = _assemble(unit, chain, hours_row, overrides, years)
    return found


def _assemble(
    unit: Any, chain: list[int], hours_row: Any, overrides_found: list[Any], years: frozenset[int]
) -> UnitCalendar:
    """A unit's calendar from what was read: its chain's ids (nearest first), the hours row that applies,
    the overrides of the chain and the company (the nearest unit's wins for a date), the known years."""
    rank = {pk: i for i, pk in enumerate(chain)}
    hours = hours_of(hours_row) if hours_row is not None else DEFAULT_HOURS
    weekly = weekly_of(hours_row, hours)
    overrides: dict[dt.date, tuple[int, bool, str]] = {}
    for o in overrides_found:
        r = rank.get(o.unit_id, len(chain)) if o.unit_id is not None else len(chain)
        if o.date not in overrides or r < overrides[o.date][0]:
            overrides[o.date] = (r, o.working, o.note)
    tz_name = getattr(unit, "time_zone", "") if unit is not None else ""
    return UnitCalendar(
        zone=ZoneInfo(tz_name) if tz_name else company_zone(),
        hours=hours,
        overrides={d: (w, n) for d, (_r, w, n) in overrides.items()},
        manual_years=years,
        unit_code=getattr(unit, "code", "") or "",
        weekly=weekly,
    )


def _override_filter(chain: list[Any]) -> Any:
    from django.db.models import Q

    q = Q(unit__isnull=True)
    if chain:
        q |= Q(unit__in=chain)
    return q


def add_working_time(moment: dt.datetime, duration: dt.timedelta, *, unit: Any = None) -> dt.datetime:
    return unit_calendar(unit).add(moment, duration)


def add_working_days(moment: dt.datetime, days: int, *, unit: Any = None) -> dt.datetime:
    return unit_calendar(unit).add_days(moment, days)


def working_time_between(start: dt.datetime, end: dt.datetime, *, unit: Any = None) -> dt.timedelta:
    return unit_calendar(unit).between(start, end)
