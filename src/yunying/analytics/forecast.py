"""Next month's target suggestion per store, and its back-test against the seasonal-naive baseline.

The method (shown to users on the targets page):
1. weekday mix — each store's weight of Monday…Sunday from its last 8 ordinary weeks;
2. holidays — chain-wide factors for the Spring Festival week, the May/October golden weeks and New Year's
   Day, measured against the same weekdays in the four weeks before each holiday;
3. day weight of a month = Σ over its days of weekday weight × holiday factor, so a month with five weekends
   or with the Spring Festival in it weighs what it should;
4. seasonality — the chain's level (sales ÷ day weight) per calendar month relative to the last 12 months;
5. level and trend — the store's deseasonalised level over its last 3 months, carried forward by its own
   year-on-year growth rate (damped), for stores that have a year of history.
Suggestion = level × trend × seasonal index of the target month × day weight of the target month.
The baseline (seasonal naive) is simply the same month last year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median

from yunying.analytics.periods import add_months, holiday_kind, month_days, month_start

Daily = dict[date, float]  # one store's sales per day (channels summed)
RECENT_MONTHS = 3
DAMPING = 0.5


@dataclass
class Context:
    """What the method learns from the whole chain's history before the target month."""

    holiday: dict[str, float] = field(default_factory=dict)
    seasonal: dict[int, float] = field(default_factory=dict)


def weekday_weights(daily: Daily, before: date, weeks: int = 8) -> list[float]:
    start = before - timedelta(weeks=weeks)
    buckets: dict[int, list[float]] = defaultdict(list)
    for day, value in daily.items():
        if start <= day < before and holiday_kind(day) is None:
            buckets[day.weekday()].append(value)
    if len(buckets) < 7 or min(len(v) for v in buckets.values()) < 2:
        return [1.0] * 7
    means = [sum(buckets[i]) / len(buckets[i]) for i in range(7)]
    overall = sum(means) / 7
    return [m / overall if overall else 1.0 for m in means]


def day_weight(days: Iterable[date], weights: list[float], holiday: dict[str, float]) -> float:
    total = 0.0
    for day in days:
        kind = holiday_kind(day)
        total += weights[day.weekday()] * (holiday.get(kind, 1.0) if kind else 1.0)
    return total


def holiday_factors(stores: dict[int, Daily], before: date) -> dict[str, float]:
    ratios: dict[str, list[float]] = defaultdict(list)
    for daily in stores.values():
        for day, value in daily.items():
            kind = holiday_kind(day)
            if kind is None or day >= before:
                continue
            same_weekday = [
                daily.get(day - timedelta(weeks=w))
                for w in range(2, 6)
                if holiday_kind(day - timedelta(weeks=w)) is None
            ]
            base = [v for v in same_weekday if v]
            if len(base) >= 2:
                ratios[kind].append(value / (sum(base) / len(base)))
    return {kind: median(values) for kind, values in ratios.items() if len(values) >= 3}


def _month_levels(
    daily: Daily, weights: list[float], holiday: dict[str, float], before: date
) -> dict[date, float]:
    """Sales ÷ day weight, for each month before `before` in which the store sold every day."""
    by_month: dict[date, list[date]] = defaultdict(list)
    for day in daily:
        if day < before:
            by_month[month_start(day)].append(day)
    levels = {}
    for month, days in by_month.items():
        if len(days) < len(month_days(month)):
            continue
        weight = day_weight(days, weights, holiday)
        if weight:
            levels[month] = sum(daily[d] for d in days) / weight
    return levels


def chain_context(stores: dict[int, Daily], before: date) -> Context:
    holiday = holiday_factors(stores, before)
    seasonal_sum: dict[int, list[float]] = defaultdict(list)
    first = add_months(month_start(before), -12)
    for daily in stores.values():
        weights = weekday_weights(daily, before)
        levels = {m: v for m, v in _month_levels(daily, weights, holiday, before).items() if m >= first}
        if len(levels) < 12:
            continue
        mean = sum(levels.values()) / len(levels)
        for month, level in levels.items():
            seasonal_sum[month.month].append(level / mean)
    seasonal = {m: median(v) for m, v in seasonal_sum.items()}
    return Context(holiday=holiday, seasonal=seasonal)


def suggest(daily: Daily, month: date, context: Context, *, opened_on: date | None = None) -> float | None:
    """The suggested sales of `month` from the store's history before it; None without a full month."""
    weights = weekday_weights(daily, month)
    levels = _month_levels(daily, weights, context.holiday, month)
    if not levels:
        return None
    season = context.seasonal

    def deseasonalised(m: date) -> float:
        return levels[m] / season.get(m.month, 1.0)

    recent = sorted(levels)[-RECENT_MONTHS:]
    level = sum(deseasonalised(m) for m in recent) / len(recent)
    year_ago = [add_months(m, -12) for m in recent]
    if all(m in levels for m in year_ago):
        before = sum(deseasonalised(m) for m in year_ago) / len(year_ago)
        if before > 0:
            monthly_growth = (level / before) ** (1 / 12)
            level *= monthly_growth ** (2 * DAMPING)  # from the middle of the recent months to the target
    days = [d for d in month_days(month) if opened_on is None or d >= opened_on]
    return level * season.get(month.month, 1.0) * day_weight(days, weights, context.holiday)


def seasonal_naive(daily: Daily, month: date) -> float | None:
    last_year = add_months(month, -12)
    days = month_days(last_year)
    if not all(d in daily for d in days):
        return None
    return sum(daily[d] for d in days)


@dataclass
class Backtest:
    months: list[str]
    forecasts: int
    stores: int
    mape_method: float | None
    mape_baseline: float | None
    details: list[dict[str, object]]


def backtest(stores: dict[int, Daily], months: list[date], names: dict[int, str] | None = None) -> Backtest:
    """For each month: forecast every store from the data before it, compare with what it sold."""
    errors_method: list[float] = []
    errors_base: list[float] = []
    details: list[dict[str, object]] = []
    used: set[int] = set()
    for month in months:
        cut = {pk: {d: v for d, v in daily.items() if d < month} for pk, daily in stores.items()}
        context = chain_context(cut, month)
        m_err: list[float] = []
        b_err: list[float] = []
        for pk, daily in stores.items():
            days = month_days(month)
            if not all(d in daily for d in days):
                continue
            actual = sum(daily[d] for d in days)
            forecast = suggest(cut[pk], month, context)
            baseline = seasonal_naive(cut[pk], month)
            if forecast is None or baseline is None or actual <= 0:
                continue
            used.add(pk)
            m_err.append(abs(forecast - actual) / actual * 100)
            b_err.append(abs(baseline - actual) / actual * 100)
        if m_err:
            errors_method += m_err
            errors_base += b_err
            details.append(
                {
                    "month": month.strftime("%Y-%m"),
                    "stores": len(m_err),
                    "mape_method": round(sum(m_err) / len(m_err), 2),
                    "mape_baseline": round(sum(b_err) / len(b_err), 2),
                }
            )
    return Backtest(
        months=[d["month"] for d in details],  # type: ignore[misc]
        forecasts=len(errors_method),
        stores=len(used),
        mape_method=round(sum(errors_method) / len(errors_method), 2) if errors_method else None,
        mape_baseline=round(sum(errors_base) / len(errors_base), 2) if errors_base else None,
        details=details,
    )
