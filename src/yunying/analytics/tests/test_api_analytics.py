"""The API: POST /api/sales/daily (all-or-nothing, idempotent), GET monthly and products, and scope."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import SalesDay, SalesProductDay, SalesStoreMonth, StoreTarget
from yunying.org.models import Store


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    return client


def _push(client: Client, rows):
    return client.post("/api/sales/daily", data=json.dumps(rows), content_type="application/json")


def _day(store: str, day: str, sales: str, **extra):
    return {"store_code": store, "date": day, "net_sales": sales, "tickets": 10, "customers": 12, **extra}


@pytest.fixture
def pushed(chain, ops):
    ProductFactory(code="P1")
    ProductFactory(code="P2")
    client = _client(ops)
    rows = []
    for store in ("A1", "A2", "B1", "D1"):
        for month, value in ((date(2024, 4, 1), "80"), (date(2025, 3, 1), "90"), (date(2025, 4, 1), "100")):
            rows.append(
                _day(
                    store,
                    month.replace(day=3).isoformat(),
                    value,
                    channel="堂食",
                    products=[{"product_code": "P1", "qty": 2, "amount": value}],
                )
            )
    rows.append(
        _day(
            "A1",
            "2025-04-04",
            "50",
            channel="delivery",
            products=[{"product_code": "P2", "qty": 1, "amount": "50"}],
        )
    )
    response = _push(client, rows)
    assert response.status_code == 200, response.content
    StoreTarget.objects.create(
        store=Store.objects.get(code="A1"), month=date(2025, 4, 1), amount=Decimal("300")
    )
    return client


def test_push_writes_and_counts(pushed):
    assert SalesDay.objects.count() == 13
    a1 = SalesStoreMonth.objects.get(store__code="A1", month=date(2025, 4, 1))
    assert a1.net_sales == Decimal("150") and a1.sales_delivery == Decimal("50")


def test_push_again_replaces(pushed):
    response = _push(
        pushed,
        [
            _day(
                "A1",
                "2025-04-03",
                "120",
                channel="堂食",
                products=[{"product_code": "P1", "qty": 3, "amount": "120"}],
            )
        ],
    )
    body = response.json()
    assert response.status_code == 200
    assert body["store_rows_written"] == 1 and body["store_store_days_replaced"] == 1
    assert body["product_rows_replaced"] == 1
    assert SalesStoreMonth.objects.get(store__code="A1", month=date(2025, 4, 1)).net_sales == Decimal("170")


def test_push_with_errors_writes_nothing_and_lists_every_error(pushed):
    before = SalesDay.objects.count(), SalesProductDay.objects.count()
    rows = [
        _day("A1", "2025-04-05", "10"),
        _day("A1", "2025-02-30", "10"),
        _day("XX", "2025-04-05", "-5", channel="火星"),
    ]
    response = _push(pushed, rows)
    assert response.status_code == 422
    errors = {(e["row"], e["column"]) for e in response.json()["errors"]}
    assert errors == {(2, "date"), (3, "store_code"), (3, "net_sales")}
    assert (SalesDay.objects.count(), SalesProductDay.objects.count()) == before
    bad_product = [_day("A1", "2025-04-05", "10", products=[{"product_code": "NOPE", "qty": 1, "amount": 1}])]
    response = _push(pushed, bad_product)
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "products.product_code"
    assert SalesDay.objects.count() == before[0]


def test_monthly_endpoint(pushed):
    body = pushed.get("/api/analytics/monthly", {"month": "2025-04"}).json()
    stores = {s["code"]: s for s in body["stores"]}
    a1 = stores["A1"]
    assert Decimal(a1["sales"]) == Decimal("150") and a1["rank"] == 1
    assert a1["mom_pct"] == pytest.approx(66.7) and a1["yoy_pct"] == pytest.approx(87.5)
    assert Decimal(a1["target"]) == Decimal("300") and a1["attainment_pct"] == 50.0
    assert Decimal(a1["average_ticket"]) == Decimal("7.50")
    assert stores["A3"]["rank"] is None and stores["A3"]["mom_pct"] is None
    assert body["month"] == "2025-04" and len(body["stores"]) == 10


def test_monthly_yoy_is_null_for_new_stores(pushed):
    Store.objects.filter(code="B1").update(opened_on=date(2024, 6, 1))
    stores = {s["code"]: s for s in pushed.get("/api/analytics/monthly?month=2025-04").json()["stores"]}
    assert stores["B1"]["yoy_pct"] is None and stores["D1"]["yoy_pct"] is not None


def test_products_endpoint(pushed):
    body = pushed.get("/api/analytics/products?month=2025-04").json()
    products = {p["code"]: p for p in body["products"]}
    assert Decimal(products["P1"]["sales"]) == Decimal("400") and Decimal(products["P1"]["qty"]) == 8
    assert products["P1"]["share_pct"] == pytest.approx(88.9) and products["P1"]["abc"] == "A"
    assert products["P2"]["abc"] == "B" and products["P2"]["change_pct"] is None
    assert products["P1"]["change_pct"] == pytest.approx(11.1)


def test_area_manager_sees_only_their_region(pushed, chain):
    client = _client(chain.users["area_a"])
    body = client.get("/api/analytics/monthly?month=2025-04").json()
    assert {s["code"] for s in body["stores"]} == {"A1", "A2", "A3", "A4"}
    assert client.get("/api/analytics/monthly?month=2025-04&region=RB").status_code == 404
    assert client.get("/api/analytics/monthly?month=2025-04&region=RA").status_code == 200
    products = client.get("/api/analytics/products?month=2025-04").json()
    assert Decimal(products["sales"]) == Decimal("250")  # A1 + A2 only
    assert client.get("/analytics/stores/B1/?month=2025-04").status_code == 404
    assert client.get("/analytics/stores/A1/?month=2025-04").status_code == 200


def test_bad_month_is_a_clear_error(pushed):
    response = pushed.get("/api/analytics/monthly?month=2025-13")
    assert response.status_code == 422 and "YYYY-MM" in response.json()["detail"]


def test_push_needs_permission(chain):
    response = _push(_client(chain.users["store_a1"]), [_day("A1", "2025-04-05", "10")])
    assert response.status_code == 403


def test_list_endpoints_query_count(pushed, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        pushed.get("/api/analytics/monthly?month=2025-04")
    with django_assert_max_num_queries(12):
        pushed.get("/api/analytics/products?month=2025-04")


def test_monthly_endpoint_is_kept_until_the_figures_change(pushed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = pushed.get("/api/analytics/monthly?month=2025-04").json()
    with CaptureQueriesContext(connection) as queries:
        again = pushed.get("/api/analytics/monthly?month=2025-04").json()
    assert again == first
    assert not [q for q in queries.captured_queries if "analytics_sales" in q["sql"]]
    assert _push(pushed, [_day("A2", "2025-04-05", "70", channel="堂食")]).status_code == 200
    stores = {s["code"]: s for s in pushed.get("/api/analytics/monthly?month=2025-04").json()["stores"]}
    assert Decimal(stores["A2"]["sales"]) == Decimal("170")  # the push dropped the kept figures
