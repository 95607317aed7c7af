"""Maintain the pre-aggregated tables from the facts: for each store and date span an import touched,
delete the store's aggregate rows of the covering days/months/weeks and rebuild them with INSERT … SELECT.

Store-day rows (SalesDay) feed SalesStoreDay, and SalesStoreDay feeds SalesStoreMonth and SalesStoreWeek (a
third of the rows to read) and SalesDayTotal (all stores a day); product rows (SalesProductDay) feed
SalesStoreProductMonth, and that feeds SalesStoreProductTotal (each store-month's products summed). An import
rebuilds only the aggregates of the kind it wrote. Portable SQL (SQLite and PostgreSQL).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import connection

from yunying.analytics.models import (
    ReportsVersion,
    SalesDay,
    SalesDayTotal,
    SalesProductDay,
    SalesProductWeek,
    SalesStoreDay,
    SalesStoreMonth,
    SalesStoreProductMonth,
    SalesStoreProductTotal,
    SalesStoreWeek,
    SalesWeek,
)
from yunying.analytics.periods import add_months, first_weekday, month_start, week_start

STORE, PRODUCT, WEEKLY, PRODUCT_WEEKLY = "store", "product", "weekly", "prod_week"
_STORES_PER_QUERY = 400

Build = Callable[[str], tuple[str, str, str]]  # placeholders → (delete, insert, "day" | "month" | "week")


def _month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _week_of(column: str) -> str:
    """The first day of the week of a date column (`periods.week_start` in SQL)."""
    first = first_weekday()
    if connection.vendor == "postgresql":  # ISO day of week: Monday 1 … Sunday 7
        return (
            f"CAST({column} - mod(CAST(EXTRACT(ISODOW FROM {column}) AS integer) + 6 - {first}, 7) AS date)"
        )
    # strftime('%w'): Sunday 0 … Saturday 6
    return (
        f"date({column}, '-' || ((CAST(strftime('%w', {column}) AS INTEGER) + 13 - {first}) % 7) || ' days')"
    )


def _store_day_sql(stores: str) -> tuple[str, str, str]:
    target, source = SalesStoreDay._meta.db_table, SalesDay._meta.db_table
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND date >= %s AND date < %s"
    insert = f"""
        INSERT INTO {target} (store_id, date, net_sales, tickets, customers, discounts,
                              sales_dine_in, sales_takeaway, sales_delivery, derived_days)
        SELECT store_id, date, SUM(net_sales), SUM(tickets), SUM(customers), SUM(discounts),
               SUM(CASE WHEN channel = 'dine_in' THEN net_sales ELSE 0 END),
               SUM(CASE WHEN channel = 'takeaway' THEN net_sales ELSE 0 END),
               SUM(CASE WHEN channel = 'delivery' THEN net_sales ELSE 0 END),
               MAX(CASE WHEN origin = 'products' THEN 1 ELSE 0 END)
        FROM {source}
        WHERE store_id IN ({stores}) AND date >= %s AND date < %s
        GROUP BY store_id, date
        ORDER BY date, store_id"""
    return delete, insert, "day"


def _plus_days(column: str, days: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} + {days})"
    return f"date({column}, '+' || {days} || ' days')"


def _no_days(alias: str, store_days: str) -> str:
    """A weekly row counts only for a week without daily rows of its store: where both were imported, the
    days win (the week is not counted twice); the weekly row is kept, and counts again if the days go."""
    return (
        f"NOT EXISTS (SELECT 1 FROM {store_days} x WHERE x.store_id = {alias}.store_id "
        f"AND x.date >= {alias}.date AND x.date < {_plus_days(f'{alias}.date', '7')})"
    )


_OFFSETS = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(7))


def _store_month_sql(stores: str) -> tuple[str, str, str]:
    """Month totals: the store-days, plus each weekly row apportioned by its days in the month."""
    target, source, weekly = (
        SalesStoreMonth._meta.db_table,
        SalesStoreDay._meta.db_table,
        SalesWeek._meta.db_table,
    )
    month = _month_of("date")
    day = _plus_days("w.date", "o.k")
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND month >= %s AND month < %s"
    insert = f"""
        INSERT INTO {target} (store_id, month, net_sales, tickets, customers, discounts,
                              sales_dine_in, sales_takeaway, sales_delivery, days, weekly_days, derived_days)
        SELECT store_id, m, SUM(net_sales), SUM(tickets), SUM(customers), SUM(discounts),
               SUM(sales_dine_in), SUM(sales_takeaway), SUM(sales_delivery), SUM(days), SUM(weekly_days),
               SUM(derived_days)
        FROM (
            SELECT store_id, {month} AS m, net_sales, tickets, customers, discounts,
                   sales_dine_in, sales_takeaway, sales_delivery, 1 AS days, 0 AS weekly_days, derived_days
            FROM {source}
            WHERE store_id IN ({stores}) AND date >= %s AND date < %s
            UNION ALL
            SELECT store_id, m, ROUND(net_sales * n / 7.0, 2), ROUND(tickets * n / 7.0), ROUND(customers * n / 7.0),
                   0, ROUND(net_sales * n / 7.0, 2), 0, 0, n, n, 0
            FROM (
                SELECT w.store_id, {_month_of(day)} AS m, COUNT(*) AS n, w.net_sales, w.tickets, w.customers
                FROM {weekly} w CROSS JOIN ({_OFFSETS}) o
                WHERE w.store_id IN ({stores}) AND {day} >= %s AND {day} < %s AND {_no_days("w", source)}
                GROUP BY w.store_id, w.date, {_month_of(day)}, w.net_sales, w.tickets, w.customers
            ) shares
        ) t
        GROUP BY store_id, m
        ORDER BY 2, store_id"""
    return delete, insert, "month"


def _store_week_sql(stores: str) -> tuple[str, str, str]:
    """Week totals: the store-days of the week, plus the week as a weekly source reported it."""
    target, source, weekly = (
        SalesStoreWeek._meta.db_table,
        SalesStoreDay._meta.db_table,
        SalesWeek._meta.db_table,
    )
    week = _week_of("date")
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND week >= %s AND week < %s"
    insert = f"""
        INSERT INTO {target} (store_id, week, net_sales, tickets, customers, days)
        SELECT store_id, wk, SUM(net_sales), SUM(tickets), SUM(customers), SUM(days)
        FROM (
            SELECT store_id, {week} AS wk, net_sales, tickets, customers, 1 AS days
            FROM {source}
            WHERE store_id IN ({stores}) AND date >= %s AND date < %s
            UNION ALL
            SELECT store_id, date AS wk, net_sales, tickets, customers, 7 AS days
            FROM {weekly} w
            WHERE store_id IN ({stores}) AND date >= %s AND date < %s AND {_no_days("w", source)}
        ) t
        GROUP BY store_id, wk
        ORDER BY 2, store_id"""
    return delete, insert, "week"


def _store_product_month_sql(stores: str) -> tuple[str, str, str]:
    """Product month totals: the product-days, plus each weekly product row apportioned by its days in the
    month (a week for which the store has product days is not counted: the days are)."""
    target, source, weekly = (
        SalesStoreProductMonth._meta.db_table,
        SalesProductDay._meta.db_table,
        SalesProductWeek._meta.db_table,
    )
    day = _plus_days("w.date", "o.k")
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND month >= %s AND month < %s"
    insert = f"""
        INSERT INTO {target} (store_id, month, product_id, qty, amount, weekly_days)
        SELECT store_id, m, product_id, SUM(qty), SUM(amount), SUM(weekly_days)
        FROM (
            SELECT store_id, month AS m, product_id, qty, amount, 0 AS weekly_days
            FROM {source}
            WHERE store_id IN ({stores}) AND date >= %s AND date < %s
            UNION ALL
            SELECT store_id, m, product_id, ROUND(qty * n / 7.0, 3), ROUND(amount * n / 7.0, 2), n
            FROM (
                SELECT w.store_id, {_month_of(day)} AS m, w.product_id, COUNT(*) AS n, w.qty, w.amount
                FROM {weekly} w CROSS JOIN ({_OFFSETS}) o
                WHERE w.store_id IN ({stores}) AND {day} >= %s AND {day} < %s AND {_no_days("w", source)}
                GROUP BY w.store_id, w.date, w.product_id, {_month_of(day)}, w.qty, w.amount
            ) shares
        ) t
        GROUP BY store_id, m, product_id
        ORDER BY 2, store_id, product_id"""
    return delete, insert, "month"


def _store_product_total_sql(stores: str) -> tuple[str, str, str]:
    """Each store-month's product lines summed, from the product months rebuilt just before."""
    target, source = SalesStoreProductTotal._meta.db_table, SalesStoreProductMonth._meta.db_table
    delete = f"DELETE FROM {target} WHERE store_id IN ({stores}) AND month >= %s AND month < %s"
    insert = f"""
        INSERT INTO {target} (store_id, month, amount)
        SELECT store_id, month, SUM(amount)
        FROM {source}
        WHERE store_id IN ({stores}) AND month >= %s AND month < %s
        GROUP BY store_id, month
        ORDER BY month, store_id"""
    return delete, insert, "month"


# In order: the month and week totals read the store-day table rebuilt just before them, the product totals the
# product months.
BUILDS: dict[str, tuple[Build, ...]] = {
    STORE: (_store_day_sql, _store_month_sql, _store_week_sql),
    PRODUCT: (_store_product_month_sql, _store_product_total_sql),
    WEEKLY: (_store_month_sql, _store_week_sql),
    PRODUCT_WEEKLY: (_store_product_month_sql, _store_product_total_sql),
}


def recompute(spans: dict[int, tuple[date, date]], kinds: Iterable[str] = (STORE, PRODUCT)) -> None:
    """Rebuild the aggregates of each store over the days, months and weeks covering its (first, last) day.

    Every period is rebuilt whole from the facts, so a re-import (or a partial one) never double counts. Rows
    are inserted in period order, so the rows a report reads (one month of all stores) sit on few pages."""
    from yunying.analytics.reportcache import reports_changed

    reports_changed()
    by_span: dict[tuple[date, date], list[int]] = defaultdict(list)
    for store_id, (first, last) in spans.items():
        by_span[(first, last)].append(store_id)
    builds = [build for kind in kinds for build in BUILDS[kind]]
    for (first, last), store_ids in by_span.items():
        weeks = (week_start(first), week_start(last) + timedelta(days=7))
        # Whole months, and those the edge weeks reach into: a weekly row there may count or not now.
        months = (month_start(weeks[0]), add_months(month_start(weeks[1] - timedelta(days=1)), 1))
        ranges = {
            "day": (months[0], months[1]),  # whole months: the month totals are summed from these days
            "month": months,
            "week": weeks,
        }
        # The weeks at the edges reach into the neighbouring months: their days must be there too.
        ranges["day"] = (min(ranges["day"][0], ranges["week"][0]), max(ranges["day"][1], ranges["week"][1]))
        for start in range(0, len(store_ids), _STORES_PER_QUERY):
            part = store_ids[start : start + _STORES_PER_QUERY]
            placeholders = ", ".join(["%s"] * len(part))
            with connection.cursor() as cursor:
                for build in builds:
                    delete, insert, period = build(placeholders)
                    lo, hi = ranges[period]
                    cursor.execute(delete, [*part, lo, hi])
                    repeats = insert.count("%s") // (len(part) + 2)  # each source of the insert: stores, span
                    cursor.execute(insert, [*part, lo, hi] * repeats)
        if STORE in kinds:
            _day_totals(*ranges["day"])


def _day_totals(first: date, end: date) -> None:
    """Rebuild the all-stores day totals of [first, end) from the store-days (every store's, not only those
    just rebuilt). Under the lock of the reports' version row (taken by `reports_changed` in this transaction,
    and again here should that have created the row): two imports never rebuild a day from each other's
    uncommitted store-days, the second reads the first's once it committed."""
    if connection.in_atomic_block:  # (a repair in autocommit mode runs alone)
        list(ReportsVersion.objects.select_for_update().filter(pk=1).values_list("pk"))
    target, source = SalesDayTotal._meta.db_table, SalesStoreDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {target} WHERE date >= %s AND date < %s", [first, end])
        cursor.execute(
            f"INSERT INTO {target} (date, net_sales) SELECT date, SUM(net_sales) FROM {source} "
            "WHERE date >= %s AND date < %s GROUP BY date ORDER BY date",
            [first, end],
        )


def recompute_all() -> None:
    """Rebuild every aggregate from the facts (repair tool, and after the week start changed; imports keep
    them current on their own)."""
    with connection.cursor() as cursor:  # the week each store-day is filed under, and the weeks themselves
        cursor.execute(f"UPDATE {SalesDay._meta.db_table} SET week = {_week_of('date')}")
        cursor.execute(f"DELETE FROM {SalesStoreWeek._meta.db_table}")
    for kind, table in (
        (STORE, SalesDay._meta.db_table),
        (PRODUCT, SalesProductDay._meta.db_table),
        (WEEKLY, SalesWeek._meta.db_table),
        (PRODUCT_WEEKLY, SalesProductWeek._meta.db_table),
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT store_id, MIN(date), MAX(date) FROM {table} GROUP BY store_id")
            rows = list(cursor.fetchall())
        extra = timedelta(days=6 if kind in (WEEKLY, PRODUCT_WEEKLY) else 0)  # a week's row is its first day
        recompute({store_id: (_as_date(lo), _as_date(hi) + extra) for store_id, lo, hi in rows}, kinds=[kind])


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
