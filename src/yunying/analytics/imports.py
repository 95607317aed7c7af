"""Run a sales import: every row validated, facts written in chunks inside one transaction, aggregates
recomputed at the end. Any bad row (or duplicated row) and the whole import is rolled back: nothing written,
every problem reported with its row number, column and message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from yunying.analytics import columns
from yunying.analytics.models import SalesDay, SalesProductDay
from yunying.analytics.validation import RowValidator
from yunying.analytics.writer import SalesWriter, WriteCounts
from yunying.core.errors import DomainError
from yunying.core.tabular import RowError

Progress = Callable[[int, float], None]
CHUNK_ROWS = 20_000


@dataclass
class ImportOutcome:
    kind: str
    rows: int = 0
    counts: WriteCounts = field(default_factory=WriteCounts)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def errors_as_dicts(self) -> list[dict[str, object]]:
        return [e.as_dict() for e in self.errors]


class _Rollback(Exception):
    pass


def import_rows(
    *,
    actor: Any,
    header: list[str],
    rows: Iterable[tuple[int, list[Any]]],
    mappings: dict[str, dict[str, str]] | None = None,
    kind: str | None = None,
    progress: Progress | None = None,
    fraction: Callable[[], float] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportOutcome:
    """Import rows of one kind (detected from the header unless given). All-or-nothing."""
    mappings = mappings or {}
    kind = kind or columns.detect_kind(header, mappings)
    if kind is None:
        raise DomainError(
            _("无法识别文件的列：需要“商品编码”（商品日销售）或“净销售额”（门店日销售）列。"), code="mapping"
        )
    positions = columns.resolve(header, kind, mappings.get(kind))
    columns.require_columns(kind, positions)
    headings = {key: header[i] for key, i in positions.items()}
    outcome = ImportOutcome(kind=kind)
    try:
        with transaction.atomic():
            validator = RowValidator(actor=actor, kind=kind, positions=positions, headings=headings)
            writer = SalesWriter()
            batch: list[Any] = []
            numbers: list[int] = []
            for number, cells in rows:
                outcome.rows += 1
                fact = validator.check(number, cells)
                if fact is None or validator.error_count:
                    continue
                batch.append(fact)
                numbers.append(number)
                if len(batch) >= chunk_rows:
                    _flush(writer, validator, kind, batch, numbers)
                    batch, numbers = [], []
                    if progress:
                        progress(outcome.rows, fraction() if fraction else 0.0)
            if not validator.error_count:
                _flush(writer, validator, kind, batch, numbers)
            outcome.errors, outcome.error_count = validator.errors, validator.error_count
            if outcome.error_count:
                raise _Rollback
            if outcome.rows == 0:
                raise DomainError(_("文件中没有数据行。"))
            outcome.counts = writer.finish()
    except _Rollback:
        outcome.counts = WriteCounts()
    if progress:
        progress(outcome.rows, 1.0)
    return outcome


def _flush(
    writer: SalesWriter, validator: RowValidator, kind: str, batch: list[Any], numbers: list[int]
) -> None:
    if not batch:
        return
    try:
        with transaction.atomic():
            if kind == columns.PRODUCT:
                writer.write_product_rows(batch)
            else:
                writer.write_store_rows(batch)
    except IntegrityError:
        _report_duplicates(validator, kind, batch, numbers)


def _report_duplicates(validator: RowValidator, kind: str, batch: list[Any], numbers: list[int]) -> None:
    """A chunk hit the unique constraint: find the repeated rows, within the chunk or with earlier ones."""
    key_column = "product_code" if kind == columns.PRODUCT else "channel"
    first: dict[tuple[Any, Any, Any], int] = {}
    found = False
    for fact, number in zip(batch, numbers, strict=True):
        key = (fact[0], fact[1], fact[2])
        if key in first:
            validator.error(number, key_column, _("与第 %(n)d 行重复（同一门店、日期）") % {"n": first[key]})
            found = True
        else:
            first[key] = number
    if found:
        return
    table = SalesProductDay._meta.db_table if kind == columns.PRODUCT else SalesDay._meta.db_table
    third = "product_id" if kind == columns.PRODUCT else "channel"
    stores = {fact[0] for fact in batch}
    existing: set[tuple[Any, str, Any]] = set()
    with connection.cursor() as cursor:
        for store_id in stores:
            days = [f[1] for f in batch if f[0] == store_id]
            cursor.execute(
                f"SELECT date, {third} FROM {table} WHERE store_id = %s AND date >= %s AND date <= %s",
                [store_id, min(days), max(days)],
            )
            existing.update((store_id, str(d)[:10], t) for d, t in cursor.fetchall())
    for fact, number in zip(batch, numbers, strict=True):
        if (fact[0], fact[1].isoformat(), fact[2]) in existing:
            validator.error(number, key_column, _("与文件中前面的行重复（同一门店、日期）"))
            found = True
    if not found:
        validator.error(numbers[0], key_column, _("文件中有重复的行（同一门店、日期）"))
