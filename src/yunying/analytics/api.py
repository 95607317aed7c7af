"""Sales and analytics endpoints: thin adapters over analytics.services and the report selectors.

`sales_router` is mounted at /api/sales/, `analytics_router` at /api/analytics/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from yunying.analytics import services
from yunying.analytics.periods import parse_month
from yunying.analytics.reportcache import cached_page
from yunying.analytics.reports.monthly import monthly_figures
from yunying.analytics.reports.products import product_report

sales_router = Router(tags=["sales"])
analytics_router = Router(tags=["analytics"])

Number = Decimal | int | float | str | None


class ProductSaleIn(Schema):
    product_code: str
    qty: Number
    amount: Number
    product_name: str | None = None
    category: str | None = None


class SalesDayIn(Schema):
    store_code: str
    date: str
    net_sales: Number
    tickets: Number
    customers: Number = None
    channel: str | None = None
    discounts: Number = None
    products: list[ProductSaleIn] | None = None


class PushOut(Schema):
    store_rows_written: int
    store_rows_replaced: int
    store_store_days: int
    store_store_days_replaced: int
    product_rows_written: int = 0
    product_rows_replaced: int = 0


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class RowErrorsOut(Schema):
    detail: str
    errors: list[RowErrorOut]


@sales_router.post(
    "/daily",
    response={200: PushOut, 422: RowErrorsOut},
    summary="Push store-day (and product) sales",
    description="All-or-nothing: 422 lists every row error and nothing is written.\n\n"
    "**What a push replaces.** A push is partial: it replaces only the channels it names. Pushing "
    "`delivery` for a store-day replaces that day's `delivery` row and leaves its `dine_in` and `takeaway` "
    "rows as they were (push a channel with `net_sales` 0 to clear it). When any day of the push carries "
    "`products`, the products of that store-day are replaced as a whole: the lines pushed are the day's "
    "products. The store-day totals (all channels) and the month and week figures are rebuilt from the "
    "rows after the push; the monthly page shows where a store's total and the sum of its products differ.",
)
def push_daily(request: HttpRequest, payload: list[SalesDayIn]) -> dict[str, int]:
    days = [item.dict() for item in payload]
    return services.sales_push(actor=request.user, days=days)


class MonthlyStoreOut(Schema):
    code: str
    name: str
    region_code: str
    region_name: str
    sales: Decimal
    tickets: int
    customers: int
    average_ticket: Decimal | None
    mom_pct: float | None
    yoy_pct: float | None
    target: Decimal | None
    attainment_pct: float | None
    rank: int | None


class MonthlyOut(Schema):
    month: str
    sales: Decimal
    tickets: int
    average_ticket: Decimal | None
    mom_pct: float | None
    yoy_pct: float | None
    target: Decimal | None
    attainment_pct: float | None
    stores: list[MonthlyStoreOut]


@analytics_router.get("/monthly", response=MonthlyOut, summary="Monthly analysis per store")
def monthly(request: HttpRequest, month: str, region: str | None = None) -> dict[str, Any]:
    wanted = parse_month(month)
    return cached_page(
        user=request.user,
        page="api_monthly",
        params=(wanted, region),
        build=lambda: monthly_figures(user=request.user, month=wanted, region=region),
    )


class ProductOut(Schema):
    code: str
    name: str
    category: str
    qty: Decimal
    sales: Decimal
    share_pct: float
    abc: str
    change_pct: float | None
    stores: int
    rank: int


class ProductsOut(Schema):
    month: str
    sales: Decimal
    selling_stores: int
    products: list[ProductOut]


@analytics_router.get("/products", response=ProductsOut, summary="Product analysis for a month")
def products(request: HttpRequest, month: str, region: str | None = None) -> dict[str, Any]:
    report = product_report(user=request.user, month=parse_month(month), region=region, with_charts=False)
    return {
        "month": report.month.strftime("%Y-%m"),
        "sales": report.total,
        "selling_stores": report.selling_stores,
        "products": [
            {
                "code": p.code,
                "name": p.name,
                "category": p.category,
                "qty": p.qty,
                "sales": p.amount,
                "share_pct": p.share_pct,
                "abc": p.abc,
                "change_pct": p.change_pct,
                "stores": p.stores,
                "rank": p.rank,
            }
            for p in report.products
        ],
    }
