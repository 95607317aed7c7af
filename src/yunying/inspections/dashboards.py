"""Inspection dashboards (巡店看板): each store's score trend over the last months, the item × store failure heat
map of a month, and the average score per region — always over the stores the user may see.

Scores are submitted visits' scores; a store's month is the average of its visits that month (the same figure as
the KPI board and the monthly evaluation), a region's the average over all its stores' visits. Failures are the
findings of the month's visits (one per failed item). Every read is grouped in the database and bounded: at most
``TREND_MONTHS`` months, ``TOP_ITEMS`` items, and the stores in scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from yunying.analytics.reports import charts
from yunying.inspections.models import Finding, Visit, VisitStatus
from yunying.org.models import OrgUnit
from yunying.org.scope import stores_visible_to

TREND_MONTHS = 6
TOP_ITEMS = 10
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class RegionRow:
    name: str
    stores: int
    visits: int
    average: Decimal | None


@dataclass
class Dashboard:
    month: dt.date
    months: list[dt.date]
    stores: list[OrgUnit]
    trend: dict[int, list[Decimal | None]]
    items: list[str]
    failures: dict[tuple[int, int], int]
    regions: list[RegionRow]
    charts: dict[str, str] = field(default_factory=dict)


def _month_add(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(month: dt.date) -> dt.date:
    return _month_add(month, 1) - dt.timedelta(days=1)


def dashboard(*, user: Any, month: dt.date) -> Dashboard:
    """The three views for ``month`` (the trend ends with it)."""
    month = month.replace(day=1)
    months = [_month_add(month, i) for i in range(1 - TREND_MONTHS, 1)]
    stores: list[OrgUnit] = list(stores_visible_to(user).select_related("parent").order_by("code"))
    ids = [s.pk for s in stores]
    visits = Visit.objects.filter(store_id__in=ids, status=VisitStatus.SUBMITTED, score__isnull=False)

    trend: dict[int, list[Decimal | None]] = {s.pk: [None] * len(months) for s in stores}
    position = {m: i for i, m in enumerate(months)}
    for row in (
        visits.filter(visited_on__gte=months[0], visited_on__lte=_month_end(month))
        .annotate(m=TruncMonth("visited_on"))
        .values("store_id", "m")
        .annotate(avg=Avg("score"))
    ):
        at = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
        if at in position and row["avg"] is not None:
            trend[row["store_id"]][position[at]] = Decimal(row["avg"]).quantize(TENTH)

    in_month = Finding.objects.filter(
        store_id__in=ids, visit__visited_on__gte=month, visit__visited_on__lte=_month_end(month)
    )
    items = [
        r["item_title"]
        for r in in_month.values("item_title")
        .annotate(n=Count("pk"))
        .order_by("-n", "item_title")[:TOP_ITEMS]
    ]
    failures: dict[tuple[int, int], int] = {}
    item_index = {title: i for i, title in enumerate(items)}
    for r in in_month.filter(item_title__in=items).values("item_title", "store_id").annotate(n=Count("pk")):
        failures[(item_index[r["item_title"]], r["store_id"])] = r["n"]

    by_store = {
        r["store_id"]: (r["n"], r["avg"])
        for r in visits.filter(visited_on__gte=month, visited_on__lte=_month_end(month))
        .values("store_id")
        .annotate(n=Count("pk"), avg=Avg("score"))
    }
    groups: dict[str, list[OrgUnit]] = {}
    for store in stores:
        groups.setdefault(store.parent.name if store.parent else _("（无区域）"), []).append(store)
    regions = []
    for name, members in groups.items():
        counted = [by_store[s.pk] for s in members if s.pk in by_store]
        total = sum(n for n, _avg in counted)
        weighted = sum((Decimal(avg) * n for n, avg in counted), Decimal(0))
        regions.append(
            RegionRow(
                name=name,
                stores=len(members),
                visits=total,
                average=(weighted / total).quantize(TENTH) if total else None,
            )
        )
    regions.sort(key=lambda r: (r.average is None, -(r.average or 0), r.name))

    result = Dashboard(
        month=month,
        months=months,
        stores=stores,
        trend=trend,
        items=items,
        failures=failures,
        regions=regions,
    )
    result.charts = _charts(result)
    return result


def _charts(d: Dashboard) -> dict[str, str]:
    labels = [f"{m:%Y-%m}" for m in d.months]
    shown = [s for s in d.stores if any(v is not None for v in d.trend[s.pk])]
    series = {f"{s.code} {s.name}": [_num(v) for v in d.trend[s.pk]] for s in shown}
    trend = charts.line(labels, series, smooth=False)
    trend["yAxis"] = {"type": "value", "min": 0, "max": 100}
    trend["series"] = [{**s, "connectNulls": True} for s in trend["series"]]
    columns = [s for s in d.stores if any((i, s.pk) in d.failures for i in range(len(d.items)))]
    cells = [
        [x, y, d.failures[(y, s.pk)]]
        for x, s in enumerate(columns)
        for y in range(len(d.items))
        if (y, s.pk) in d.failures
    ]
    high = max((c[2] for c in cells), default=1)
    heat = charts.heatmap(
        [s.code for s in columns], d.items, cells, low=0, high=max(high, 1), label=_("不合格次数")
    )
    heat["visualMap"]["inRange"] = {"color": ["#ffffff", "#f59f00", "#d63939"]}
    heat["yAxis"]["axisLabel"] = {"width": 180, "overflow": "truncate"}
    regions = charts.bar(
        [r.name for r in d.regions], {_("平均分"): [_num(r.average) for r in d.regions]}, horizontal=True
    )
    regions["xAxis"] = {"type": "value", "min": 0, "max": 100}
    return {"trend": charts.to_json(trend), "heat": charts.to_json(heat), "regions": charts.to_json(regions)}


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
