"""The writer's chunks: ranges of the staged key (PostgreSQL reads each off the staged key's index), whole
store-days each. A first import (nothing to replace) and a re-import of the same file over rows already there
give the same facts and aggregates, however small the chunks; a push replacing only some channels of many
store-days, in many chunks, keeps the others."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from yunying.analytics import services, writer
from yunying.analytics.factories import ProductFactory
from yunying.analytics.models import (
    SalesDay,
    SalesProductDay,
    SalesStoreDay,
    SalesStoreProductMonth,
    SalesStoreProductTotal,
)
from yunying.analytics.tests.conftest import run_file

HEADER = "store_code,date,product_code,product_name,qty,amount\n"
STORES = ("A1", "A2", "B1")


def _state() -> dict[str, list[tuple[object, ...]]]:
    return {
        "facts": sorted(
            SalesProductDay.objects.values_list(
                "store__code", "date", "month", "product__code", "qty", "amount"
            )
        ),
        "months": sorted(
            SalesStoreProductMonth.objects.values_list(
                "store__code", "month", "product__code", "qty", "amount", "weekly_days"
            )
        ),
        "totals": sorted(SalesStoreProductTotal.objects.values_list("store__code", "month", "amount")),
        "derived": sorted(
            SalesDay.objects.values_list("store__code", "date", "channel", "net_sales", "origin")
        ),
        "store_days": sorted(
            SalesStoreDay.objects.values_list("store__code", "date", "net_sales", "derived_days")
        ),
    }


def _rows(amount: int) -> str:
    return "".join(
        f"{store},2025-{month:02d}-{day:02d},{code},,{n + 1},{amount * (n + 1) + day}\n"
        for store in STORES
        for month in (2, 3)
        for day in range(1, 29, 3)
        for n, code in enumerate(("P01", "P02", "P03"))
    )


def test_a_first_import_and_a_re_import_give_the_same_facts_and_aggregates(chain, ops, monkeypatch):
    for code in ("P01", "P02", "P03"):
        ProductFactory(code=code)
    monkeypatch.setattr(writer, "CHUNK_ROWS", 7)  # a few store-days per chunk, chunks cut across stores
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 7)
    content = (HEADER + _rows(10)).encode()
    first = run_file(ops, content, "first.csv")
    assert first.status == "done" and first.written == 3 * 2 * 10 * 3 and first.replaced == 0
    fresh = _state()
    assert len(fresh["facts"]) == first.written and len(fresh["derived"]) == 3 * 2 * 10
    other = run_file(ops, (HEADER + _rows(20)).encode(), "other.csv")
    assert other.status == "done" and other.replaced == first.written
    assert _state() != fresh
    again = run_file(ops, content, "again.csv")
    assert again.status == "done" and again.replaced == first.written
    assert _state() == fresh  # replaced, never added to
    monkeypatch.setattr(writer, "CHUNK_ROWS", 100_000)  # one chunk: the same again
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 100_000)
    assert run_file(ops, content, "once.csv").status == "done"
    assert _state() == fresh


def test_a_re_import_of_some_store_days_keeps_the_others(chain, ops, monkeypatch):
    ProductFactory(code="P01")
    monkeypatch.setattr(writer, "CHUNK_ROWS", 2)
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 2)
    rows = "".join(f"{s},2025-03-{d:02d},P01,,1,{d}\n" for s in STORES for d in range(1, 11))
    assert run_file(ops, (HEADER + rows).encode(), "all.csv").status == "done"
    # A2's middle days only: the chunks' ranges stop at A2's last day, A1 and B1 stay as they were.
    some = "".join(f"A2,2025-03-{d:02d},P01,,1,100\n" for d in range(4, 8))
    result = run_file(ops, (HEADER + some).encode(), "some.csv")
    assert result.status == "done" and result.replaced == 4
    amounts = dict(
        SalesStoreProductMonth.objects.filter(month=date(2025, 3, 1)).values_list("store__code", "amount")
    )
    assert amounts == {"A1": Decimal(55), "A2": Decimal(55 - (4 + 5 + 6 + 7) + 400), "B1": Decimal(55)}


def test_a_push_of_some_channels_over_many_chunks_keeps_the_other_channels(chain, ops, monkeypatch):
    monkeypatch.setattr(writer, "CHUNK_ROWS", 3)
    monkeypatch.setattr(writer, "CHUNK_ROWS_POSTGRESQL", 3)
    days = [
        {
            "store_code": s,
            "date": f"2025-03-{d:02d}",
            "tickets": 1,
            "customers": 1,
            "channel": c,
            "net_sales": n,
        }
        for s in ("A1", "A2")
        for d in range(1, 8)
        for c, n in (("堂食", "100"), ("外卖", "30"))
    ]
    services.sales_push(actor=ops, days=days)
    services.sales_push(
        actor=ops,
        days=[
            {**day, "net_sales": "40"}
            for day in days
            if day["channel"] == "外卖" and day["store_code"] == "A2"
        ],
    )
    totals = dict(
        ((code, day.day), (dine_in, delivery))
        for code, day, dine_in, delivery in SalesStoreDay.objects.values_list(
            "store__code", "date", "sales_dine_in", "sales_delivery"
        )
    )
    assert len(totals) == 14
    for (code, _day), figures in totals.items():
        assert figures == (Decimal(100), Decimal(40 if code == "A2" else 30))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
def test_only_the_writer_s_own_transactions_commit_without_waiting_for_the_disk():
    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    before = setting()  # the test database's own is off: on for this connection, as in production
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = on")
    try:
        with transaction.atomic():  # a chunk's own transaction
            writer._quick_commit()
            assert setting() == "off"
        assert setting() == "on"
        with transaction.atomic(), transaction.atomic():  # a push: the caller's transaction waits as always
            writer._quick_commit()
            assert setting() == "on"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET synchronous_commit = {before}")
