"""Run a sales import: rows validated a chunk at a time and staged, then moved into the facts and the
aggregates rebuilt, all inside one transaction. Any bad row (or repeated row) and the whole import is rolled
back: nothing written, every problem reported with its row number, column and message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.analytics import columns
from yunying.analytics.validation import RowValidator
from yunying.analytics.writer import DuplicateRows, SalesWriter, WriteCounts
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
    key_column = "product_code" if kind == columns.PRODUCT else "channel"
    try:
        with transaction.atomic():
            validator = RowValidator(actor=actor, kind=kind, positions=positions, headings=headings)
            writer = SalesWriter()
            iterator = iter(rows)
            while batch := list(islice(iterator, chunk_rows)):
                outcome.rows += len(batch)
                staged = validator.check_batch(batch)
                if not validator.error_count:  # after the first error only the report is worth building
                    writer.stage(kind, staged)
                if progress:
                    progress(outcome.rows, fraction() if fraction else 0.0)
            if outcome.rows == 0 and not validator.error_count:
                raise DomainError(_("文件中没有数据行。"))
            if not validator.error_count:
                try:
                    outcome.counts = writer.finish()
                except DuplicateRows as exc:
                    for row, first in exc.pairs:
                        message = _("与第 %(n)d 行重复（同一门店、日期）") % {"n": first}
                        validator.error(row, key_column, message)
                    if not exc.pairs:
                        # No repeat in the input: another import wrote the same store-days meanwhile.
                        message = _("另一个导入同时写入了相同的门店日，未导入任何数据，请重试。")
                        validator.error(0, key_column, message)
            outcome.errors, outcome.error_count = validator.errors, validator.error_count
            if outcome.error_count:
                raise _Rollback
    except _Rollback:
        outcome.counts = WriteCounts()
    if progress:
        progress(outcome.rows, 1.0)
    return outcome
