"""Test data for a store's day: a moment on the store's wall clock, sales of a day, store leads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from yunying.analytics.models import Product, SalesProductDay, SalesStoreDay
from yunying.org.models import OrgUnit

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: dt.date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> dt.datetime:
    """An aware instant: ``hour:minute`` on ``day`` at the store (Shanghai unless told)."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def sales_day(store: OrgUnit, day: dt.date, products: dict[str, tuple[int, str]], total: str) -> None:
    """One day's sales of ``store``: product name → (qty, amount), and the store's total."""
    SalesStoreDay.objects.create(
        store=store,
        date=day,
        net_sales=Decimal(total),
        tickets=100,
        customers=150,
        discounts=Decimal(0),
        sales_dine_in=Decimal(total),
        sales_takeaway=Decimal(0),
        sales_delivery=Decimal(0),
    )
    for index, (name, (qty, amount)) in enumerate(products.items(), start=1):
        product, _c = Product.objects.get_or_create(code=f"TP{index:03d}", defaults={"name": name})
        SalesProductDay.objects.create(
            store=store,
            date=day,
            month=day.replace(day=1),
            product=product,
            qty=Decimal(qty),
            amount=Decimal(amount),
        )
