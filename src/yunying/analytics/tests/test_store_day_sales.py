"""One store's sales of a day (what a store's morning meeting is pre-filled from): the net sales to the
cent, the best products by amount (no zero or returned lines), nothing for a day without data, in the same
few queries whatever the number of products."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from yunying.analytics.selectors import store_day_sales
from yunying.storeday.factories import sales_day

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 30)


def test_the_day_total_and_the_top_products(chain: Any, django_assert_max_num_queries: Any):
    store, other = chain.stores_a[0], chain.stores_a[1]
    products = {f"菜品{i}": (i, f"{i * 100}.50") for i in range(1, 9)} | {
        "退菜": (1, "-20"),
        "赠送": (2, "0"),
    }
    sales_day(store, DAY, products, "4321.50")
    sales_day(other, DAY, {"菜品1": (99, "9999")}, "9999")
    with django_assert_max_num_queries(3):
        found = store_day_sales(store_id=store.pk, day=DAY)
    assert found.amount == Decimal("4321.50")
    assert [(p.name, p.qty, p.amount) for p in found.top] == [
        (f"菜品{i}", Decimal(i), Decimal(f"{i * 100}.50")) for i in (8, 7, 6, 5, 4)
    ]
    assert [p.name for p in store_day_sales(store_id=store.pk, day=DAY, top=500).top][-1] == "菜品1"
    empty = store_day_sales(store_id=store.pk, day=DAY - dt.timedelta(days=1))
    assert empty.amount is None and empty.top == []
