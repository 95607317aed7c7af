"""Write sales facts fast and idempotently, without holding the database for long.

Rows are first *staged*: appended to a temporary table without constraints (PostgreSQL COPY, SQLite
executemany), with the file's row number. Staging writes only connection-private tables, so it can run outside
any transaction while the rest of the app keeps writing. `finish()` then, per kind:
  1. checks the staged rows for a repeated key (one sorted pass of the database: a window function);
  2. lists the staged store-days, keeps a copy of the rows they already have, and splits them into chunks of
     about `chunk_rows` rows, in the order of the staged key (a chunk is a range of it);
  3. per chunk, in its own short transaction: deletes the rows those store-days already have (a re-import
     replaces, it never double counts) and moves the staged rows in with one INSERT … SELECT (PostgreSQL: the
     chunk's range read off the staged key's index, already in the fact table's key order: no join, no sort);
  4. rebuilds the aggregates of every store-period touched (`aggregates.recompute`), a few stores at a time.
If any step fails after a chunk committed, every committed chunk is put back as it was (the copy from step 2)
and the aggregates rebuilt: a failed import leaves nothing behind.

Store rows replace whole store-days, or only the channels they name (`replace_channels`, for API pushes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction

from yunying.analytics import aggregates
from yunying.analytics.models import (
    SalesDay,
    SalesProductDay,
    SalesProductWeek,
    SalesStoreDay,
    SalesWeek,
)
from yunying.analytics.periods import add_months, month_start

STORE, PRODUCT, WEEKLY = aggregates.STORE, aggregates.PRODUCT, aggregates.WEEKLY
PRODUCT_WEEKLY = aggregates.PRODUCT_WEEKLY
KINDS = (STORE, PRODUCT, WEEKLY, PRODUCT_WEEKLY)
WEEK_KINDS = (WEEKLY, PRODUCT_WEEKLY)  # a row is a whole week, dated on its first day
# Products without a total of their own: the kind whose facts hold the total summed from them.
TOTAL_OF = {PRODUCT: STORE, PRODUCT_WEEKLY: WEEKLY}

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
    WEEKLY: (
        ("store_id", "integer"),
        ("date", "date"),
        ("net_sales", "numeric(14, 2)"),
        ("tickets", "integer"),
        ("customers", "integer"),
    ),
}
_STAGE[PRODUCT_WEEKLY] = _STAGE[PRODUCT]
_KEY = {
    STORE: ("store_id", "date", "channel"),
    PRODUCT: ("store_id", "date", "product_id"),
    WEEKLY: ("store_id", "date"),
    PRODUCT_WEEKLY: ("store_id", "date", "product_id"),
}
_FACT: dict[str, Any] = {
    STORE: SalesDay,
    PRODUCT: SalesProductDay,
    WEEKLY: SalesWeek,
    PRODUCT_WEEKLY: SalesProductWeek,
}


@dataclass
class WriteCounts:
    rows_written: int = 0
    rows_replaced: int = 0
    store_days: int = 0
    store_days_replaced: int = 0
    store_days_derived: int = 0  # store-days without a store total: their products summed
    weeks_with_days: int = 0  # store-weeks written that daily rows already cover (the days count)
    weeks_derived: int = 0  # store-weeks without a weekly store total: their products summed

    def as_dict(self) -> dict[str, int]:
        return {
            "rows_written": self.rows_written,
            "rows_replaced": self.rows_replaced,
            "store_days": self.store_days,
            "store_days_replaced": self.store_days_replaced,
            "store_days_derived": self.store_days_derived,
            "weeks_with_days": self.weeks_with_days,
            "weeks_derived": self.weeks_derived,
        }

    def add(self, other: WriteCounts) -> None:
        self.rows_written += other.rows_written
        self.rows_replaced += other.rows_replaced
        self.store_days += other.store_days
        self.store_days_replaced += other.store_days_replaced
        self.store_days_derived += other.store_days_derived
        self.weeks_with_days += other.weeks_with_days
        self.weeks_derived += other.weeks_derived


class DuplicateRows(Exception):
    """Rows repeating an earlier row's key (same store, date and channel/product): [(row, earlier row)].

    `count` is the number of repeated rows (the pairs may list only the first of them)."""

    def __init__(self, kind: str, pairs: list[tuple[int, int]], count: int | None = None):
        super().__init__(f"{len(pairs)} duplicated {kind} rows")
        self.kind, self.pairs = kind, pairs
        self.count = len(pairs) if count is None else count


class ConcurrentWrite(Exception):
    """A unique-key clash the staged rows do not explain: another import wrote the same store-days meanwhile."""


def _stage_table(kind: str) -> str:
    return f"analytics_stage_{kind}"


def _days_table(kind: str) -> str:
    return f"analytics_stage_{kind}_days"


def _backup_table(kind: str) -> str:
    return f"analytics_stage_{kind}_backup"


def _derived_backup(kind: str) -> str:
    return f"analytics_stage_{kind}_derived_backup"


_DERIVED = "products"  # SalesDay.origin of a store-day total summed from its products


Step = Callable[[int, int], None]  # (chunks done, chunks in all)
MAX_DUPLICATES = 1000
CHUNK_ROWS = 5_000  # SQLite: one writer at a time, so each write transaction stays short
# PostgreSQL locks only the rows written: others keep writing (and reading the old rows) meanwhile, so a chunk
# may be large — fewer round trips and index probes per row.
CHUNK_ROWS_POSTGRESQL = 200_000


@dataclass
class SalesWriter:
    chunk_rows: int = 0  # rows per write transaction; 0: CHUNK_ROWS
    replace_channels: bool = False  # store rows replace only the channels they name (API pushes)
    store_origin: str = "imported"  # SalesDay.origin of the store rows staged ("lines": summed order lines)
    counts: WriteCounts = field(default_factory=WriteCounts)
    _staged: dict[str, int] = field(default_factory=dict)  # kind → rows staged
    _keyed: set[str] = field(default_factory=set)  # kinds whose staged key is checked unique (and indexed)
    # PostgreSQL: kind → chunk → its first and last store-day (the day key's values), in the key's order.
    _bounds: dict[str, dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]]] = field(default_factory=dict)

    # ---- staging ------------------------------------------------------------------------------------------

    def stage(self, kind: str, rows: Sequence[Sequence[Any]]) -> None:
        """Append validated rows (StagedStore / StagedProduct tuples) to the kind's staging table."""
        if kind not in self._staged:
            self._create(kind)
            self._staged[kind] = 0
        if not rows:
            return
        columns = ("row", *(name for name, _type in _STAGE[kind]))
        with _private_transaction():
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
        definition = ", ".join(f"{name} {sql_type}" for name, sql_type in _STAGE[kind])
        self._drop(kind)
        # Temporary: private to this connection, not written to the WAL/journal; dropped by finish().
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE {_stage_table(kind)} (row integer, {definition})")

    @staticmethod
    def _drop(kind: str) -> None:
        with connection.cursor() as cursor:
            for table in (_stage_table(kind), _days_table(kind), _backup_table(kind)):
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            if kind in TOTAL_OF:
                cursor.execute(f"DROP TABLE IF EXISTS {_derived_backup(kind)}")

    def discard(self) -> None:
        """Forget everything staged (an import refused before writing)."""
        for kind in list(self._staged):
            self._drop(kind)
        self._staged.clear()
        self._keyed.clear()
        self._bounds.clear()

    def remap_products(self, ids: dict[int, int]) -> None:
        """Staged provisional product ids (negative, for products created only when the import writes)."""
        for kind in (PRODUCT, PRODUCT_WEEKLY):
            if not ids or kind not in self._staged:
                continue
            table = _stage_table(kind)
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE INDEX {table}_product ON {table} (product_id)")
                for provisional, real in ids.items():
                    cursor.execute(
                        f"UPDATE {table} SET product_id = %s WHERE product_id = %s", [real, provisional]
                    )

    # ---- checks -------------------------------------------------------------------------------------------

    def _key(self, kind: str) -> tuple[str, ...]:
        return _KEY[kind]

    def _day_key(self, kind: str) -> tuple[str, ...]:
        """What one replaced unit is: a store-day, or a store-day-channel for pushes of store rows."""
        return (
            ("store_id", "date", "channel")
            if kind == STORE and self.replace_channels
            else ("store_id", "date")
        )

    def _duplicates(self, kind: str) -> list[tuple[int, int]]:
        """Each staged row repeating the key of an earlier one, with that earlier row's number (the first
        MAX_DUPLICATES). One sorted pass: a window function, no self-join."""
        keys = ", ".join(self._key(kind))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT row, first FROM (SELECT row, MIN(row) OVER (PARTITION BY {keys}) AS first "
                f"FROM {_stage_table(kind)}) t WHERE row > first ORDER BY row LIMIT {MAX_DUPLICATES}"
            )
            return [(row, first) for row, first in cursor.fetchall()]

    def check_duplicates(self) -> None:
        """Raise DuplicateRows for the first kind whose staged rows repeat a key.

        The unique index on the key that the writing joins through is built first: when it builds, there is no
        repeat (one sort inside the database); only when it fails are the repeats listed (a window function)."""
        for kind in KINDS:
            if self._staged.get(kind) and kind not in self._keyed:
                stage = _stage_table(kind)
                # SQLite: a DEFERRED transaction (a temporary table only: no write lock); PostgreSQL: a
                # savepoint, so a failure leaves a caller's transaction usable.
                private = transaction.atomic if connection.vendor == "postgresql" else _private_transaction
                try:
                    with private(), connection.cursor() as cursor:
                        cursor.execute(
                            f"CREATE UNIQUE INDEX {stage}_key ON {stage} ({', '.join(self._key(kind))})"
                        )
                except IntegrityError:
                    pairs = self._duplicates(kind)
                    if pairs:
                        raise DuplicateRows(kind, pairs) from None
                    continue  # none listed after all: the write itself will meet the clash
                self._keyed.add(kind)

    # ---- moving the staged rows into the facts ------------------------------------------------------------

    def finish(self, step: Step | None = None) -> WriteCounts:
        """Check repeats, replace the staged store-days chunk by chunk, rebuild the aggregates.

        Raises DuplicateRows (nothing written) when the staged rows repeat a key, ConcurrentWrite when a
        chunk clashes with rows written meanwhile (everything this call wrote is then put back)."""
        done: list[tuple[str, int]] = []
        plans: dict[str, tuple[list[int], dict[int, tuple[date, date]]]] = {}
        try:
            self.check_duplicates()
            for kind in KINDS:
                if kind in self._staged:
                    plans[kind] = self._plan(kind)
            total = sum(len(chunks) for chunks, _spans in plans.values()) + 1
            for kind, (chunks, _spans) in plans.items():
                for chunk in chunks:
                    self._write_chunk(kind, chunk)
                    done.append((kind, chunk))
                    if step:
                        step(len(done), total)
            for kind, (_chunks, spans) in plans.items():
                _recompute_in_parts(spans, kind)
                if self._derives(kind):
                    _recompute_in_parts(spans, TOTAL_OF[kind])
        except BaseException:
            self._restore(done, plans)
            raise
        finally:
            for kind in list(self._staged):
                self._drop(kind)
            self._staged.clear()
            self._keyed.clear()
            self._bounds.clear()
        return self.counts

    def _chunk_rows(self) -> int:
        if self.chunk_rows:
            return int(self.chunk_rows)
        return CHUNK_ROWS_POSTGRESQL if connection.vendor == "postgresql" else CHUNK_ROWS

    def _derives(self, kind: str) -> bool:
        """Product rows staged without store rows: a store-day (store-week, for weekly products) with no store
        total gets its products summed (origin "products"), so store and product figures agree and the page
        can say where a total came from. A store total imported later replaces it."""
        return kind in TOTAL_OF and kind in self._staged and TOTAL_OF[kind] not in self._staged

    def _replaced(self, kind: str, alias: str, chunk: bool) -> str:
        """The condition on fact rows (as `alias`) a write of the staged store-days replaces: the rows of those
        store-days (or store-day-channels), and for store rows also a total summed from products there.

        A row-value IN over the (small) days table: both databases probe the fact table's unique index with it
        (SQLite would scan the whole fact table for a correlated EXISTS, under its write lock)."""
        unit = self._day_key(kind)
        where = " WHERE chunk = %s" if chunk else ""
        names = ", ".join(unit)
        mine = ", ".join(f"{alias}.{k}" for k in unit)
        condition = f"({mine}) IN (SELECT {names} FROM {_days_table(kind)}{where})"
        if kind == STORE and "channel" in unit:
            condition = (
                f"({condition} OR ({alias}.origin = '{_DERIVED}' AND ({alias}.store_id, {alias}.date) IN "
                f"(SELECT store_id, date FROM {_days_table(kind)}{where})))"
            )
        return condition

    def _plan(self, kind: str) -> tuple[list[int], dict[int, tuple[date, date]]]:
        """Store-days staged, their current rows copied aside, split into chunks; the counts filled in."""
        stage, days, backup = _stage_table(kind), _days_table(kind), _backup_table(kind)
        fact = _FACT[kind]._meta.db_table
        unit = ", ".join(self._day_key(kind))
        on = " AND ".join(f"f.{k} = d.{k}" for k in self._day_key(kind))
        # The key's order (the day key is its first columns): a chunk is a range of the staged key's index.
        order = unit
        postgresql = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            # Chunk of a store-day: the rows staged before it (in key order) over `chunk_rows` — a running
            # total, so a chunk holds whole store-days and about `chunk_rows` rows.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {days} AS SELECT {unit}, n, "
                f"CAST((SUM(n) OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING) - n) / {self._chunk_rows()} "
                f"AS integer) AS chunk FROM (SELECT {unit}, COUNT(*) AS n FROM {stage} GROUP BY {unit}) t"
            )
            cursor.execute(f"CREATE INDEX {days}_unit ON {days} ({unit})")
            cursor.execute(f"CREATE INDEX {days}_chunk ON {days} (chunk)")
            if kind not in self._keyed:  # the unique key index (unit first) serves the chunks' joins
                cursor.execute(f"CREATE INDEX {stage}_unit ON {stage} ({unit})")
            if postgresql:
                cursor.execute(f"ANALYZE {days}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {backup} AS SELECT f.* FROM {fact} f WHERE {self._replaced(kind, 'f', False)}"
            )
            if self._derives(kind):
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {_derived_backup(kind)} AS SELECT f.* FROM "
                    f"{_FACT[TOTAL_OF[kind]]._meta.db_table} f "
                    f"WHERE f.origin = '{_DERIVED}' AND EXISTS (SELECT 1 FROM {days} d WHERE {on})"
                )
            if postgresql:
                for table in (stage, backup):
                    cursor.execute(f"ANALYZE {table}")
                cursor.execute(
                    f"SELECT DISTINCT ON (chunk) chunk, {unit} FROM {days} ORDER BY chunk, {order}"
                )
                first = {row[0]: tuple(row[1:]) for row in cursor.fetchall()}
                descending = ", ".join(f"{k} DESC" for k in self._day_key(kind))
                cursor.execute(
                    f"SELECT DISTINCT ON (chunk) chunk, {unit} FROM {days} ORDER BY chunk, {descending}"
                )
                self._bounds[kind] = {row[0]: (first[row[0]], tuple(row[1:])) for row in cursor.fetchall()}
            cursor.execute(f"SELECT DISTINCT chunk FROM {days} ORDER BY chunk")
            chunks = [number for (number,) in cursor.fetchall()]
            cursor.execute(f"SELECT COUNT(*) FROM {backup}")
            replaced_rows = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT store_id, date FROM {days}) t")
            store_days = cursor.fetchone()[0]
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT store_id, date FROM {backup}) t")
            store_days_replaced = cursor.fetchone()[0]
            cursor.execute(f"SELECT store_id, MIN(date), MAX(date) FROM {days} GROUP BY store_id")
            extra = timedelta(days=6 if kind in WEEK_KINDS else 0)  # a week's row is its first day
            spans = {store_id: (_as_date(lo), _as_date(hi) + extra) for store_id, lo, hi in cursor.fetchall()}
            covered = 0
            if kind in WEEK_KINDS:
                daily = (SalesStoreDay if kind == WEEKLY else SalesProductDay)._meta.db_table
                cursor.execute(
                    f"SELECT COUNT(*) FROM (SELECT DISTINCT store_id, date FROM {days}) w "
                    f"WHERE {aggregates._no_days('w', daily)}"
                )
                covered = store_days - int(cursor.fetchone()[0])
        self.counts.add(
            WriteCounts(
                rows_written=self._staged[kind],
                rows_replaced=replaced_rows,
                store_days=store_days,
                store_days_replaced=store_days_replaced,
                weeks_with_days=covered,
            )
        )
        return chunks, spans

    def _write_chunk(self, kind: str, chunk: int) -> None:
        stage, days, fact = _stage_table(kind), _days_table(kind), _FACT[kind]._meta.db_table
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _quick_commit()
                replaced = self._replaced(kind, fact, True)
                with _probing():
                    cursor.execute(f"DELETE FROM {fact} WHERE {replaced}", [chunk] * replaced.count("%s"))
                bounds = self._bounds.get(kind, {}).get(chunk)
                if bounds is None:
                    cursor.execute(self._insert_sql(kind, stage, days, fact), [chunk])
                else:
                    cursor.execute(self._range_insert_sql(kind, stage, fact), [*bounds[0], *bounds[1]])
                if self._derives(kind):
                    derived = self._derive(cursor, kind, chunk)
                    if kind == PRODUCT:
                        self.counts.store_days_derived += derived
                    else:
                        self.counts.weeks_derived += derived
        except IntegrityError:
            raise ConcurrentWrite from None

    def _derive(self, cursor: Any, kind: str, chunk: int) -> int:
        """The chunk's store-days (store-weeks) without a store total imported get their products summed
        (dine-in, no tickets: a product line says nothing of tickets); a total summed earlier is summed again.
        A store-week with daily store totals gets none: its days are its total."""
        days, facts = _days_table(kind), _FACT[TOTAL_OF[kind]]._meta.db_table
        products = _FACT[kind]._meta.db_table
        cursor.execute(
            f"DELETE FROM {facts} WHERE origin = '{_DERIVED}' AND (store_id, date) IN "
            f"(SELECT store_id, date FROM {days} WHERE chunk = %s)",
            [chunk],
        )
        if kind == PRODUCT_WEEKLY:
            cursor.execute(
                f"INSERT INTO {facts} (store_id, date, net_sales, tickets, customers, origin) "
                f"SELECT d.store_id, d.date, SUM(p.amount), 0, 0, '{_DERIVED}' "
                f"FROM {days} d JOIN {products} p ON p.store_id = d.store_id AND p.date = d.date "
                f"WHERE d.chunk = %s AND NOT EXISTS "
                f"(SELECT 1 FROM {facts} x WHERE x.store_id = d.store_id AND x.date = d.date) "
                f"AND {aggregates._no_days('d', SalesDay._meta.db_table)} "  # daily totals there: they count
                f"GROUP BY d.store_id, d.date",
                [chunk],
            )
            return max(cursor.rowcount, 0)
        cursor.execute(
            f"INSERT INTO {facts} (store_id, date, month, week, channel, net_sales, tickets, customers, "
            f"discounts, origin) "
            f"SELECT d.store_id, d.date, {aggregates._month_of('d.date')}, {aggregates._week_of('d.date')}, "
            f"'dine_in', SUM(p.amount), 0, 0, 0, '{_DERIVED}' "
            f"FROM {days} d JOIN {products} p ON p.store_id = d.store_id AND p.date = d.date "
            f"WHERE d.chunk = %s AND NOT EXISTS "
            f"(SELECT 1 FROM {facts} x WHERE x.store_id = d.store_id AND x.date = d.date) "
            f"GROUP BY d.store_id, d.date",
            [chunk],
        )
        return max(cursor.rowcount, 0)

    def _insert_sql(self, kind: str, stage: str, days: str, fact: str) -> str:
        """The chunk's staged rows into the fact table. PostgreSQL: in the order of the table's unique key, so
        its index is written page after page (a third less time than in the join's order); SQLite's join
        already reads them in that order, a store-day at a time. The staged date is ISO text on SQLite: its
        month is its first eight characters and "01", without a date function per row."""
        postgresql = connection.vendor == "postgresql"
        month = aggregates._month_of("s.date") if postgresql else "substr(s.date, 1, 8) || '01'"
        names, values = self._fact_columns(kind, month)
        on = " AND ".join(f"s.{k} = d.{k}" for k in self._day_key(kind))
        order = f" ORDER BY {', '.join(f's.{k}' for k in _KEY[kind])}" if postgresql else ""
        return (
            f"INSERT INTO {fact} ({names}) SELECT {values} FROM {days} d JOIN {stage} s ON {on} "
            f"WHERE d.chunk = %s{order}"
        )

    def _fact_columns(self, kind: str, month: str) -> tuple[str, str]:
        """The fact table's columns an insert writes, and their values from the staged row ``s`` (``month``:
        the SQL of the staged date's month)."""
        columns = [name for name, _type in _STAGE[kind]]
        extra = {"month": month} if kind not in WEEK_KINDS else {}
        if kind == STORE:
            extra["week"] = aggregates._week_of("s.date")
            extra["origin"] = f"'{self.store_origin}'"
        if kind == WEEKLY:
            extra["origin"] = "'imported'"
        names = ", ".join([*columns, *extra])
        values = ", ".join([*(f"s.{c}" for c in columns), *extra.values()])
        return names, values

    def _range_insert_sql(self, kind: str, stage: str, fact: str) -> str:
        """PostgreSQL: the chunk's staged rows (a range of the day key, its bounds the parameters) into the fact
        table, read off the staged key's index in the fact table's key order."""
        names, values = self._fact_columns(kind, aggregates._month_of("s.date"))
        unit = ", ".join(f"s.{k}" for k in self._day_key(kind))
        marks = ", ".join(["%s"] * len(self._day_key(kind)))
        order = ", ".join(f"s.{k}" for k in _KEY[kind])
        return (
            f"INSERT INTO {fact} ({names}) SELECT {values} FROM {stage} s "
            f"WHERE ({unit}) >= ({marks}) AND ({unit}) <= ({marks}) ORDER BY {order}"
        )

    def _restore(self, done: list[tuple[str, int]], plans: dict[str, Any]) -> None:
        """Put back the rows of every chunk already committed, then rebuild their aggregates."""
        if not done:
            return
        for kind, chunk in done:
            backup, fact = _backup_table(kind), _FACT[kind]._meta.db_table
            columns = ", ".join(str(f.column) for f in _FACT[kind]._meta.concrete_fields)
            with transaction.atomic(), connection.cursor() as cursor:
                replaced = self._replaced(kind, fact, True)
                cursor.execute(f"DELETE FROM {fact} WHERE {replaced}", [chunk] * replaced.count("%s"))
                kept = self._replaced(kind, "b", True)
                cursor.execute(
                    f"INSERT INTO {fact} ({columns}) SELECT {columns} FROM {backup} b WHERE {kept}",
                    [chunk] * kept.count("%s"),
                )
                if self._derives(kind):
                    self._restore_derived(cursor, kind, chunk)
        for kind in {kind for kind, _chunk in done}:
            _recompute_in_parts(plans[kind][1], kind)
            if self._derives(kind):
                _recompute_in_parts(plans[kind][1], TOTAL_OF[kind])

    @staticmethod
    def _restore_derived(cursor: Any, kind: str, chunk: int) -> None:
        model = _FACT[TOTAL_OF[kind]]
        days, facts = _days_table(kind), model._meta.db_table
        columns = ", ".join(str(f.column) for f in model._meta.concrete_fields)
        cursor.execute(
            f"DELETE FROM {facts} WHERE origin = '{_DERIVED}' AND (store_id, date) IN "
            f"(SELECT store_id, date FROM {days} WHERE chunk = %s)",
            [chunk],
        )
        cursor.execute(
            f"INSERT INTO {facts} ({columns}) SELECT {columns} FROM {_derived_backup(kind)} b "
            f"WHERE EXISTS (SELECT 1 FROM {days} d WHERE d.chunk = %s AND d.store_id = b.store_id AND d.date = b.date)",
            [chunk],
        )


STORES_PER_TRANSACTION = 50
MONTHS_PER_TRANSACTION = 2


def _recompute_in_parts(spans: dict[int, tuple[date, date]], kind: str) -> None:
    """The aggregates of the stores touched, a few stores and months per (short) transaction: a long history
    never holds the database's write lock for long. Each part rebuilds whole periods from the facts, so the
    weeks at a part's edges, rebuilt twice, come out the same."""
    store_ids = sorted(spans)
    for start in range(0, len(store_ids), STORES_PER_TRANSACTION):
        part = store_ids[start : start + STORES_PER_TRANSACTION]
        first = min(spans[s][0] for s in part)
        last = max(spans[s][1] for s in part)
        window = month_start(first)
        while window <= last:
            end = add_months(window, MONTHS_PER_TRANSACTION)
            piece = {
                store_id: (max(spans[store_id][0], window), min(spans[store_id][1], end - timedelta(days=1)))
                for store_id in part
                if spans[store_id][0] < end and spans[store_id][1] >= window
            }
            if piece:
                with transaction.atomic():
                    _quick_commit()
                    aggregates.recompute(piece, kinds=[kind])
            window = end


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _quick_commit() -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk. A crash of the server
    may lose it, never half of it; the import's own record, committed after all of its chunks, waits for
    everything written before it: an import reported done is on disk. Inside a caller's transaction (an API
    push) nothing changes: that transaction's commit waits as always."""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', 'off', true)")


@contextmanager
def _probing() -> Iterator[None]:
    """PostgreSQL: the statements inside find a chunk's store-days' fact rows through the fact table's unique
    index (one probe per store-day), never by reading the whole table once per chunk (its statistics, taken
    before the import wrote, may say it is small). The settings hold inside only (a savepoint or transaction
    of their own)."""
    if connection.vendor != "postgresql":
        yield
        return
    names = ("enable_seqscan", "enable_hashjoin", "enable_mergejoin")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(f"current_setting('{n}'), set_config('{n}', 'off', true)" for n in names)
        )
        row = cursor.fetchone()
        yield  # a failure rolls the settings back with the statements
        cursor.execute("SELECT " + ", ".join(f"set_config('{n}', %s, true)" for n in names), list(row[0::2]))


@contextmanager
def _private_transaction() -> Iterator[None]:
    """One commit per batch of rows appended to a temporary table, without taking the database's write lock:
    SQLite's IMMEDIATE transactions (the app's setting) would lock out every other writer, a DEFERRED one that
    writes only temporary tables never does. Inside a caller's transaction: that transaction."""
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor != "sqlite":
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    raw.execute("BEGIN DEFERRED")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")


# SQLite: an import connection's page caches (KiB when negative), large enough to hold the pages of the fact
# table's indexes it writes and of its own temporary tables, instead of SQLite's default 2 MB (bounded memory,
# given back when the import ends); and the write-ahead log checkpointed every 64 MB of it instead of every 4:
# each checkpoint waits for the disk, and an import's many short transactions would meet one every few.
SQLITE_IMPORT_CACHE = {"main.cache_size": -131072, "temp.cache_size": -65536, "wal_autocheckpoint": 16384}


@contextmanager
def import_settings() -> Iterator[None]:
    """The connection tuned for one import (SQLite: larger page caches), put back as it was afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    before = {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_IMPORT_CACHE}
    for name, value in SQLITE_IMPORT_CACHE.items():
        raw.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        if connection.connection is raw:  # not closed meanwhile (a new connection has the defaults)
            for name, value in before.items():
                raw.execute(f"PRAGMA {name} = {int(value)}")


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
