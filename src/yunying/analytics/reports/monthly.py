"""月业绩分析: per store and region — sales, tickets, average ticket, month-on-month, year-on-year (none for a
store not open for the whole of last year's month), target attainment, rank; with the month's daily trend,
weekday pattern and channel mix. Reads SalesStoreMonth (and SalesDayTotal, or SalesStoreDay for some stores, for
the month's daily figures; SalesStoreProductTotal for the stores whose product lines do not add up to their
total)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.analytics.models import (
    SalesDayTotal,
    SalesStoreDay,
    SalesStoreMonth,
    SalesStoreProductTotal,
    StoreTarget,
)
from yunying.analytics.periods import add_months, month_days, month_end
from yunying.analytics.reports import charts
from yunying.analytics.reports.common import (
    CENT,
    ZERO,
    comparable_a_year_ago,
    like_for_like,
    money,
    num,
    only_stores,
    pct_change,
    pct_of,
    rank,
    ratio,
)
from yunying.analytics.selectors import StoreInfo, report_stores

WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


@dataclass
class Figures:
    sales: Decimal = ZERO
    tickets: int = 0
    customers: int = 0
    last_month: Decimal | None = None
    last_year: Decimal | None = None
    target: Decimal | None = None
    dine_in: Decimal = ZERO
    takeaway: Decimal = ZERO
    delivery: Decimal = ZERO
    days: int = 0
    yoy_sales: Decimal | None = None
    """For a group: this month's sales of only the stores that have last year's month."""

    @property
    def avg_ticket(self) -> Decimal | None:
        return ratio(self.sales, self.tickets)

    @property
    def mom_pct(self) -> float | None:
        return pct_change(self.sales, self.last_month) if self.days else None

    @property
    def yoy_pct(self) -> float | None:
        current = self.yoy_sales if self.yoy_sales is not None else self.sales
        return pct_change(current, self.last_year) if self.days else None

    @property
    def attainment_pct(self) -> float | None:
        return pct_of(self.sales, self.target)


@dataclass
class StoreLine(Figures):
    store: StoreInfo | None = None
    rank: int | None = None
    weekly_days: int = 0  # days of the month apportioned from weekly data
    derived_days: int = 0  # days whose total is the products summed (no store total imported)


@dataclass
class RegionLine(Figures):
    code: str = ""
    name: str = ""
    stores: list[StoreLine] = field(default_factory=list)
    rank: int | None = None


@dataclass
class TotalsMismatch:
    """A store whose month total (store-day rows) differs from the sum of its product lines."""

    store: StoreInfo
    store_total: Decimal | None  # None: product lines without any store-day total
    product_total: Decimal

    @property
    def difference(self) -> Decimal:
        return (self.store_total or ZERO) - self.product_total


@dataclass
class MonthlyReport:
    month: date
    stores: list[StoreLine]
    regions: list[RegionLine]
    total: Figures
    charts: dict[str, str] = field(default_factory=dict)
    mismatches: list[TotalsMismatch] = field(default_factory=list)

    @property
    def weekly_stores(self) -> int:
        """Stores whose month includes weekly data apportioned by days (the page says so)."""
        return sum(1 for s in self.stores if s.weekly_days)

    @property
    def derived_stores(self) -> int:
        """Stores with days whose total is their products summed (the page says so)."""
        return sum(1 for s in self.stores if s.derived_days)


def totals_mismatches(lines: list[StoreLine], month: date, ids: list[int] | None) -> list[TotalsMismatch]:
    """Stores whose store total and product total for the month disagree by a cent or more (stores without
    product lines are not compared: their products were not imported)."""
    products = dict(
        only_stores(SalesStoreProductTotal.objects.filter(month=month), ids).values_list("store_id", "amount")
    )
    found = []
    for line in lines:
        assert line.store is not None
        if line.store.pk not in products:
            continue
        product_total = money(products[line.store.pk])
        store_total = line.sales if line.days else None
        if store_total is None or abs(store_total - product_total) >= CENT:
            found.append(TotalsMismatch(line.store, store_total, product_total))
    return found


def _comparable_last_year(store: StoreInfo, month: date) -> bool:
    """Year-on-year only for stores open on the first day of last year's month (new stores have none)."""
    return comparable_a_year_ago(store.opened_on, add_months(month, -12))


def store_lines(*, user: Any, month: date, region: str | None = None) -> tuple[list[StoreLine], Any]:
    store_set = report_stores(user=user, region=region)
    ids = store_set.filter_ids()
    wanted = [month, add_months(month, -1), add_months(month, -12)]
    rows = only_stores(SalesStoreMonth.objects.filter(month__in=wanted), ids).values_list(
        "store_id",
        "month",
        "net_sales",
        "tickets",
        "customers",
        "sales_dine_in",
        "sales_takeaway",
        "sales_delivery",
        "days",
        "weekly_days",
        "derived_days",
    )
    by_key = {(r[0], r[1]): r for r in rows}
    targets = dict(
        only_stores(StoreTarget.objects.filter(month=month), ids).values_list("store_id", "amount")
    )
    lines = []
    for store in store_set.stores:
        line = StoreLine(store=store, target=money(targets[store.pk]) if store.pk in targets else None)
        current = by_key.get((store.pk, month))
        if current:
            line.sales, line.tickets, line.customers = money(current[2]), current[3], current[4]
            line.dine_in, line.takeaway, line.delivery = (
                money(current[5]),
                money(current[6]),
                money(current[7]),
            )
            line.days, line.weekly_days, line.derived_days = current[8], current[9], current[10]
        previous = by_key.get((store.pk, wanted[1]))
        line.last_month = money(previous[2]) if previous else None
        year_ago = by_key.get((store.pk, wanted[2]))
        line.last_year = money(year_ago[2]) if year_ago and _comparable_last_year(store, month) else None
        lines.append(line)
    rank(lines, lambda s: s.sales if s.days else None, lambda s, r: setattr(s, "rank", r))
    return lines, store_set


def _add(into: Figures, line: Figures) -> None:
    into.sales += line.sales
    into.tickets += line.tickets
    into.customers += line.customers
    into.dine_in += line.dine_in
    into.takeaway += line.takeaway
    into.delivery += line.delivery
    into.days = max(into.days, line.days)
    for name in ("last_month", "last_year", "target"):
        value = getattr(line, name)
        if value is not None:
            setattr(into, name, (getattr(into, name) or ZERO) + value)


def _like_for_like_year(into: Figures, lines: list[StoreLine]) -> None:
    """A group's year-on-year: 同店 (`like_for_like`), the stores that traded in both months."""
    both = like_for_like((s.sales if s.days else ZERO, s.last_year) for s in lines)
    if both is None:
        into.last_year = None
        return
    into.yoy_sales, into.last_year = both


def monthly_report(
    *,
    user: Any,
    month: date,
    region: str | None = None,
    with_charts: bool = True,
    with_mismatches: bool = True,
) -> MonthlyReport:
    lines, store_set = store_lines(user=user, month=month, region=region)
    regions: dict[str, RegionLine] = {}
    total = Figures()
    for line in lines:
        assert line.store is not None
        group = regions.setdefault(
            line.store.region_code, RegionLine(code=line.store.region_code, name=line.store.region_name)
        )
        group.stores.append(line)
        _add(group, line)
        _add(total, line)
    for group in regions.values():
        _like_for_like_year(group, group.stores)
    _like_for_like_year(total, lines)
    region_lines = list(regions.values())
    rank(region_lines, lambda r: r.sales if r.days else None, lambda r, n: setattr(r, "rank", n))
    report = MonthlyReport(month=month, stores=lines, regions=region_lines, total=total)
    if with_mismatches:  # the page lists them; the figures alone (API, board) do not
        report.mismatches = totals_mismatches(lines, month, store_set.filter_ids())
    if with_charts:
        report.charts = _charts(report, store_set.filter_ids())
    return report


def monthly_figures(*, user: Any, month: date, region: str | None = None) -> dict[str, Any]:
    """The month's totals and store lines as plain data (`/api/analytics/monthly`)."""
    report = monthly_report(user=user, month=month, region=region, with_charts=False, with_mismatches=False)
    total = report.total
    return {
        "month": report.month.strftime("%Y-%m"),
        "sales": total.sales,
        "tickets": total.tickets,
        "average_ticket": total.avg_ticket,
        "mom_pct": total.mom_pct,
        "yoy_pct": total.yoy_pct,
        "target": total.target,
        "attainment_pct": total.attainment_pct,
        "stores": [
            {
                "code": s.store.code,
                "name": s.store.name,
                "region_code": s.store.region_code,
                "region_name": s.store.region_name,
                "sales": s.sales,
                "tickets": s.tickets,
                "customers": s.customers,
                "average_ticket": s.avg_ticket,
                "mom_pct": s.mom_pct,
                "yoy_pct": s.yoy_pct,
                "target": s.target,
                "attainment_pct": s.attainment_pct,
                "rank": s.rank,
            }
            for s in report.stores
            if s.store is not None
        ],
    }


def daily_series(*, ids: list[int] | None, month: date, months: int = 1) -> dict[date, Decimal]:
    """Sales per day of `month` (and of the `months` - 1 before it, in the same query)."""
    first, end = add_months(month, 1 - months), month_end(month)
    if ids is None:  # every store: the day totals kept with the store-days
        totals = SalesDayTotal.objects.filter(date__gte=first, date__lt=end).values_list("date", "net_sales")
        return {day: money(sales) for day, sales in totals}
    days = SalesStoreDay.objects.filter(date__gte=first, date__lt=end)
    rows = only_stores(days, ids).values_list("date").annotate(s=Sum("net_sales")).order_by()
    return {day: money(sales) for day, sales in rows}


def trend_months(*, ids: list[int] | None, month: date, count: int = 13) -> dict[date, Decimal]:
    first = add_months(month, -(count - 1))
    rows = only_stores(SalesStoreMonth.objects.filter(month__gte=first, month__lte=month), ids)
    totals = rows.values("month").annotate(s=Sum("net_sales"))
    return {r["month"]: money(r["s"]) for r in totals}


def _charts(report: MonthlyReport, ids: list[int] | None) -> dict[str, str]:
    month = report.month
    both = daily_series(ids=ids, month=month, months=2)
    this = {d: v for d, v in both.items() if d >= month}
    last = {d: v for d, v in both.items() if d < month}
    days = month_days(month)
    last_by_day = {d.day: v for d, v in last.items()}
    daily = charts.line(
        [f"{d.day}" for d in days],
        {
            _("本月"): [num(this.get(d)) if d in this else None for d in days],
            _("上月同日"): [num(last_by_day.get(d.day)) if d.day in last_by_day else None for d in days],
        },
        area=True,
    )
    weekday_sum: dict[int, list[Decimal]] = defaultdict(list)
    for day, value in this.items():
        weekday_sum[day.weekday()].append(value)
    weekday = charts.bar(
        [str(w) for w in WEEKDAYS],
        {
            _("日均销售额"): [
                round(num(sum(v) / len(v)), 2) if v else 0 for i in range(7) for v in [weekday_sum[i]]
            ]
        },
    )
    total = report.total
    mix = charts.pie(
        {_("堂食"): num(total.dine_in), _("外带"): num(total.takeaway), _("外卖"): num(total.delivery)}
    )
    months = trend_months(ids=ids, month=month)
    axis = [add_months(month, -i) for i in range(12, -1, -1)]
    trend = charts.bar([m.strftime("%Y-%m") for m in axis], {_("销售额"): [num(months.get(m)) for m in axis]})
    stores_sorted = sorted((s for s in report.stores if s.days), key=lambda s: s.sales, reverse=True)
    ranking = charts.bar(
        [s.store.name for s in stores_sorted if s.store],
        {
            _("销售额"): [num(s.sales) for s in stores_sorted],
            _("指标"): [num(s.target) for s in stores_sorted],
        },
        horizontal=True,
    )
    return {
        "daily": charts.to_json(daily),
        "weekday": charts.to_json(weekday),
        "mix": charts.to_json(mix),
        "trend": charts.to_json(trend),
        "stores": charts.to_json(ranking),
    }
