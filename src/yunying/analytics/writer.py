"""Write sales facts fast and idempotently. Call inside a transaction.

Rows are first *staged*: appended to a temporary table without indexes or constraints (PostgreSQL COPY, SQLite
executemany), with the file's row number. `finish()` then, per kind, in a handful of set-based statements:
  1. lists the staged store-days and deletes the rows those store-days already have (a re-import replaces,
     it never double counts);
  2. moves the staged rows into the fact table with one INSERT … SELECT (month, week computed by the database);
     a unique-key clash can then only be a row repeated in the input: `DuplicateRows` names each repeat and the
     row it repeats;
  3. rebuilds the aggregates of every store-period touched (`aggregates.recompute`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction

from yunying.analytics import aggregates
from yunying.analytics.models import SalesDay, SalesProductDay

STORE, PRODUCT = aggregates.STORE, aggregates.PRODUCT

# What the validator produces (date as a date), as the demo loader writes it:
# (store_id, date, channel, net_sales, tickets, customers, discounts)
StoreRow = tuple[int, date, str, str, int, int, str]
# (store_id, date, product_id, qty, amount)
ProductRow = tuple[int, date, int, str, str]
# What is staged: the row number first, the date as an ISO string.
StagedStore = tuple[int, int, str, str, str, int, int, str]
StagedProduct = tuple[int, int, str, int, str, str]

# Staging columns (after `row`) and the fact table's own key columns, per kind.
_STAGE = {
    STORE: (
        ("store_id", "integer"),
        ("date", "date"),
        ("channel", "varchar(10)"),
        ("net_sales", "numeric(14, 2)"),
        ("tickets", "integer"),
        ("customers", "integer"),
        ("discounts", "numeric(14, 2)"),
    ),
    PRODUCT: (
        ("store_id", "integer"),
        ("date", "date"),
        ("product_id", "integer"),
        ("qty", "numeric(12, 3)"),
        ("amount", "numeric(14, 2)"),
    ),
}
_KEY = {STORE: ("store_id", "date", "channel"), PRODUCT: ("store_id", "date", "product_id")}
_FACT = {STORE: SalesDay, PRODUCT: SalesProductDay}


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

    def add(self, other: WriteCounts) -> None:
        self.rows_written += other.rows_written
        self.rows_replaced += other.rows_replaced
        self.store_days += other.store_days
        self.store_days_replaced += other.store_days_replaced


class DuplicateRows(Exception):
    """Rows repeating an earlier row's key (same store, date and channel/product): [(row, earlier row)]."""

    def __init__(self, kind: str, pairs: list[tuple[int, int]]):
        super().__init__(f"{len(pairs)} duplicated {kind} rows")
        self.kind, self.pairs = kind, pairs


def _stage_table(kind: str) -> str:
    return f"analytics_stage_{kind}"


def _days_table(kind: str) -> str:
    return f"analytics_stage_{kind}_days"


@dataclass
class SalesWriter:
    counts: WriteCounts = field(default_factory=WriteCounts)
    _staged: dict[str, int] = field(default_factory=dict)  # kind → rows staged

    # ---- staging ------------------------------------------------------------------------------------------

    def stage(self, kind: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append validated rows (StagedStore / StagedProduct tuples) to the kind's staging table."""
        if kind not in self._staged:
            self._create(kind)
            self._staged[kind] = 0
        if not rows:
            return
        columns = ("row", *(name for name, _type in _STAGE[kind]))
        _append(_stage_table(kind), columns, rows)
        self._staged[kind] += len(rows)

    def write_store_rows(self, rows: Iterable[StoreRow]) -> None:
        """Stage rows whose dates are `date`s (the demo loader); numbered in the order given."""
        start = self._staged.get(STORE, 0)
        self.stage(STORE, [(start + i, r[0], r[1].isoformat(), *r[2:]) for i, r in enumerate(rows, 1)])

    def write_product_rows(self, rows: Iterable[ProductRow]) -> None:
        start = self._staged.get(PRODUCT, 0)
        self.stage(PRODUCT, [(start + i, r[0], r[1].isoformat(), *r[2:]) for i, r in enumerate(rows, 1)])

    def _create(self, kind: str) -> None:
        stage, days = _stage_table(kind), _days_table(kind)
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type in _STAGE[kind])
        # Temporary: private to this connection, not written to the WAL/journal; dropped by finish().
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {stage}")
            cursor.execute(f"DROP TABLE IF EXISTS {days}")
            cursor.execute(f"CREATE TEMPORARY TABLE {stage} (row integer, {definition})")

    # ---- moving the staged rows into the facts ------------------------------------------------------------

    def finish(self) -> WriteCounts:
        """Replace the staged store-days, insert the rows, rebuild the aggregates; returns the counts.

        Raises DuplicateRows (nothing written by this call) when the staged rows repeat a key."""
        for kind in (STORE, PRODUCT):
            if kind in self._staged:
                self.counts.add(self._finish(kind))
        self._staged.clear()
        return self.counts

    def _finish(self, kind: str) -> WriteCounts:
        stage, days, fact = _stage_table(kind), _days_table(kind), _FACT[kind]._meta.db_table
        counts = WriteCounts(rows_written=self._staged[kind])
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {days} AS SELECT DISTINCT store_id, date FROM {stage}")
            if connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {days}")
                cursor.execute(f"ANALYZE {stage}")
            cursor.execute(
                f"SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM {fact} f "
                f"WHERE f.store_id = d.store_id AND f.date = d.date) THEN 1 ELSE 0 END) FROM {days} d"
            )
            counts.store_days, replaced = cursor.fetchone()
            counts.store_days_replaced = replaced or 0
            try:
                with transaction.atomic():  # a savepoint: a clash leaves the outer transaction usable
                    if counts.store_days_replaced:
                        cursor.execute(
                            f"DELETE FROM {fact} WHERE (store_id, date) IN (SELECT store_id, date FROM {days})"
                        )
                        counts.rows_replaced = max(cursor.rowcount, 0)
                    cursor.execute(self._insert_sql(kind, stage, fact))
            except IntegrityError:
                raise DuplicateRows(kind, self._duplicates(kind)) from None
            cursor.execute(f"SELECT store_id, MIN(date), MAX(date) FROM {days} GROUP BY store_id")
            spans = {store_id: (_as_date(lo), _as_date(hi)) for store_id, lo, hi in cursor.fetchall()}
            cursor.execute(f"DROP TABLE {days}")
            cursor.execute(f"DROP TABLE {stage}")
        aggregates.recompute(spans, kinds=[kind])
        return counts

    @staticmethod
    def _insert_sql(kind: str, stage: str, fact: str) -> str:
        columns = [name for name, _type in _STAGE[kind]]
        month = aggregates._month_of("date")
        extra = {"month": month}
        if kind == STORE:
            extra["week"] = aggregates._week_of("date")
        names = ", ".join([*columns, *extra])
        values = ", ".join([*columns, *extra.values()])
        return f"INSERT INTO {fact} ({names}) SELECT {values} FROM {stage}"

    def _duplicates(self, kind: str) -> list[tuple[int, int]]:
        """Each staged row repeating the key of an earlier one, with that earlier row's number."""
        stage = _stage_table(kind)
        on = " AND ".join(f"s.{k} = f.{k}" for k in _KEY[kind])
        keys = ", ".join(_KEY[kind])
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.row, f.first FROM {stage} s JOIN ("
                f"  SELECT {keys}, MIN(row) AS first FROM {stage} GROUP BY {keys} HAVING COUNT(*) > 1"
                f") f ON {on} WHERE s.row > f.first ORDER BY s.row"
            )
            return [(row, first) for row, first in cursor.fetchall()]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _append(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The fastest way each database offers to append rows: COPY on PostgreSQL, executemany on SQLite.

    The values are validated numbers, ISO dates and channel codes: nothing a COPY text line must escape."""
    names = ", ".join(columns)
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            text = "".join(["\t".join(map(str, row)) + "\n" for row in rows])
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                copy.write(text)
            return
        placeholders = ", ".join(["?"] * len(columns))
        raw = connection.connection
        assert raw is not None
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
