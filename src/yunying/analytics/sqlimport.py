"""PostgreSQL: a CSV sales file imported without Python touching its rows.

The file's bytes go to a connection-private table with COPY (the database decodes UTF-8 or GB18030 itself), and
SQL checks and converts every cell — store and product codes by joins, numbers by one pattern each (currency
marks and thousands separators dropped, float noise rounded exactly as the row-by-row check rounds it), dates
by a table of the column's distinct texts read once by the row-by-row check's own date reader — then stages
the rows (order lines summed to product-days and store-days: tickets = distinct ticket ids) for the same writer
as every other import.

Two statements, tried in turn: the exact one (`_exact_lines`, `_exact_rows`) takes a file whose cells need no
cleaning — codes as the tables hold them, numbers a cast takes, known products — with no regular expression or
text function per cell (most of the time a general statement spends); the general one cleans what it can. Where
the exact one gives a value the general one gives the same.

The SQL accepts a subset of what the row-by-row check (`validation.RowValidator`) accepts, with the same
values. A file with anything outside it — a bad cell, a code with odd spaces, a row of another width, a
multi-line title — goes through the row-by-row path instead, which names every problem with its row and
column: one definition of every error message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from yunying.analytics import columns
from yunying.analytics.validation import CellError, RowValidator, _parse_moment
from yunying.analytics.writer import SalesWriter, _stage_table

RAW = "analytics_sql_raw"
STORES = "analytics_sql_stores"
PRODUCTS = "analytics_sql_products"
CHANNELS = "analytics_sql_channels"
DATES = "analytics_sql_dates"
CLOCKS = "analytics_sql_clocks"
LINES = "analytics_sql_lines"
_TEMP = (RAW, STORES, PRODUCTS, CHANNELS, DATES, CLOCKS, LINES)
WORK_MEM = "256MB"  # the import's sorts and hash tables in memory (its own transaction only)
COPY_CHUNK = 1 << 20
_JUNK = "¥￥元$,， \u00a0\u3000"  # what `validation._number` drops from a number
_PLAIN_NUMBER = r"^-?[0-9]{1,15}(\.[0-9]{1,20})?$"
_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"  # the row-by-row fast path's HH:MM[:SS]
Progress = Callable[[float], None]  # share of the file read


def possible(*, filename: str, kind: str) -> bool:
    """Whether this path can take the file at all (PostgreSQL, a CSV file, a kind it stages)."""
    return (
        connection.vendor == "postgresql"
        and filename.lower().endswith((".csv", ".txt"))
        and kind in (columns.PRODUCT, columns.STORE, columns.LINES)
    )


def stage_file(
    *,
    validator: RowValidator,
    writer: SalesWriter,
    path: Path,
    encoding: str,
    header_row: int,
    width: int,
    progress: Progress | None = None,
    summaries: list[int] | None = None,
) -> int | None:
    """Stage the file's rows for `writer`; the number of data rows. None (nothing staged, nothing created): the
    file has something only the row-by-row path accepts or can name — run that instead. Rows of totals (合计)
    are left out, their numbers added to `summaries`."""
    start = _data_offset(path, encoding, header_row)
    if start is None:
        return None
    try:
        with transaction.atomic():  # a failed statement rolls back to here, never the caller's transaction
            work_mem = _local_setting("work_mem", WORK_MEM)  # put back below (a failure rolls it back)
            copied = _copy(path, encoding, start, width, progress)
            skipped = _drop_summaries(width, header_row)
            rows = copied - len(skipped)  # COPY counts the rows it wrote: no pass over the table to count
            _lookups(validator)
            staged = _stage(validator, writer, header_row, width)
            if not staged:
                raise _Fallback
            _local_setting("work_mem", work_mem)
    except (_Fallback, DatabaseError):
        writer.discard()
        validator.new_products.clear()
        _drop()
        return None
    _drop()
    if summaries is not None:
        summaries.extend(skipped)
    return rows


def _drop_summaries(width: int, header_row: int) -> list[int]:
    """Delete the rows of totals (`columns.summary_row`: 合计 … in the first filled cell); their row numbers."""
    first = "COALESCE(" + ", ".join(f"NULLIF(btrim(c{i}), '')" for i in range(width)) + ")"
    marks = " OR ".join(f"{first} LIKE %s" for _mark in columns.SUMMARY_MARKS)
    # Only a row whose first cell is blank or starts like a mark can be one: a cheap test before the full one.
    starts = sorted({mark[0] for mark in columns.SUMMARY_MARKS})
    maybe = "c0 IS NULL OR c0 = '' OR c0 LIKE %s OR " + " OR ".join("c0 LIKE %s" for _start in starts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {RAW} WHERE CASE WHEN {maybe} THEN {marks} ELSE false END RETURNING n",
            [" %", *(f"{start}%" for start in starts), *(f"{mark}%" for mark in columns.SUMMARY_MARKS)],
        )
        return sorted(header_row + int(n) for (n,) in cursor.fetchall())


class _Fallback(Exception):
    """The file needs the row-by-row path."""


# ---- reading the file ------------------------------------------------------------------------------------


def _data_offset(path: Path, encoding: str, header_row: int) -> int | None:
    """The byte offset of the first data row: after a BOM and `header_row` lines (None when those lines are
    not `header_row` whole CSV records, e.g. a title with a line break inside quotes)."""
    with path.open("rb") as handle:
        if handle.read(3) != b"\xef\xbb\xbf":
            handle.seek(0)
        lines = [handle.readline() for _n in range(header_row)]
        offset = handle.tell()
    try:
        text = b"".join(lines).decode("utf-8" if encoding.startswith("utf") else encoding)
    except UnicodeDecodeError:
        return None
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return None
    return offset if len(records) == header_row and lines[-1].endswith(b"\n") else None


def _copy(path: Path, encoding: str, start: int, width: int, progress: Progress | None) -> int:
    """The file's data rows into the raw table; how many."""
    names = ", ".join(f"c{i}" for i in range(width))
    database_encoding = "UTF8" if encoding.startswith("utf") else "GB18030"
    size = max(path.stat().st_size, 1)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {RAW} (n bigserial, {', '.join(f'c{i} text' for i in range(width))})"
        )
        with (
            path.open("rb") as handle,
            cursor.copy(
                f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv, ENCODING '{database_encoding}')"
            ) as copy,
        ):
            handle.seek(start)
            while chunk := handle.read(COPY_CHUNK):
                copy.write(chunk)
                if progress:
                    progress(handle.tell() / size)
        copied = int(cursor.rowcount)
        # The planner needs the table's size and rough figures, not a fine sample of a million rows.
        target = _local_setting("default_statistics_target", "10")
        cursor.execute(f"ANALYZE {RAW}")
        _local_setting("default_statistics_target", target)
    return copied


def _local_setting(name: str, value: str) -> str:
    """Set a setting for the rest of the transaction only; its value before."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, true)", [name, name, value])
        return str(cursor.fetchone()[0])


def _drop() -> None:
    with connection.cursor() as cursor:
        for table in _TEMP:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


# ---- what the cells are checked against ------------------------------------------------------------------


def _lookups(validator: RowValidator) -> None:
    """The stores the actor may import (with the days each may have sales), the products and the channels."""
    with connection.cursor() as cursor:
        for table in (STORES, PRODUCTS, CHANNELS, DATES):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STORES} (code text PRIMARY KEY, id integer, opened date, until date)"
        )
        cursor.execute(f"CREATE TEMPORARY TABLE {PRODUCTS} (code text PRIMARY KEY, id integer)")
        cursor.execute(f"CREATE TEMPORARY TABLE {CHANNELS} (label text PRIMARY KEY, code text)")
        stores = []
        for code, info in validator._stores.items():
            pk, opened, until = validator._fast_bounds(info)
            stores.append((code, pk, opened or None, until))
        cursor.executemany(f"INSERT INTO {STORES} VALUES (%s, %s, %s, %s)", stores)
        if validator._products:
            cursor.executemany(f"INSERT INTO {PRODUCTS} VALUES (%s, %s)", list(validator._products.items()))
        cursor.executemany(f"INSERT INTO {CHANNELS} VALUES (%s, %s)", list(columns.CHANNELS.items()))


def _dates(validator: RowValidator, expression: str, clock: str | None = None) -> None:
    """The distinct texts of `expression` (a date, or the date part of a time) read by the row-by-row date
    reader, so a date means the same on both paths; a text it refuses has no row (the row is refused).

    With `clock` (the time part of an order line's time), in the same pass: the table of its distinct texts,
    each with the days it moves its line back (1 before the company clock's cut-off, else 0; none when it is
    not HH:MM[:SS])."""
    with connection.cursor() as cursor:
        if clock is None:
            cursor.execute(f"SELECT DISTINCT {expression} FROM {RAW} r")
            texts = [text for (text,) in cursor.fetchall() if text is not None]
        else:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {CLOCKS} AS SELECT GROUPING(day) AS part, day, clock "
                f"FROM (SELECT {expression} AS day, {clock} AS clock FROM {RAW} r) t "
                f"GROUP BY GROUPING SETS ((day), (clock))"
            )
            cursor.execute(f"SELECT day FROM {CLOCKS} WHERE part = 0 AND day IS NOT NULL")
            texts = [text for (text,) in cursor.fetchall()]
            cut = validator._cut
            before = (
                f"clock COLLATE \"C\" < substr('{cut}', 1, length(clock)) AND ltrim(clock, '0:') <> ''"
                if cut
                else "false"
            )
            cursor.execute(f"DELETE FROM {CLOCKS} WHERE part = 0 OR clock IS NULL OR clock !~ '{_CLOCK}'")
            cursor.execute(f"ALTER TABLE {CLOCKS} ADD COLUMN back integer")
            cursor.execute(f"UPDATE {CLOCKS} SET back = CASE WHEN {before} THEN 1 ELSE 0 END")
            cursor.execute(f"ANALYZE {CLOCKS}")
        cursor.execute(f"CREATE TEMPORARY TABLE {DATES} (t text PRIMARY KEY, day date)")
        days = []
        for text in texts:
            try:
                day, moment = _parse_moment(text, validator.date_format)
            except CellError:
                continue
            days.append((text, validator._business_day(day, moment)))
        cursor.executemany(f"INSERT INTO {DATES} VALUES (%s, %s)", days)
        cursor.execute(f"ANALYZE {DATES}")


def _new_products(
    validator: RowValidator, at: dict[str, int], table: str, row_column: str, header_row: int
) -> None:
    """Products first seen in the file (the staged rows of `table` without a product): read from the first row
    of each code (as the row-by-row check does), given provisional ids, and filled in. Nothing to do, and no
    pass over the file, when every code is known."""
    code, name, category = _cell("product_code", at), _cell("product_name", at), _cell("category", at)
    assert code is not None
    on = f"t.{row_column} = {header_row} + r.n"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE product_id IS NULL LIMIT 1")
        if not cursor.fetchone():
            return
        if name is None:
            raise _Fallback  # an unknown product and no name to create it with: the row-by-row report
        cursor.execute(
            f"SELECT DISTINCT ON (btrim({code})) btrim({code}), {name}, {category or 'NULL'} "
            f"FROM {RAW} r JOIN {table} t ON {on} WHERE t.product_id IS NULL AND {code} IS NOT NULL "
            f"ORDER BY btrim({code}), r.n"
        )
        found = cursor.fetchall()
        for product_code, product_name, category_text in found:
            try:
                validator._product_id(
                    {"product_code": product_code, "product_name": product_name, "category": category_text}
                )
            except CellError:
                raise _Fallback from None
        if not found:
            return
        cursor.executemany(
            f"INSERT INTO {PRODUCTS} VALUES (%s, %s)", [(c, validator._products[c]) for c, _n, _c in found]
        )
        cursor.execute(
            f"UPDATE {table} t SET product_id = p.id FROM {RAW} r JOIN {PRODUCTS} p ON p.code = btrim({code}) "
            f"WHERE t.product_id IS NULL AND {on}"
        )


# ---- cells as SQL ----------------------------------------------------------------------------------------


def _cell(key: str, positions: dict[str, int]) -> str | None:
    return f"r.c{positions[key]}" if key in positions else None


def _number(cell: str | None) -> str:
    """A cell as a number: plain digits as they are, else with currency marks and separators dropped."""
    if cell is None:
        return "CAST(NULL AS numeric)"
    clean = f"translate({cell}, '{_JUNK}', '')"
    return (
        f"(CASE WHEN {cell} ~ '{_PLAIN_NUMBER}' THEN CAST({cell} AS numeric) "
        f"WHEN {clean} ~ '{_PLAIN_NUMBER}' THEN CAST({clean} AS numeric) END)"
    )


def _numbers(cells: dict[str, str | None]) -> str:
    """A lateral row `v` of the cells as numbers, each converted once (OFFSET 0 keeps the planner from
    copying the expressions into every place that uses them)."""
    return (
        "CROSS JOIN LATERAL (SELECT "
        + ", ".join(f"{_number(cell)} AS {name}" for name, cell in cells.items())
        + " OFFSET 0) v"
    )


def _fixed(value: str, places: int, limit: str, minimum: str | None = None) -> str:
    """A number (`value`, a column of `_numbers`) with at most `places` decimals: float noise under 1e-6
    rounded away, like `_decimal`."""
    low = f" AND {value} >= {minimum}" if minimum is not None else ""
    return (
        f"(CASE WHEN abs({value}) < {limit} AND abs({value} - round({value}, {places})) < 0.000001{low} "
        f"THEN round({value}, {places}) END)"
    )


def _count_cell(cell: str | None, default: str | None) -> str:
    """A count (tickets, customers) like `_integer`: empty → the default, else 0..10,000,000."""
    if cell is None:
        return default or "NULL"
    clean = f"translate({cell}, '{_JUNK}', '')"
    empty = f"WHEN {cell} IS NULL OR btrim({cell}) = '' THEN {default} " if default is not None else ""
    return (
        f"(CASE {empty}WHEN {clean} ~ '^[0-9]{{1,8}}$' AND CAST({clean} AS bigint) <= 10000000 "
        f"THEN CAST({clean} AS integer) END)"
    )


def _channel(cell: str | None) -> str:
    """The channel code (`k`: the channel table joined on the cell), dine-in when empty."""
    if cell is None:
        return "'dine_in'"
    return f"(CASE WHEN {cell} IS NULL OR btrim({cell}) = '' THEN 'dine_in' ELSE k.code END)"


def _blank(width: int) -> str:
    """Not a row: every cell empty (the row-by-row reader skips it)."""
    return " AND ".join(f"coalesce(btrim(r.c{i}), '') = ''" for i in range(width))


# ---- staging ---------------------------------------------------------------------------------------------


def _stage(validator: RowValidator, writer: SalesWriter, header_row: int, width: int) -> bool:
    """Stage the checked rows; False when any row fails a check (nothing of it is kept)."""
    at = validator.positions
    store, date_cell = _cell("store_code", at), _cell("date", at)
    assert store is not None and date_cell is not None
    not_blank = f"NOT ({_blank(width)})"
    joins = f"JOIN {STORES} s ON s.code = btrim({store})"
    in_bounds = "x.day IS NOT NULL AND (s.opened IS NULL OR x.day >= s.opened) AND x.day < s.until"
    kind = validator.kind
    if kind == columns.LINES:
        return _stage_lines(validator, writer, header_row, not_blank, joins, in_bounds)
    _dates(validator, date_cell)
    writer.stage(kind, [])
    if _exact_rows(validator, writer, header_row, not_blank):
        return True
    joins += f" LEFT JOIN {DATES} d ON d.t = {date_cell}"
    day = "d.day"
    if kind == columns.PRODUCT:
        product = _cell("product_code", at)
        assert product is not None
        joins += f" LEFT JOIN {PRODUCTS} p ON p.code = btrim({product})"
        numbers = _numbers({"qty": _cell("qty", at), "amount": _cell("amount", at)})
        qty = _fixed("v.qty", 3, "1000000000")
        amount = _fixed("v.amount", 2, "10000000000")
        values = f"s.id, x.day, p.id, {qty}, {amount}"
        names = "store_id, date, product_id, qty, amount"
        required: tuple[str, ...] = ("store_id", "date", "product_id", "qty", "amount")
    else:
        discounts = _cell("discounts", at)
        numbers = _numbers({"net_sales": _cell("net_sales", at), "discounts": discounts})
        net_sales = _fixed("v.net_sales", 2, "10000000000", minimum="0")
        discount = (
            f"(CASE WHEN {discounts} IS NULL OR btrim({discounts}) = '' THEN 0 "
            f"ELSE {_fixed('v.discounts', 2, '10000000000')} END)"
            if discounts
            else "0"
        )
        channel = _cell("channel", at)
        if channel:
            joins += f" LEFT JOIN {CHANNELS} k ON k.label = lower(btrim({channel}))"
        values = (
            f"s.id, x.day, {_channel(channel)}, {net_sales}, "
            f"{_count_cell(_cell('tickets', at), None)}, {_count_cell(_cell('customers', at), '0')}, {discount}"
        )
        names = "store_id, date, channel, net_sales, tickets, customers, discounts"
        required = ("store_id", "date", "channel", "net_sales", "tickets", "customers", "discounts")
    table = _stage_table(kind)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (row, {names}) "
            f"SELECT {header_row} + r.n, {values.replace('x.day', 'CASE WHEN ' + in_bounds + ' THEN x.day END')} "
            f"FROM {RAW} r LEFT {joins} CROSS JOIN LATERAL (SELECT {day} AS day) x {numbers} WHERE {not_blank}"
        )
        staged = cursor.rowcount
        if kind == columns.PRODUCT:
            _new_products(validator, at, table, "row", header_row)
        missing = " OR ".join(f"{name} IS NULL" for name in required)
        cursor.execute(f"SELECT 1 FROM {table} WHERE {missing} LIMIT 1")
        if cursor.fetchone():
            return False
    writer._staged[kind] = staged
    return True


def _exact_rows(validator: RowValidator, writer: SalesWriter, header_row: int, not_blank: str) -> bool:
    """Product-day or store-day rows whose cells are exactly what the SQL takes as they are (see
    `_exact_lines`): each cell cast once, codes joined as they are, no regular expression. False (nothing
    left behind): the general statement reads the file, with the same values wherever this one gives one."""
    at = validator.positions
    kind = validator.kind
    store, date_cell = _cell("store_code", at), _cell("date", at)
    assert store is not None and date_cell is not None
    joins = f"LEFT JOIN {STORES} s ON s.code = r.{store[2:]} LEFT JOIN {DATES} d ON d.t = r.{date_cell[2:]}"
    casts: dict[str, str] = {}
    if kind == columns.PRODUCT:
        product = _cell("product_code", at)
        assert product is not None
        joins += f" LEFT JOIN {PRODUCTS} p ON p.code = r.{product[2:]}"
        casts = {
            "v_qty": f"CAST({_cell('qty', at)} AS numeric)",
            "v_amount": f"CAST({_cell('amount', at)} AS numeric)",
        }
        values = (
            f"s.id, day, p.id, {_fixed('r.v_qty', 3, '1000000000')}, {_fixed('r.v_amount', 2, '10000000000')}"
        )
        names = "store_id, date, product_id, qty, amount"
        required: tuple[str, ...] = ("store_id", "date", "product_id", "qty", "amount")
    else:
        discounts, channel = _cell("discounts", at), _cell("channel", at)
        tickets, customers = _cell("tickets", at), _cell("customers", at)
        casts = {"v_net_sales": f"CAST({_cell('net_sales', at)} AS numeric)"}
        discount = "0"
        if discounts:
            casts["v_discounts"] = f"CAST(NULLIF({discounts}, '') AS numeric)"
            discount = f"(CASE WHEN r.v_discounts IS NULL THEN 0 ELSE {_fixed('r.v_discounts', 2, '10000000000')} END)"
        counts = {"tickets": "NULL", "customers": "0"}
        if tickets:
            casts["v_tickets"] = f"CAST({tickets} AS integer)"
            counts["tickets"] = "(CASE WHEN r.v_tickets BETWEEN 0 AND 10000000 THEN r.v_tickets END)"
        if customers:
            casts["v_customers"] = f"COALESCE(CAST(NULLIF({customers}, '') AS integer), 0)"
            counts["customers"] = "(CASE WHEN r.v_customers BETWEEN 0 AND 10000000 THEN r.v_customers END)"
        channel_code = "'dine_in'"
        if channel:
            joins += f" LEFT JOIN {CHANNELS} k ON k.label = r.{channel[2:]}"
            channel_code = (
                f"(CASE WHEN r.{channel[2:]} IS NULL OR r.{channel[2:]} = '' THEN 'dine_in' ELSE k.code END)"
            )
        net_sales = _fixed("r.v_net_sales", 2, "10000000000", minimum="0")
        values = (
            f"s.id, day, {channel_code}, {net_sales}, {counts['tickets']}, {counts['customers']}, {discount}"
        )
        names = "store_id, date, channel, net_sales, tickets, customers, discounts"
        required = ("store_id", "date", "channel", "net_sales", "tickets", "customers", "discounts")
    cells = ", ".join(f"{cast} AS {name}" for name, cast in casts.items())
    day = "CASE WHEN d.day IS NOT NULL AND (s.opened IS NULL OR d.day >= s.opened) AND d.day < s.until THEN d.day END"
    filled = f"(r.c0 <> '' AND r.c0 NOT LIKE ' %') OR {not_blank}"
    table = _stage_table(kind)
    missing = " OR ".join(f"{name} IS NULL" for name in required)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (row, {names}) SELECT {header_row} + r.n, {values.replace('day,', day + ',', 1)} "
                f"FROM (SELECT r.*, {cells} FROM {RAW} r OFFSET 0) r {joins} WHERE {filled}"
            )
            staged = cursor.rowcount
            cursor.execute(f"SELECT 1 FROM {table} WHERE {missing} LIMIT 1")
            if cursor.fetchone():
                raise _NotExact
    except (_NotExact, DatabaseError):
        return False
    writer._staged[kind] = staged
    return True


def _stage_lines(
    validator: RowValidator, writer: SalesWriter, header_row: int, not_blank: str, joins: str, in_bounds: str
) -> bool:
    """Order lines: checked into a typed table, then summed into product-days and store-days. A time after
    midnight and before the company clock's cut-off counts for the business day before."""
    at = validator.positions
    date_cell, product, ticket = _cell("date", at), _cell("product_code", at), _cell("ticket_id", at)
    assert date_cell is not None and product is not None and ticket is not None
    date_part = f"split_part({date_cell}, ' ', 1)"
    clock_part = f"substr({date_cell}, length({date_part}) + 2)"
    _dates(validator, date_part, clock_part)
    cut = validator._cut
    shift = (
        f"WHEN {clock_part} COLLATE \"C\" < substr('{cut}', 1, length({clock_part})) "
        f"AND ltrim({clock_part}, '0:') <> '' "
        f"THEN d.day - 1 "
        if cut
        else ""
    )
    day = (
        f"(CASE WHEN {clock_part} = '' THEN d.day WHEN {clock_part} !~ '{_CLOCK}' THEN NULL "
        f"{shift}ELSE d.day END)"
    )
    joins += f" LEFT JOIN {DATES} d ON d.t = {date_part} LEFT JOIN {PRODUCTS} p ON p.code = btrim({product})"
    channel = _cell("channel", at)
    if channel:
        joins += f" LEFT JOIN {CHANNELS} k ON k.label = lower(btrim({channel}))"
    amount_cell, price_cell = _cell("amount", at), _cell("price", at)
    numbers = _numbers({"qty": _cell("qty", at), "amount": amount_cell, "price": price_cell})
    qty = "v.qty"
    by_price = "v.qty * v.price"
    amount = (
        f"(CASE WHEN {amount_cell} IS NOT NULL AND btrim({amount_cell}) <> '' THEN v.amount ELSE {by_price} END)"
        if amount_cell
        else by_price
    )
    ticket_text = f"btrim({ticket})"
    writer.stage(columns.PRODUCT, [])
    writer.stage(columns.STORE, [])
    if _exact_lines(validator, writer, header_row, not_blank):
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {LINES} AS SELECT {header_row} + r.n AS n, s.id AS store_id, "
            f"CASE WHEN {in_bounds} THEN x.day END AS day, "
            f"p.id AS product_id, "
            f"{qty} AS qty, {amount} AS amount, "
            f"CASE WHEN length({ticket_text}) BETWEEN 1 AND 100 THEN {ticket_text} END AS ticket, "
            f"{_channel(channel)} AS channel "
            f"FROM {RAW} r LEFT {joins} CROSS JOIN LATERAL (SELECT {day} AS day) x {numbers} WHERE {not_blank}"
        )
        _new_products(validator, at, LINES, "n", header_row)
        cursor.execute(
            f"SELECT 1 FROM {LINES} WHERE store_id IS NULL OR day IS NULL OR product_id IS NULL OR qty IS NULL "
            f"OR amount IS NULL OR ticket IS NULL OR channel IS NULL LIMIT 1"
        )
        if cursor.fetchone():
            return False
        cursor.execute(
            f"INSERT INTO {_stage_table(columns.PRODUCT)} (row, store_id, date, product_id, qty, amount) "
            f"SELECT MIN(n), store_id, day, product_id, round(SUM(qty), 3), round(SUM(amount), 2) "
            f"FROM {LINES} GROUP BY store_id, day, product_id"
        )
        products = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {_stage_table(columns.STORE)} "
            f"(row, store_id, date, channel, net_sales, tickets, customers, discounts) "
            f"SELECT MIN(n), store_id, day, channel, round(SUM(amount), 2), COUNT(*), COUNT(*), 0 "
            f"FROM ({_BY_TICKET}) t GROUP BY store_id, day, channel"
        )
        stores = cursor.rowcount
        cursor.execute(
            f"SELECT 1 FROM {_stage_table(columns.PRODUCT)} WHERE abs(qty) >= 1000000000 OR abs(amount) >= 10000000000 "
            f"UNION ALL SELECT 1 FROM {_stage_table(columns.STORE)} WHERE abs(net_sales) >= 10000000000 LIMIT 1"
        )
        if cursor.fetchone():
            return False
    writer._staged[columns.PRODUCT] = products
    writer._staged[columns.STORE] = stores
    return True


# A store-day-channel's tickets: its lines summed per ticket first (one hash aggregate each, no sort).
_BY_TICKET = (
    f"SELECT MIN(n) AS n, store_id, day, channel, SUM(amount) AS amount FROM {LINES} "
    f"GROUP BY store_id, day, channel, ticket"
)


class _NotExact(Exception):
    """A cell the exact statement does not take as it is: the general statement reads the file instead."""


def _exact_lines(validator: RowValidator, writer: SalesWriter, header_row: int, not_blank: str) -> bool:
    """Order lines whose cells are exactly what the SQL takes without trimming or cleaning — codes as the tables
    hold them, plain numbers, known products, HH:MM[:SS] times — converted without a regular expression, text
    function or lateral row per cell: the common export, in one pass over the file. Anything else (an error in
    a cast, a cell converted to nothing) leaves nothing behind and returns False: the general statement then
    reads the file, with the same values wherever this one gives one.

    The row checks ride on the sums: a product-day (store-day-channel) any of whose lines lacks a value gets
    none itself, so the small staged tables are checked instead of the lines."""
    at = validator.positions
    store, date_cell, product = _cell("store_code", at), _cell("date", at), _cell("product_code", at)
    ticket, qty_cell, channel = _cell("ticket_id", at), _cell("qty", at), _cell("channel", at)
    amount_cell, price_cell = _cell("amount", at), _cell("price", at)
    assert store and date_cell and product and ticket and qty_cell
    qty = f"CAST({qty_cell} AS numeric)"
    by_price = f"{qty} * CAST({price_cell} AS numeric)" if price_cell else "NULL"
    amount = (
        f"(CASE WHEN {amount_cell} IS NOT NULL AND {amount_cell} <> '' THEN CAST({amount_cell} AS numeric) "
        f"ELSE {by_price} END)"
        if amount_cell
        else by_price
    )
    # The clock read once per distinct text (`_dates`): none when it is not HH:MM[:SS], as in the general one.
    day = "(CASE WHEN r.clock = '' THEN d.day ELSE d.day - t.back END)"
    kept = f"(CASE WHEN {ticket} NOT LIKE ' %' AND {ticket} NOT LIKE '% ' AND length({ticket}) BETWEEN 1 AND 100 THEN {ticket} END)"
    joins = (
        f"LEFT JOIN {STORES} s ON s.code = r.{store[2:]} LEFT JOIN {DATES} d ON d.t = r.date_part "
        f"LEFT JOIN {CLOCKS} t ON t.clock = r.clock "
        f"LEFT JOIN {PRODUCTS} p ON p.code = r.{product[2:]}"
    )
    channel_code = "'dine_in'"
    if channel:
        joins += f" LEFT JOIN {CHANNELS} k ON k.label = r.{channel[2:]}"
        channel_code = f"(CASE WHEN {channel} IS NULL OR {channel} = '' THEN 'dine_in' ELSE k.code END)"
    # A row with a first cell not blank is not a blank row (no text function on it).
    filled = f"(r.c0 <> '' AND r.c0 NOT LIKE ' %') OR {not_blank}"
    split = (
        f"SELECT r.*, split_part({date_cell}, ' ', 1) AS date_part, "
        f"substr({date_cell}, length(split_part({date_cell}, ' ', 1)) + 2) AS clock FROM {RAW} r OFFSET 0"
    )
    lines = (
        f"SELECT {header_row} + r.n AS n, s.id AS store_id, s.opened, s.until, {day} AS day, p.id AS product_id, "
        f"{qty} AS qty, {amount} AS amount, {kept} AS ticket, {channel_code} AS channel "
        f"FROM ({split}) r {joins} WHERE {filled} OFFSET 0"
    )
    in_bounds = "(l.opened IS NULL OR l.day >= l.opened) AND l.day < l.until"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {LINES} AS SELECT l.n, l.store_id, CASE WHEN {in_bounds} THEN l.day END "
                f"AS day, l.product_id, l.qty, l.amount, l.ticket, l.channel FROM ({lines}) l"
            )
            whole = "COUNT(*) = COUNT({0})"
            cursor.execute(
                f"INSERT INTO {_stage_table(columns.PRODUCT)} (row, store_id, date, product_id, qty, amount) "
                f"SELECT MIN(n), store_id, day, product_id, "
                f"CASE WHEN {whole.format('qty')} THEN round(SUM(qty), 3) END, "
                f"CASE WHEN {whole.format('amount')} THEN round(SUM(amount), 2) END "
                f"FROM {LINES} GROUP BY store_id, day, product_id"
            )
            products = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {_stage_table(columns.STORE)} "
                f"(row, store_id, date, channel, net_sales, tickets, customers, discounts) "
                f"SELECT MIN(n), store_id, day, channel, "
                f"CASE WHEN {whole.format('amount')} AND {whole.format('ticket')} THEN round(SUM(amount), 2) END, "
                f"COUNT(*), COUNT(*), 0 FROM (SELECT MIN(n) AS n, store_id, day, channel, ticket, "
                f"SUM(amount) AS amount FROM {LINES} GROUP BY store_id, day, channel, ticket) t "
                f"GROUP BY store_id, day, channel"
            )
            stores = cursor.rowcount
            cursor.execute(
                f"SELECT 1 FROM {_stage_table(columns.PRODUCT)} WHERE store_id IS NULL OR date IS NULL "
                f"OR product_id IS NULL OR qty IS NULL OR amount IS NULL OR abs(qty) >= 1000000000 "
                f"OR abs(amount) >= 10000000000 UNION ALL SELECT 1 FROM {_stage_table(columns.STORE)} "
                f"WHERE channel IS NULL OR net_sales IS NULL OR abs(net_sales) >= 10000000000 LIMIT 1"
            )
            if cursor.fetchone():
                raise _NotExact
    except (_NotExact, DatabaseError):
        return False
    writer._staged[columns.PRODUCT] = products
    writer._staged[columns.STORE] = stores
    return True
