"""Run a sales import without holding the database: rows are validated a chunk at a time and staged in
connection-private tables outside any transaction (the rest of the app keeps writing meanwhile); repeated rows
are found in one sorted pass; only then are the affected store-days replaced, in short chunked transactions
(`SalesWriter.finish`). Any bad row (or repeated row) and nothing is written: every problem is reported with its
row number, column and message. A failure while writing puts back what the import had replaced.

Order lines (`columns.LINES`) are summed while they are read — product-days and store-days (tickets = distinct
ticket ids) — and the sums staged and written like a product-day file and a store-day file together."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.analytics import columns, sqlimport
from yunying.analytics.validation import RowValidator
from yunying.analytics.writer import (
    ConcurrentWrite,
    DuplicateRows,
    SalesWriter,
    WriteCounts,
    import_settings,
)
from yunying.core.errors import DomainError
from yunying.core.tabular import RowError

Progress = Callable[[int, float], None]
CHUNK_ROWS = 20_000
READ_SHARE = 0.8  # of the progress bar: reading and checking; the rest is writing


@dataclass
class ImportOutcome:
    kind: str
    rows: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    unused: list[str] = field(default_factory=list)  # the file's columns the import does not read
    payment: str | None = None  # the file's payment-method column: not kept (no breakdown by payment)
    summary_rows: list[int] = field(default_factory=list)  # rows of totals (合计) in the file: not imported
    in_database: bool = False  # checked and staged by the database (`sqlimport`), not row by row

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def errors_as_dicts(self) -> list[dict[str, object]]:
        return [e.as_dict() for e in self.errors]


@dataclass(frozen=True)
class SourceFile:
    """The CSV file an import's rows come from: PostgreSQL loads it itself."""

    path: Path
    encoding: str
    header_row: int


def import_rows(
    *,
    actor: Any,
    header: list[str],
    rows: Iterable[tuple[int, list[Any]]],
    mappings: dict[str, dict[str, str]] | None = None,
    kind: str | None = None,
    date_format: str = "",
    progress: Progress | None = None,
    fraction: Callable[[], float] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    write_chunk_rows: int | None = None,
    replace_channels: bool = False,
    source_file: SourceFile | None = None,
) -> ImportOutcome:
    """Import rows of one kind (detected from the header unless given). All-or-nothing.

    With `source_file` (the CSV file `rows` come from) on PostgreSQL, the file is loaded and checked inside
    the database (`sqlimport`) and `rows` is not read — unless the file needs the row-by-row path."""
    mappings = mappings or {}
    kind = kind or columns.detect_kind(header, mappings)
    if kind is None:
        raise DomainError(
            _("无法识别文件的列：需要“商品编码”（商品日销售）或“净销售额”（门店日销售）列。"), code="mapping"
        )
    positions = columns.resolve(header, kind, mappings.get(kind))
    columns.require_columns(kind, positions)
    headings = {key: header[i] for key, i in positions.items()}
    outcome = ImportOutcome(
        kind=kind, unused=columns.unused(header, positions), payment=columns.payment_heading(header)
    )
    key_column = {
        columns.PRODUCT: "product_code",
        columns.STORE: "channel",
        columns.WEEKLY: "date",
        columns.PRODUCT_WEEKLY: "product_code",
    }.get(kind, "ticket_id")
    validator = RowValidator(
        actor=actor, kind=kind, positions=positions, headings=headings, date_format=date_format
    )
    writer = SalesWriter(
        replace_channels=replace_channels, store_origin="lines" if kind == columns.LINES else "imported"
    )
    if write_chunk_rows:
        writer.chunk_rows = write_chunk_rows
    with import_settings():
        _run(
            validator,
            writer,
            outcome,
            rows,
            len(header),
            key_column,
            chunk_rows,
            progress,
            fraction,
            source_file,
        )
    outcome.errors, outcome.error_count = validator.errors, validator.error_count
    if outcome.error_count:
        outcome.counts = WriteCounts()
    if progress:
        progress(outcome.rows, 1.0)
    return outcome


def _run(
    validator: RowValidator,
    writer: SalesWriter,
    outcome: ImportOutcome,
    rows: Iterable[tuple[int, list[Any]]],
    width: int,
    key_column: str,
    chunk_rows: int,
    progress: Progress | None,
    fraction: Callable[[], float] | None,
    source_file: SourceFile | None,
) -> None:
    """Read, check, stage and write (see `import_rows`); the errors go to the validator."""
    kind = outcome.kind
    try:
        in_database = None
        if source_file is not None and sqlimport.possible(filename=source_file.path.name, kind=kind):

            def copied(share: float) -> None:
                if progress:
                    progress(0, READ_SHARE * share)

            in_database = sqlimport.stage_file(
                validator=validator,
                writer=writer,
                path=source_file.path,
                encoding=source_file.encoding,
                header_row=source_file.header_row,
                width=width,
                progress=copied,
                summaries=outcome.summary_rows,
            )
        if in_database is not None:
            outcome.rows = in_database
            outcome.in_database = True
            if outcome.rows == 0:
                raise DomainError(_("文件中没有数据行。"))
            rows = ()
        iterator = _without_summaries(rows, outcome.summary_rows)
        while batch := list(islice(iterator, chunk_rows)):
            outcome.rows += len(batch)
            staged = validator.check_batch(batch)
            if not validator.error_count and kind in (columns.PRODUCT, columns.STORE):
                writer.stage(kind, staged)  # after the first error only the report is worth building
            if progress:
                progress(outcome.rows, READ_SHARE * (fraction() if fraction else 0.0))
        if outcome.rows == 0 and not validator.error_count:
            raise DomainError(_("文件中没有数据行。"))
        if in_database is not None:
            pass  # staged (and summed) by the database
        elif kind == columns.LINES and not validator.error_count:
            store_rows, product_rows = validator.line_rows()
            if not validator.error_count:
                writer.stage(columns.STORE, store_rows)
                writer.stage(columns.PRODUCT, product_rows)
        elif kind == columns.WEEKLY and not validator.error_count:
            writer.stage(columns.WEEKLY, validator.week_rows())
        elif kind == columns.PRODUCT_WEEKLY and not validator.error_count:
            rows_of_weeks = validator.product_week_rows()
            if not validator.error_count:
                writer.stage(columns.PRODUCT_WEEKLY, rows_of_weeks)
        if not validator.error_count:
            _write(validator, writer, key_column, outcome, progress)
    finally:
        writer.discard()


def _without_summaries(
    rows: Iterable[tuple[int, list[Any]]], found: list[int]
) -> Iterator[tuple[int, list[Any]]]:
    """The data rows; the numbers of rows of totals (合计, 总计, 小计) go to `found` (named back to the user).

    A row whose first cell is a text starting with neither a space nor the first letter of a mark is data:
    told without `columns.summary_row` (most rows of most files)."""
    starts = columns.SUMMARY_STARTS
    for number, cells in rows:
        first = cells[0] if cells else None
        if first.__class__ is str and first and first[0] not in starts and not first[0].isspace():
            yield number, cells
            continue
        if columns.summary_row(cells):
            found.append(number)
            continue
        yield number, cells


def _write(
    validator: RowValidator,
    writer: SalesWriter,
    key_column: str,
    outcome: ImportOutcome,
    progress: Progress | None,
) -> None:
    """Create the new products, then replace the store-days; errors (repeats, a clash) go to the validator."""
    try:
        writer.check_duplicates()
    except DuplicateRows as exc:
        by_payment = outcome.payment and outcome.kind in (columns.STORE, columns.PRODUCT)
        for row, first in exc.pairs:
            if (
                by_payment
            ):  # rows split by payment method: the figures are kept per store-day, not per payment
                message = _(
                    "与第 %(n)d 行重复（同一门店、日期）：文件按“%(col)s”分行，而销售额不按支付方式保存——"
                    "请导出按门店日汇总的数据，或导出订单明细"
                ) % {"n": first, "col": outcome.payment}
            else:
                message = _("与第 %(n)d 行重复（同一门店、日期）") % {"n": first}
            validator.error(row, key_column, message)
        return
    created: dict[int, int] = {}
    with transaction.atomic():
        created = validator.create_products()
    writer.remap_products(created)

    def step(done: int, total: int) -> None:
        if progress:
            progress(outcome.rows, READ_SHARE + (1 - READ_SHARE) * done / max(total, 1))

    try:
        outcome.counts = writer.finish(step=step)
    except (ConcurrentWrite, DuplicateRows):
        # No repeat in the input: another import wrote the same store-days meanwhile.
        validator.error(0, key_column, _("另一个导入同时写入了相同的门店日，未导入任何数据，请重试。"))
    except BaseException:
        _forget_products(created)
        raise
    if validator.error_count:
        _forget_products(created)


def _forget_products(created: dict[int, int]) -> None:
    """The products an import created, when it writes nothing after all (rolled back to nothing)."""
    from django.db.models import ProtectedError

    from yunying.analytics.models import Product

    if created:
        try:
            with transaction.atomic():
                Product.objects.filter(pk__in=created.values()).delete()
        except ProtectedError:  # sold meanwhile through another import: keep them
            pass
