"""Maintain the pre-aggregated tables from the facts: for each store and date span an import touched,
delete the store's aggregate rows of the covering months/weeks and rebuild them with INSERT … SELECT.

Portable SQL (SQLite and PostgreSQL): the facts carry their month and week, so it is a plain GROUP BY.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection

from yunying.analytics.models import (
    SalesDay,
    SalesProductDay,
    SalesStoreMonth,
    SalesStoreProductMonth,
    SalesStoreWeek,
)
from yunying.analytics.periods import add_months, month_start, week_start

_STORES_PER_QUERY = 400


def _store_month_sql(stores: str) -> tuple[str, str]:
    target, source = SalesStoreMonth._meta.db_table, SalesDay._meta.db_table
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND month >= %s AND month < %s"
    insert = f"""
        INSERT INTO {target} (store_id, month, net_sales, tickets, customers, discounts,
                              sales_dine_in, sales_takeaway, sales_delivery, days)
        SELECT store_id, month, SUM(net_sales), SUM(tickets), SUM(customers), SUM(discounts),
               SUM(CASE WHEN channel = 'dine_in' THEN net_sales ELSE 0 END),
               SUM(CASE WHEN channel = 'takeaway' THEN net_sales ELSE 0 END),
               SUM(CASE WHEN channel = 'delivery' THEN net_sales ELSE 0 END),
               COUNT(DISTINCT date)
        FROM {source}
        WHERE store_id IN ({stores}) AND date >= %s AND date < %s
        GROUP BY store_id, month"""
    return delete, insert


def _store_week_sql(stores: str) -> tuple[str, str]:
    target, source = SalesStoreWeek._meta.db_table, SalesDay._meta.db_table
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND week >= %s AND week < %s"
    insert = f"""
        INSERT INTO {target} (store_id, week, net_sales, tickets, customers, days)
        SELECT store_id, week, SUM(net_sales), SUM(tickets), SUM(customers), COUNT(DISTINCT date)
        FROM {source}
        WHERE store_id IN ({stores}) AND date >= %s AND date < %s
        GROUP BY store_id, week"""
    return delete, insert


def _store_product_month_sql(stores: str) -> tuple[str, str]:
    target, source = SalesStoreProductMonth._meta.db_table, SalesProductDay._meta.db_table
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND month >= %s AND month < %s"
    insert = f"""
        INSERT INTO {target} (store_id, month, product_id, qty, amount)
        SELECT store_id, month, product_id, SUM(qty), SUM(amount)
        FROM {source}
        WHERE store_id IN ({stores}) AND date >= %s AND date < %s
        GROUP BY store_id, month, product_id"""
    return delete, insert


def recompute(spans: dict[int, tuple[date, date]]) -> None:
    """Rebuild the aggregates of each store over the months and weeks covering its (first, last) day."""
    by_span: dict[tuple[date, date], list[int]] = defaultdict(list)
    for store_id, (first, last) in spans.items():
        by_span[(first, last)].append(store_id)
    for (first, last), store_ids in by_span.items():
        months = (month_start(first), add_months(month_start(last), 1))
        weeks = (week_start(first), week_start(last) + timedelta(days=7))
        for start in range(0, len(store_ids), _STORES_PER_QUERY):
            part = store_ids[start : start + _STORES_PER_QUERY]
            placeholders = ", ".join(["%s"] * len(part))
            for build, (lo, hi) in (
                (_store_month_sql, months),
                (_store_week_sql, weeks),
                (_store_product_month_sql, months),
            ):
                delete, insert = build(placeholders)
                with connection.cursor() as cursor:
                    cursor.execute(delete, [*part, lo, hi])
                    cursor.execute(insert, [*part, lo, hi])


def recompute_all() -> None:
    """Rebuild every aggregate from the facts (repair tool; imports keep them current on their own)."""
    spans: dict[int, tuple[date, date]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT store_id, MIN(date), MAX(date) FROM {SalesDay._meta.db_table} GROUP BY store_id"
        )
        rows = list(cursor.fetchall())
        cursor.execute(
            f"SELECT store_id, MIN(date), MAX(date) FROM {SalesProductDay._meta.db_table} GROUP BY store_id"
        )
        rows += list(cursor.fetchall())
    for store_id, lo, hi in rows:
        lo, hi = _as_date(lo), _as_date(hi)
        if store_id in spans:
            lo, hi = min(lo, spans[store_id][0]), max(hi, spans[store_id][1])
        spans[store_id] = (lo, hi)
    recompute(spans)


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
