"""One store's month (the end of the region → store drill-down): its figures, daily trend against last
month and last year, weekday pattern, channel mix, 13 months, and its best products."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from yunying.analytics.models import SalesStoreProductMonth
from yunying.analytics.periods import add_months, month_days
from yunying.analytics.reports import charts
from yunying.analytics.reports.common import money, num
from yunying.analytics.reports.monthly import WEEKDAYS, StoreLine, daily_series, store_lines, trend_months
from yunying.org.selectors import store_get


@dataclass
class StoreMonth:
    month: date
    line: StoreLine
    rank_of: int
    products: list[dict[str, Any]] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)


def store_month(*, user: Any, code: str, month: date) -> StoreMonth:
    store = store_get(user=user, code=code)  # NotFound outside the user's scope
    lines, _set = store_lines(user=user, month=month)
    line = next(s for s in lines if s.store and s.store.pk == store.pk)
    ids = [store.pk]
    this = daily_series(ids=ids, month=month)
    last_year = daily_series(ids=ids, month=add_months(month, -12))
    last_month = daily_series(ids=ids, month=add_months(month, -1))
    days = month_days(month)
    by_day_ly = {d.day: v for d, v in last_year.items()}
    by_day_lm = {d.day: v for d, v in last_month.items()}
    daily = charts.line(
        [str(d.day) for d in days],
        {
            _("本月"): [num(this[d]) if d in this else None for d in days],
            _("上月同日"): [num(by_day_lm[d.day]) if d.day in by_day_lm else None for d in days],
            _("去年同月"): [num(by_day_ly[d.day]) if d.day in by_day_ly else None for d in days],
        },
        area=True,
    )
    weekday_values: dict[int, list[Decimal]] = defaultdict(list)
    for day, value in this.items():
        weekday_values[day.weekday()].append(value)
    weekday = charts.bar(
        [str(w) for w in WEEKDAYS],
        {
            _("日均销售额"): [
                round(num(sum(v) / len(v)), 2) if (v := weekday_values[i]) else 0 for i in range(7)
            ]
        },
    )
    mix = charts.pie(
        {_("堂食"): num(line.dine_in), _("外带"): num(line.takeaway), _("外卖"): num(line.delivery)}
    )
    months = trend_months(ids=ids, month=month)
    axis = [add_months(month, -i) for i in range(12, -1, -1)]
    trend = charts.bar([m.strftime("%Y-%m") for m in axis], {_("销售额"): [num(months.get(m)) for m in axis]})
    products: list[dict[str, Any]] = [
        dict(row)
        for row in SalesStoreProductMonth.objects.filter(store_id=store.pk, month=month)
        .values("product__code", "product__name")
        .annotate(qty=Sum("qty"), amount=Sum("amount"))
        .order_by("-amount")[:15]
    ]
    for row in products:
        row["amount"] = money(row["amount"])
    return StoreMonth(
        month=month,
        line=line,
        rank_of=sum(1 for s in lines if s.rank),
        products=products,
        charts={
            "daily": charts.to_json(daily),
            "weekday": charts.to_json(weekday),
            "mix": charts.to_json(mix),
            "trend": charts.to_json(trend),
        },
    )
