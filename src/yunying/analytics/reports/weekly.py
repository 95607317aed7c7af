"""周业绩汇总: per store and region — sales, tickets, average ticket, against last week and the same week last
year (52 weeks back, same weekdays), rank, the top and bottom five; a store × week heat map and the rank
changes of the last weeks. Reads SalesStoreWeek only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from yunying.analytics.models import SalesStoreWeek
from yunying.analytics.reports import charts
from yunying.analytics.reports.common import (
    ZERO,
    comparable_a_year_ago,
    like_for_like,
    money,
    only_stores,
    pct_change,
    rank,
    ratio,
)
from yunying.analytics.selectors import StoreInfo, report_stores

HEAT_WEEKS = 12
RANK_WEEKS = 8


@dataclass
class WeekLine:
    name: str
    code: str
    region_name: str = ""
    sales: Decimal = ZERO
    tickets: int = 0
    customers: int = 0
    days: int = 0
    last_week: Decimal | None = None
    last_year: Decimal | None = None
    yoy_sales: Decimal | None = None  # a group's sales of the stores also in `last_year` (同店)
    rank: int | None = None
    stores: list[WeekLine] = field(default_factory=list)

    @property
    def avg_ticket(self) -> Decimal | None:
        return ratio(self.sales, self.tickets)

    @property
    def wow_pct(self) -> float | None:
        return pct_change(self.sales, self.last_week) if self.days else None

    @property
    def yoy_pct(self) -> float | None:
        """同店同比: a group compares only its stores that traded in both weeks (`like_for_like`)."""
        current = self.yoy_sales if self.yoy_sales is not None else self.sales
        return pct_change(current, self.last_year) if self.days else None


@dataclass
class WeeklyReport:
    week: date
    stores: list[WeekLine]
    regions: list[WeekLine]
    total: WeekLine
    top: list[WeekLine]
    bottom: list[WeekLine]
    charts: dict[str, str] = field(default_factory=dict)


def _year_ago(week: date) -> date:
    return week - timedelta(weeks=52)


def weekly_report(
    *, user: Any, week: date, region: str | None = None, with_charts: bool = True
) -> WeeklyReport:
    store_set = report_stores(user=user, region=region)
    ids = store_set.filter_ids()
    first = week - timedelta(weeks=max(HEAT_WEEKS, RANK_WEEKS) - 1)
    wanted = only_stores(SalesStoreWeek.objects.filter(week__gte=first, week__lte=week), ids)
    history = {
        (r[0], r[1]): r
        for r in wanted.values_list("store_id", "week", "net_sales", "tickets", "customers", "days")
    }
    year_ago = dict(
        only_stores(SalesStoreWeek.objects.filter(week=_year_ago(week)), ids).values_list(
            "store_id", "net_sales"
        )
    )
    lines: list[WeekLine] = []
    regions: dict[str, WeekLine] = {}
    total = WeekLine(name=_("合计"), code="")
    for store in store_set.stores:
        line = _store_line(store, history, year_ago, week)
        lines.append(line)
        group = regions.setdefault(
            store.region_code, WeekLine(name=store.region_name, code=store.region_code)
        )
        group.stores.append(line)
        for into in (group, total):
            into.sales += line.sales
            into.tickets += line.tickets
            into.customers += line.customers
            into.days = max(into.days, line.days)
            if line.last_week is not None:
                into.last_week = (into.last_week or ZERO) + line.last_week
    for group in (*regions.values(), total):
        both = like_for_like((s.sales if s.days else ZERO, s.last_year) for s in (group.stores or lines))
        group.yoy_sales, group.last_year = both if both else (None, None)
    rank(lines, lambda s: s.sales if s.days else None, lambda s, r: setattr(s, "rank", r))
    region_lines = list(regions.values())
    rank(region_lines, lambda s: s.sales if s.days else None, lambda s, r: setattr(s, "rank", r))
    ranked = sorted((s for s in lines if s.rank), key=lambda s: s.rank or 0)
    report = WeeklyReport(
        week=week,
        stores=lines,
        regions=region_lines,
        total=total,
        top=ranked[:5],
        bottom=list(reversed(ranked[-5:])) if len(ranked) > 5 else [],
    )
    if with_charts:
        report.charts = _charts(store_set.stores, history, week)
    return report


def _store_line(store: StoreInfo, history: dict[Any, Any], year_ago: dict[int, Any], week: date) -> WeekLine:
    line = WeekLine(name=store.name, code=store.code, region_name=store.region_name)
    row = history.get((store.pk, week))
    if row:
        line.sales, line.tickets, line.customers, line.days = money(row[2]), row[3], row[4], row[5]
    previous = history.get((store.pk, week - timedelta(weeks=1)))
    line.last_week = money(previous[2]) if previous else None
    comparable = comparable_a_year_ago(store.opened_on, _year_ago(week))
    line.last_year = money(year_ago[store.pk]) if store.pk in year_ago and comparable else None
    return line


def _charts(stores: list[StoreInfo], history: dict[Any, Any], week: date) -> dict[str, str]:
    weeks = [week - timedelta(weeks=i) for i in range(HEAT_WEEKS - 1, -1, -1)]
    labels = [w.strftime("%m-%d") for w in weeks]
    cells = []
    for y, store in enumerate(stores):
        values = [float(history[(store.pk, w)][2]) for w in weeks if (store.pk, w) in history]
        mean = sum(values) / len(values) if values else 0
        for x, w in enumerate(weeks):
            row = history.get((store.pk, w))
            if row and mean:
                cells.append([x, y, round((float(row[2]) / mean - 1) * 100, 1)])
    heat = charts.heatmap(labels, [s.name for s in stores], cells, low=-20, high=20, label=_("较本店均值 %"))
    rank_weeks = weeks[-RANK_WEEKS:]
    ranks: dict[int, dict[date, int]] = {}
    for w in rank_weeks:
        sales = sorted(
            ((float(history[(s.pk, w)][2]), s.pk) for s in stores if (s.pk, w) in history), reverse=True
        )
        for position, (_value, pk) in enumerate(sales, start=1):
            ranks.setdefault(pk, {})[w] = position
    latest = sorted((r.get(week, 10**6), pk) for pk, r in ranks.items())[:10]
    names = {s.pk: s.name for s in stores}
    lines = {names[pk]: [ranks[pk].get(w) for w in rank_weeks] for _r, pk in latest}
    change = charts.rank_lines([w.strftime("%m-%d") for w in rank_weeks], lines, store_count=len(stores))
    return {"heat": charts.to_json(heat), "ranks": charts.to_json(change)}
