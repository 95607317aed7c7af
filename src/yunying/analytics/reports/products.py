"""月产品分析: best and worst sellers, ABC/Pareto contribution, growth and decline against last month,
products sold in few stores, candidates to retire and to promote, category mix by store.
Reads SalesStoreProductMonth only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from yunying.analytics.models import Product, SalesStoreProductMonth
from yunying.analytics.periods import add_months
from yunying.analytics.reports import charts
from yunying.analytics.reports.common import ZERO, money, num, only_stores, pct_change, ratio
from yunying.analytics.selectors import report_stores

A_SHARE, B_SHARE = 80.0, 95.0  # cumulative share limits of classes A and B
FEW_STORES = 0.5  # "sold in few stores": in less than half of the stores that sold anything
MOVE = 15.0  # growth / decline worth a mention, percent
NEW_PRODUCT_DAYS = 90


@dataclass
class ProductLine:
    code: str
    name: str
    category: str
    launched_on: date | None
    retired_on: date | None
    qty: Decimal = ZERO
    amount: Decimal = ZERO
    stores: int = 0
    last_amount: Decimal | None = None
    share_pct: float = 0.0
    cumulative_pct: float = 0.0
    abc: str = "C"
    rank: int = 0
    coverage_pct: float = 0.0

    @property
    def change_pct(self) -> float | None:
        return pct_change(self.amount, self.last_amount)

    @property
    def avg_price(self) -> Decimal | None:
        return ratio(self.amount, self.qty) if self.qty > 0 else None


@dataclass
class ProductReport:
    month: date
    products: list[ProductLine]
    total: Decimal
    selling_stores: int
    best: list[ProductLine] = field(default_factory=list)
    worst: list[ProductLine] = field(default_factory=list)
    growing: list[ProductLine] = field(default_factory=list)
    declining: list[ProductLine] = field(default_factory=list)
    few_stores: list[ProductLine] = field(default_factory=list)
    retire: list[ProductLine] = field(default_factory=list)
    promote: list[ProductLine] = field(default_factory=list)
    class_counts: dict[str, int] = field(default_factory=dict)
    charts: dict[str, str] = field(default_factory=dict)
    weekly_stores: int = 0  # stores whose products this month come (partly) from weekly data, apportioned


def classify(lines: list[ProductLine]) -> None:
    """ABC by contribution: A while the share before the product is under 80%, B under 95%, else C."""
    total = sum((p.amount for p in lines if p.amount > 0), ZERO)
    running = ZERO
    for index, line in enumerate(sorted(lines, key=lambda p: (-p.amount, p.code)), start=1):
        line.rank = index
        share = float(line.amount / total * 100) if total > 0 else 0.0
        before = float(running / total * 100) if total > 0 else 100.0
        line.share_pct = round(share, 1)
        running += max(line.amount, ZERO)
        line.cumulative_pct = round(float(running / total * 100), 1) if total > 0 else 0.0
        line.abc = "A" if before < A_SHARE else "B" if before < B_SHARE else "C"


def product_lines(*, user: Any, month: date, region: str | None = None) -> tuple[list[ProductLine], int, Any]:
    store_set = report_stores(user=user, region=region)
    ids = store_set.filter_ids()
    base = only_stores(SalesStoreProductMonth.objects.all(), ids)
    current = (
        base.filter(month=month)
        .values("product_id")
        .annotate(qty=Sum("qty"), amount=Sum("amount"), stores=Count("store_id"))
    )
    last = dict(
        base.filter(month=add_months(month, -1))
        .values("product_id")
        .annotate(a=Sum("amount"))
        .values_list("product_id", "a")
    )
    selling_stores = base.filter(month=month).values("store_id").distinct().count()
    products = {
        p.pk: p
        for p in Product.objects.select_related("category").filter(
            pk__in={r["product_id"] for r in current} | set(last)
        )
    }
    lines = []
    seen = set()
    for row in current:
        product = products[row["product_id"]]
        seen.add(product.pk)
        line = _line(product)
        line.qty, line.amount, line.stores = row["qty"] or ZERO, money(row["amount"]), row["stores"]
        line.last_amount = money(last[product.pk]) if product.pk in last else None
        line.coverage_pct = round(line.stores / selling_stores * 100, 1) if selling_stores else 0.0
        lines.append(line)
    for product_id, amount in last.items():
        if product_id not in seen:  # sold last month, nothing this month: a decline to zero
            line = _line(products[product_id])
            line.last_amount = money(amount)
            lines.append(line)
    classify(lines)
    lines.sort(key=lambda p: p.rank)
    return lines, selling_stores, store_set


def _line(product: Product) -> ProductLine:
    return ProductLine(
        code=product.code,
        name=product.name,
        category=product.category.name if product.category else "—",
        launched_on=product.launched_on,
        retired_on=product.retired_on,
    )


def product_report(
    *, user: Any, month: date, region: str | None = None, with_charts: bool = True
) -> ProductReport:
    lines, selling_stores, store_set = product_lines(user=user, month=month, region=region)
    total = sum((p.amount for p in lines), ZERO)
    report = ProductReport(month=month, products=lines, total=total, selling_stores=selling_stores)
    sold = [p for p in lines if p.amount > 0]
    report.best = sold[:10]
    report.worst = list(reversed(sold[-10:])) if len(sold) > 10 else []
    changing = [p for p in lines if p.change_pct is not None]
    report.growing = sorted(
        (p for p in changing if (p.change_pct or 0) >= MOVE), key=lambda p: -(p.change_pct or 0)
    )
    report.declining = sorted(
        (p for p in changing if (p.change_pct or 0) <= -MOVE), key=lambda p: p.change_pct or 0
    )
    report.few_stores = [p for p in sold if p.coverage_pct < FEW_STORES * 100]
    established = month - timedelta(days=NEW_PRODUCT_DAYS)
    per_store = sorted(float(p.amount / p.stores) for p in sold if p.stores)
    median_per_store = per_store[len(per_store) // 2] if per_store else 0.0
    report.promote = [
        p
        for p in sold
        if p.abc != "A"
        and (
            (p.change_pct is not None and p.change_pct >= MOVE)
            or (
                p.coverage_pct < FEW_STORES * 100
                and p.stores
                and float(p.amount / p.stores) >= median_per_store
            )
        )
    ]
    promoted = {
        p.code for p in report.promote
    }  # selling well where it is sold: never also a retire candidate
    report.retire = [
        p
        for p in lines
        if p.abc == "C"
        and p.code not in promoted
        and (p.launched_on is None or p.launched_on <= established)
        and ((p.change_pct is not None and p.change_pct <= -MOVE) or p.coverage_pct < FEW_STORES * 100)
    ]
    report.class_counts = {c: sum(1 for p in lines if p.abc == c) for c in "ABC"}
    report.weekly_stores = (
        only_stores(
            SalesStoreProductMonth.objects.filter(month=month, weekly_days__gt=0), store_set.filter_ids()
        )
        .values("store_id")
        .distinct()
        .count()
    )
    if with_charts:
        report.charts = _charts(report, store_set)
    return report


def category_mix(*, store_set: Any, month: date) -> tuple[list[str], dict[str, dict[str, Decimal]]]:
    """Per store: amount by category (the stores in the report's order)."""
    rows = (
        only_stores(SalesStoreProductMonth.objects.filter(month=month), store_set.filter_ids())
        .values("store_id", "product__category__name")
        .annotate(a=Sum("amount"))
    )
    by_store: dict[int, dict[str, Decimal]] = defaultdict(dict)
    categories: set[str] = set()
    for row in rows:
        name = row["product__category__name"] or "—"
        categories.add(name)
        by_store[row["store_id"]][name] = money(row["a"])
    names = {s.pk: s.name for s in store_set.stores}
    return sorted(categories), {names[k]: v for k, v in by_store.items() if k in names}


def _charts(report: ProductReport, store_set: Any) -> dict[str, str]:
    top = [p for p in report.products if p.amount > 0]
    amount_label, share_label = _("销售额"), _("累计占比 %")
    pareto = charts.pareto(
        [p.name for p in top],
        [num(p.amount) for p in top],
        [p.cumulative_pct for p in top],
        amount_label=amount_label,
        share_label=share_label,
    )
    categories, mix = category_mix(store_set=store_set, month=report.month)
    stores = list(mix)
    shares = {
        c: [round(float(mix[s].get(c, ZERO) / (sum(mix[s].values(), ZERO) or 1) * 100), 1) for s in stores]
        for c in categories
    }
    mix_chart = charts.bar(stores, shares, horizontal=True, stack=True)
    mix_chart["xAxis"]["max"] = 100
    movers = sorted((p for p in report.products if p.change_pct is not None), key=lambda p: p.change_pct or 0)
    movers = movers[:8] + movers[-8:] if len(movers) > 16 else movers
    change = charts.bar(
        [p.name for p in movers], {_("环比 %"): [p.change_pct for p in movers]}, horizontal=True
    )
    return {
        "pareto": charts.to_json(pareto),
        "mix": charts.to_json(mix_chart),
        "change": charts.to_json(change),
    }
