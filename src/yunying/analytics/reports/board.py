"""Store rankings on any measure, and the KPI board (sales, tickets, average ticket, the month's average
inspection score, customer complaints per 10,000 tickets and delivery incidents from the service desk's processes;
labour shown as not yet available until that module lands)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yunying.analytics.models import SalesStoreMonth
from yunying.analytics.periods import add_months
from yunying.analytics.reports import charts
from yunying.analytics.reports.common import money, num, only_stores, pct_change, ratio
from yunying.analytics.reports.monthly import StoreLine, monthly_report, store_lines
from yunying.analytics.selectors import report_stores
from yunying.inspections.selectors import month_scores
from yunying.servicedesk.selectors import month_counts

MEASURES: dict[str, Any] = {
    "sales": gettext_lazy("销售额"),
    "tickets": gettext_lazy("单数"),
    "customers": gettext_lazy("客数"),
    "avg_ticket": gettext_lazy("客单价"),
    "sales_per_day": gettext_lazy("日均销售额"),
    "mom_pct": gettext_lazy("环比 %"),
    "yoy_pct": gettext_lazy("同比 %"),
    "attainment_pct": gettext_lazy("指标达成 %"),
}
PENDING_KPIS = [
    ("labour", gettext_lazy("人效"), gettext_lazy("排班与考勤模块")),
]
COMPLAINTS_PER = 10_000  # the complaint rate: complaints per this many tickets


def measure_value(line: StoreLine, measure: str) -> Any:
    if measure == "sales_per_day":
        return ratio(line.sales, line.days) if line.days else None
    value = getattr(line, measure)
    return None if not line.days else value


@dataclass
class Ranking:
    month: date
    measure: str
    lines: list[tuple[int, StoreLine, Any]]
    charts: dict[str, str] = field(default_factory=dict)


def ranking(
    *, user: Any, month: date, measure: str, region: str | None = None, with_charts: bool = True
) -> Ranking:
    if measure not in MEASURES:
        measure = "sales"
    lines, store_set = store_lines(user=user, month=month, region=region)
    valued = [(line, measure_value(line, measure)) for line in lines]
    ordered = sorted((v for v in valued if v[1] is not None), key=lambda v: v[1], reverse=True)
    result = Ranking(month=month, measure=measure, lines=[])
    position, previous = 0, None
    for index, (line, value) in enumerate(ordered, start=1):
        if value != previous:
            position, previous = index, value
        result.lines.append((position, line, value))
    if with_charts:
        label = str(MEASURES[measure])
        bars = charts.bar(
            [line.store.name for _p, line, _v in result.lines if line.store],
            {label: [num(v) for _p, _l, v in result.lines]},
            horizontal=True,
        )
        result.charts = {
            "bars": charts.to_json(bars),
            "ranks": charts.to_json(_rank_history(store_set, month)),
        }
    return result


def _rank_history(store_set: Any, month: date, months: int = 6) -> dict[str, Any]:
    axis = [add_months(month, -i) for i in range(months - 1, -1, -1)]
    rows = only_stores(SalesStoreMonth.objects.filter(month__in=axis), store_set.filter_ids()).values_list(
        "month", "store_id", "net_sales"
    )
    by_month: dict[date, list[tuple[float, int]]] = {}
    for m, store_id, sales in rows:
        by_month.setdefault(m, []).append((float(sales), store_id))
    ranks: dict[int, dict[date, int]] = {}
    for m, values in by_month.items():
        for position, (_v, store_id) in enumerate(sorted(values, reverse=True), start=1):
            ranks.setdefault(store_id, {})[m] = position
    names = {s.pk: s.name for s in store_set.stores}
    top = sorted((r.get(month, 10**6), pk) for pk, r in ranks.items() if pk in names)[:10]
    series = {names[pk]: [ranks[pk].get(m) for m in axis] for _r, pk in top}
    return charts.rank_lines([m.strftime("%Y-%m") for m in axis], series, store_count=len(store_set.stores))


@dataclass
class KpiBoard:
    month: date
    cards: list[dict[str, Any]]
    pending: list[tuple[str, Any, Any]]
    stores: list[StoreLine]
    charts: dict[str, str] = field(default_factory=dict)
    inspection: dict[int, Any] = field(default_factory=dict)
    """store id → (average visit score, visits) for the month; stores without a visit are absent."""
    complaints: dict[int, int] = field(default_factory=dict)
    incidents: dict[int, int] = field(default_factory=dict)
    """store id → customer complaints / delivery incidents raised in the month (absent: none)."""

    def inspection_score(self, line: StoreLine) -> Any:
        scored = self.inspection.get(line.store.pk) if line.store else None
        return scored[0] if scored else None

    def figures(self, line: StoreLine) -> tuple[int, Any, int]:
        """(complaints, complaints per 10,000 tickets — none without tickets, delivery incidents)."""
        complaints = self.complaints.get(line.store.pk, 0) if line.store else 0
        incidents = self.incidents.get(line.store.pk, 0) if line.store else 0
        return complaints, complaint_rate(complaints, line.tickets), incidents

    @property
    def rows(self) -> list[tuple[StoreLine, Any, int, Any, int]]:
        return [(line, self.inspection_score(line), *self.figures(line)) for line in self.stores]


def complaint_rate(complaints: int, tickets: Any) -> Any:
    """Complaints per 10,000 tickets, to one decimal; none when the store sold nothing."""
    if not tickets:
        return None
    return (Decimal(complaints) * COMPLAINTS_PER / Decimal(tickets)).quantize(Decimal("0.1"))


def kpi_board(*, user: Any, month: date, region: str | None = None) -> KpiBoard:
    report = monthly_report(user=user, month=month, region=region, with_charts=False, with_mismatches=False)
    total = report.total
    previous = monthly_report(
        user=user, month=add_months(month, -1), region=region, with_charts=False, with_mismatches=False
    ).total
    cards: list[dict[str, Any]] = [
        {"key": "sales", "label": _("销售额"), "value": total.sales, "change": total.mom_pct},
        {
            "key": "tickets",
            "label": _("单数"),
            "value": total.tickets,
            "change": pct_change(money(total.tickets), money(previous.tickets) if previous.tickets else None),
        },
        {
            "key": "customers",
            "label": _("客数"),
            "value": total.customers,
            "change": pct_change(
                money(total.customers), money(previous.customers) if previous.customers else None
            ),
        },
        {
            "key": "avg_ticket",
            "label": _("客单价"),
            "value": total.avg_ticket,
            "change": pct_change(total.avg_ticket, previous.avg_ticket),
        },
    ]
    store_set = report_stores(user=user, region=region)
    inspection = month_scores(store_ids=[s.pk for s in store_set.stores], month=month)
    visits = sum(n for _avg, n in inspection.values())
    cards.append(
        {
            "key": "inspection_score",
            "label": _("巡店得分"),
            "value": (
                (sum((avg * n for avg, n in inspection.values()), Decimal(0)) / visits).quantize(
                    Decimal("0.1")
                )
                if visits
                else None
            ),
            "change": None,
            "note": _("%(n)d 次巡店") % {"n": visits},
        }
    )
    stores = [(s.pk, s.code) for s in store_set.stores]
    complaints = month_counts(kind="customer_complaint", stores=stores, month=month)
    incidents = month_counts(kind="delivery_incident", stores=stores, month=month)
    complained = sum(complaints.values())
    cards.append(
        {
            "key": "complaint_rate",
            "label": _("投诉率（每万单）"),
            "value": complaint_rate(complained, total.tickets),
            "change": None,
            "note": _("%(n)d 起顾客投诉") % {"n": complained},
        }
    )
    cards.append(
        {
            "key": "delivery_incidents",
            "label": _("配送事故"),
            "value": sum(incidents.values()),
            "change": None,
            "note": _("本月上报（配送事故反馈）"),
        }
    )
    axis = [add_months(month, -i) for i in range(11, -1, -1)]
    rows = (
        only_stores(SalesStoreMonth.objects.filter(month__in=axis), store_set.filter_ids())
        .values("month")
        .annotate(s=Sum("net_sales"), t=Sum("tickets"), c=Sum("customers"))
    )
    by_month = {r["month"]: r for r in rows}
    trend = charts.line(
        [m.strftime("%Y-%m") for m in axis],
        {
            _("客单价"): [
                num(ratio(by_month[m]["s"], by_month[m]["t"])) if m in by_month else None for m in axis
            ],
        },
    )
    volume = charts.bar(
        [m.strftime("%Y-%m") for m in axis],
        {
            _("单数"): [by_month[m]["t"] if m in by_month else 0 for m in axis],
            _("客数"): [by_month[m]["c"] if m in by_month else 0 for m in axis],
        },
    )
    return KpiBoard(
        month=month,
        cards=cards,
        pending=PENDING_KPIS,
        stores=report.stores,
        charts={"avg_ticket": charts.to_json(trend), "volume": charts.to_json(volume)},
        inspection=inspection,
        complaints=complaints,
        incidents=incidents,
    )
