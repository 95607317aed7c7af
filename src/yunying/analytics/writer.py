"""Write sales facts fast and idempotently: the first time an import meets a store-day, that store-day's
existing rows (of the same kind) are deleted; then the rows are bulk-inserted (PostgreSQL COPY, SQLite
executemany). `finish()` recomputes the aggregates of every store-period touched. Call inside a transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection

from yunying.analytics import aggregates
from yunying.analytics.models import SalesDay, SalesProductDay

# (store_id, date, channel, net_sales, tickets, customers, discounts)
StoreRow = tuple[int, date, str, str, int, int, str]
# (store_id, date, product_id, qty, amount)
ProductRow = tuple[int, date, int, str, str]

STORE_COLUMNS = (
    "store_id",
    "date",
    "month",
    "week",
    "channel",
    "net_sales",
    "tickets",
    "customers",
    "discounts",
)
PRODUCT_COLUMNS = ("store_id", "date", "month", "product_id", "qty", "amount")
_PARAMS_PER_QUERY = 500


def day_key(store_id: int, day: date) -> int:
    return store_id * 1_000_000 + day.toordinal()


@dataclass
class WriteCounts:
    rows_written: int = 0
    rows_replaced: int = 0
    store_days: int = 0
    store_days_replaced: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "rows_written": self.rows_written,
            "rows_replaced": self.rows_replaced,
            "store_days": self.store_days,
            "store_days_replaced": self.store_days_replaced,
        }


@dataclass
class SalesWriter:
    counts: WriteCounts = field(default_factory=WriteCounts)
    _seen: dict[str, set[int]] = field(default_factory=lambda: {"store": set(), "product": set()})
    _all_days: set[int] = field(default_factory=set)
    _replaced_days: set[int] = field(default_factory=set)
    _ranges: dict[int, list[date]] = field(default_factory=dict)

    def write_store_rows(self, rows: Sequence[StoreRow]) -> None:
        self._replace("store", SalesDay._meta.db_table, ((r[0], r[1]) for r in rows))
        month_week = _month_week_cache()
        prepared = [(r[0], r[1], *month_week(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]
        bulk_insert(SalesDay._meta.db_table, STORE_COLUMNS, prepared)
        self.counts.rows_written += len(rows)

    def write_product_rows(self, rows: Sequence[ProductRow]) -> None:
        self._replace("product", SalesProductDay._meta.db_table, ((r[0], r[1]) for r in rows))
        prepared = [(r[0], r[1], r[1].replace(day=1), r[2], r[3], r[4]) for r in rows]
        bulk_insert(SalesProductDay._meta.db_table, PRODUCT_COLUMNS, prepared)
        self.counts.rows_written += len(rows)

    def finish(self) -> WriteCounts:
        """Recompute the aggregates for every store-period written; returns the counts."""
        aggregates.recompute({store: (lo, hi) for store, (lo, hi) in self._ranges.items()})
        self.counts.store_days = len(self._all_days)
        self.counts.store_days_replaced = len(self._replaced_days)
        return self.counts

    def _replace(self, kind: str, table: str, keys: Iterable[tuple[int, date]]) -> None:
        seen = self._seen[kind]
        fresh: dict[int, set[date]] = defaultdict(set)
        for store_id, day in keys:
            key = day_key(store_id, day)
            if key in seen:
                continue
            seen.add(key)
            self._all_days.add(key)
            fresh[store_id].add(day)
        if not fresh:
            return
        for store_id, days in fresh.items():
            span = self._ranges.setdefault(store_id, [min(days), max(days)])
            span[0], span[1] = min(span[0], min(days)), max(span[1], max(days))
        existing = self._existing(table, fresh)
        for store_id, days in existing.items():
            self._delete(table, store_id, sorted(days))

    def _existing(self, table: str, fresh: dict[int, set[date]]) -> dict[int, set[date]]:
        """One probe for the whole chunk: which of its store-days already have rows (most imports: none)."""
        found: dict[int, set[date]] = defaultdict(set)
        stores = sorted(fresh)
        lo = min(min(days) for days in fresh.values())
        hi = max(max(days) for days in fresh.values())
        with connection.cursor() as cursor:
            for start in range(0, len(stores), _PARAMS_PER_QUERY):
                part = stores[start : start + _PARAMS_PER_QUERY]
                placeholders = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"SELECT DISTINCT store_id, date FROM {table} "
                    f"WHERE store_id IN ({placeholders}) AND date >= %s AND date <= %s",
                    [*part, lo, hi],
                )
                for store_id, value in cursor.fetchall():
                    day = _as_date(value)
                    if day in fresh[store_id]:
                        found[store_id].add(day)
        return found

    def _delete(self, table: str, store_id: int, days: list[date]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(days), _PARAMS_PER_QUERY):
                part = days[start : start + _PARAMS_PER_QUERY]
                placeholders = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"DELETE FROM {table} WHERE store_id = %s AND date IN ({placeholders})", [store_id, *part]
                )
                self.counts.rows_replaced += max(cursor.rowcount, 0)
        self._replaced_days.update(day_key(store_id, d) for d in days)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _month_week_cache() -> Any:
    cache: dict[date, tuple[date, date]] = {}

    def month_week(day: date) -> tuple[date, date]:
        found = cache.get(day)
        if found is None:
            found = cache[day] = (day.replace(day=1), day - timedelta(days=day.weekday()))
        return found

    return month_week


def bulk_insert(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The fastest way each database offers to append rows: COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = ", ".join(columns)
    connection.ensure_connection()
    with connection.wrap_database_errors:  # driver errors become django.db errors (IntegrityError …)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["?"] * len(columns))
        raw = connection.connection
        assert raw is not None
        raw.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({placeholders})",
            [tuple(v.isoformat() if isinstance(v, date) else v for v in row) for row in rows],
        )
