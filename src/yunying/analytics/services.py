"""Writes of sales data: uploads and their column mapping, file imports (inline or by the worker), pushes
through the API. Each checks the actor's permission; every store is checked against the actor's scope."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.analytics import columns
from yunying.analytics.imports import ImportOutcome, SourceFile, import_rows
from yunying.analytics.models import ImportSource, ImportStatus, SalesImport
from yunying.analytics.periods import week_start
from yunying.analytics.progress import progress_set
from yunying.core.errors import DomainError, ValidationFailed
from yunying.core.tabular import RowError, RowStream, open_rows
from yunying.org.models import OrgUnit, UnitKind
from yunying.org.services import require_perm

logger = logging.getLogger(__name__)

IMPORT_PERM = "analytics.add_salesimport"
PREVIEW_ROWS = 10
HEADER_SCAN_ROWS = 10
# A running import touches its row at least this often; one silent for longer died with its worker.
HEARTBEAT = timedelta(seconds=20)
STALE_AFTER = timedelta(minutes=15)
DATE_FORMATS = ("", "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", "%m/%d/%y")


def _check_import_perm(actor: Any) -> None:
    if actor is not None:
        require_perm(actor, IMPORT_PERM)


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", Path(name).name)[-120:] or "upload"


# ---- sources ----------------------------------------------------------------------------------------------


def clean_options(options: dict[str, Any] | None) -> dict[str, Any]:
    """The reading options a file or source may carry: header row (0 = detect) and date format."""
    options = options or {}
    clean: dict[str, Any] = {}
    try:
        header_row = int(options.get("header_row") or 0)
    except (TypeError, ValueError):
        raise DomainError(
            _("表头行应为 1 到 %(n)d 之间的数字。") % {"n": HEADER_SCAN_ROWS}, field="header_row"
        )
    if not 0 <= header_row <= HEADER_SCAN_ROWS:
        raise DomainError(
            _("表头行应为 1 到 %(n)d 之间的数字。") % {"n": HEADER_SCAN_ROWS}, field="header_row"
        )
    if header_row:
        clean["header_row"] = header_row
    date_format = str(options.get("date_format") or "")
    if date_format not in DATE_FORMATS:
        raise DomainError(_("不支持的日期格式。"), field="date_format")
    if date_format:
        clean["date_format"] = date_format
    store = str(options.get("store") or "").strip()
    if len(store) > 50:
        raise DomainError(_("门店编码过长。"), field="store")
    if store:
        clean["store"] = store
    return clean


def fixed_store_heading() -> str:
    """The heading of the column a file without a store column gets when the whole file belongs to one store."""
    return str(_("门店（整个文件）"))


def _with_fixed_store(
    kind: str | None, mapping: dict[str, str] | None, options: dict[str, Any]
) -> dict[str, str]:
    """The mapping, with the store read from the added column when the file belongs to one store and no column of
    the file is mapped to the store."""
    chosen = dict(mapping or {})
    if options.get("store") and kind in columns.COLUMNS and not chosen.get("store_code"):
        chosen["store_code"] = fixed_store_heading()
    return chosen


@transaction.atomic
def import_source_save(
    *,
    actor: Any,
    name: str,
    kind: str,
    mapping: dict[str, str],
    encoding: str | None = None,
    options: dict[str, Any] | None = None,
) -> ImportSource:
    """Remember how a source's headings map to the canonical columns, for every later file."""
    _check_import_perm(actor)
    name = name.strip()
    if not name:
        raise DomainError(_("请填写数据来源名称。"), field="source")
    if kind not in columns.COLUMNS:
        raise DomainError(_("未知的行类型。"), field="kind")
    source, _created = ImportSource.objects.select_for_update().get_or_create(name=name)
    clean = {k: v for k, v in mapping.items() if k in columns.COLUMNS[kind] and v}
    source.mappings = {**source.mappings, kind: clean}
    if encoding is not None:
        source.encoding = encoding
    if options is not None:
        source.options = clean_options(options)
    source.save()
    return source


# ---- file imports -----------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    """One of the first rows as the import will read it: the date it is filed under, or its problems."""

    number: int
    cells: list[Any]
    day: str = ""
    problems: list[str] = field(default_factory=list)
    summary: bool = False  # a row of totals (合计): not imported


@dataclass
class Preview:
    header: list[str]
    rows: list[list[Any]]
    kind: str | None
    mapping: dict[str, str]
    missing: list[str]
    header_row: int = 1
    header_detected: bool = False
    date_format: str = ""
    store: str = ""  # the store the whole file belongs to (a file without a store column)
    checked: list[PreviewRow] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # headings the import will not read
    payment: str | None = None  # the payment-method column: read by no kind's figures

    @property
    def problem_count(self) -> int:
        return sum(len(row.problems) for row in self.checked)


def sales_import_upload(
    *, actor: Any, filename: str, chunks: Any, source: ImportSource | None = None
) -> SalesImport:
    """Keep an uploaded file (any size, streamed in `chunks`) for preview, mapping and the import."""
    _check_import_perm(actor)
    if not filename.lower().endswith((".csv", ".txt", ".xlsx", ".xlsm")):
        raise DomainError(_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。"), field="file")
    folder = Path(settings.MEDIA_ROOT) / "sales-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}-{_safe_name(filename)}"
    size = 0
    with path.open("wb") as handle:
        for chunk in chunks:
            handle.write(chunk)
            size += len(chunk)
    if size == 0:
        path.unlink(missing_ok=True)
        raise DomainError(_("文件是空的。"), field="file")
    return SalesImport.objects.create(
        file_name=filename[:255],
        stored_path=str(path),
        size=size,
        source=source,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _options(sales_import: SalesImport) -> dict[str, Any]:
    """This import's reading options: its own when set, else its source's."""
    if sales_import.options:
        return dict(sales_import.options)
    return dict(sales_import.source.options) if sales_import.source else {}


def _open(sales_import: SalesImport, header_row: int = 1, store: str = "") -> RowStream:
    """The file's rows; with ``store`` (a file of one store without a store column) every row gets one more cell,
    under ``fixed_store_heading()``, holding that store's code. Such a file is read row by row (no bulk load)."""
    encoding = sales_import.source.encoding if sales_import.source else None
    stream = open_rows(
        path=Path(sales_import.stored_path),
        filename=sales_import.file_name,
        encoding=encoding or None,
        header_row=header_row,
    )
    if not store:
        return stream
    rows = stream.rows

    def added() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in rows:
                yield number, [*cells, store]
        finally:
            rows.close()  # type: ignore[attr-defined]

    return RowStream(header=[*stream.header, fixed_store_heading()], rows=added(), fraction=stream.fraction)


def _first_rows(stream: RowStream, count: int) -> list[tuple[int, list[Any]]]:
    rows = []
    for number, cells in stream.rows:
        rows.append((number, list(cells)))
        if len(rows) >= count:
            break
    stream.rows.close()  # type: ignore[attr-defined]
    return rows


def sales_import_preview(
    *,
    sales_import: SalesImport,
    kind: str | None = None,
    mapping: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> Preview:
    """The first rows with the header (chosen, or detected below a title line), the column mapping, and how
    each row will be read (its date, its problems) — before anything is imported."""
    options = clean_options(options if options is not None else _options(sales_import))
    mappings = sales_import.source.mappings if sales_import.source else {}
    header_row = options.get("header_row", 0)
    detected = not header_row
    if detected:
        top = _open(sales_import)
        scan = [top.header, *(cells for _n, cells in _first_rows(top, HEADER_SCAN_ROWS - 1))]
        header_row = columns.detect_header_row(scan, mappings)
    stream = _open(sales_import, header_row, options.get("store", ""))
    numbered = _first_rows(stream, PREVIEW_ROWS)
    header = stream.header
    kind = kind or sales_import.kind or columns.detect_kind(header, mappings)
    chosen: dict[str, str] = {}
    absent: list[str] = []
    unused: list[str] = []
    date_format = options.get("date_format", "")
    checked = [PreviewRow(number, cells) for number, cells in numbered]
    if kind in columns.COLUMNS:
        given = mapping if mapping is not None else (sales_import.mapping or mappings.get(kind))
        if options.get("store"):
            given = _with_fixed_store(kind, given, options)
        positions = columns.resolve(header, kind, given)
        chosen = {key: header[i] for key, i in positions.items()}
        absent = columns.missing(kind, positions)
        unused = columns.unused(header, positions)
        if not absent:
            checked = _check_preview(sales_import, kind, positions, header, numbered, date_format)
    return Preview(
        header=header,
        rows=[cells for _n, cells in numbered],
        kind=kind,
        mapping=chosen,
        missing=absent,
        header_row=header_row,
        header_detected=detected,
        date_format=date_format,
        store=options.get("store", ""),
        checked=checked,
        unused=unused,
        payment=columns.payment_heading(header),
    )


def _check_preview(
    sales_import: SalesImport,
    kind: str,
    positions: dict[str, int],
    header: list[str],
    numbered: list[tuple[int, list[Any]]],
    date_format: str,
) -> list[PreviewRow]:
    """Run the first rows through the import's own checks (nothing is written)."""
    from yunying.analytics.validation import RowValidator

    validator = RowValidator(
        actor=sales_import.created_by,
        kind=kind,
        positions=positions,
        headings={key: header[i] for key, i in positions.items()},
        date_format=date_format,
    )
    checked = []
    date_at = positions.get("date")
    for number, cells in numbered:
        if columns.summary_row(cells):
            checked.append(PreviewRow(number, cells, summary=True))
            continue
        before = len(validator.errors)
        validator.check_batch([(number, cells)])
        row = PreviewRow(number, cells)
        row.problems = [f"{e.column}：{e.message}" for e in validator.errors[before:]]
        if (
            date_at is not None
            and date_at < len(cells)
            and not any(e.column == header[date_at] for e in validator.errors[before:])
        ):
            try:
                from yunying.analytics.validation import CellError, _parse_moment

                day = validator._business_day(*_parse_moment(cells[date_at], date_format))
                row.day = (
                    _("%(d)s 起的一周") % {"d": week_start(day).isoformat()}
                    if kind in columns.WEEK_KINDS
                    else day.isoformat()
                )
            except CellError:
                pass
        checked.append(row)
    return checked


@transaction.atomic
def sales_import_confirm(
    *,
    actor: Any,
    sales_import: SalesImport,
    kind: str,
    mapping: dict[str, str],
    save_as: str = "",
    options: dict[str, Any] | None = None,
) -> SalesImport:
    """Fix the mapping and reading options and queue the import for the worker. They are this import's own:
    a source is (re)written only when named in `save_as`, never silently."""
    _check_import_perm(actor)
    if sales_import.status != ImportStatus.UPLOADED:
        raise DomainError(_("该导入已开始，不能再修改。"))
    if kind not in columns.COLUMNS:
        raise DomainError(_("请选择行类型。"), field="kind")
    clean = {k: v for k, v in mapping.items() if k in columns.COLUMNS[kind] and v}
    chosen = clean_options(options if options is not None else _options(sales_import))
    if chosen.get("store") and not OrgUnit.objects.filter(code=chosen["store"], kind=UnitKind.STORE).exists():
        raise DomainError(_("门店“%(code)s”不存在。") % {"code": chosen["store"]}, field="store")
    if clean.get("store_code") == fixed_store_heading():
        del clean["store_code"]  # the added column is named in the reader's language: kept as the option only
    reading = _with_fixed_store(kind, clean, chosen)
    preview = sales_import_preview(sales_import=sales_import, kind=kind, mapping=reading, options=chosen)
    chosen["header_row"] = preview.header_row
    positions = columns.resolve(preview.header, kind, reading)
    columns.require_columns(kind, positions)
    if save_as.strip():
        sales_import.source = import_source_save(
            actor=actor, name=save_as, kind=kind, mapping=clean, options=chosen
        )
    sales_import.kind, sales_import.mapping, sales_import.options = kind, clean, chosen
    sales_import.status = ImportStatus.QUEUED
    sales_import.save()
    from yunying.analytics.tasks import sales_import_task

    pk = sales_import.pk
    transaction.on_commit(lambda: sales_import_task(pk))
    return sales_import


def sales_import_execute(*, import_id: int, echo: Callable[[int, float], None] | None = None) -> SalesImport:
    """Run a queued import (the worker's task, or the command line). Idempotent: a finished one is left.

    It always ends: any exception marks it failed with a message (the traceback goes to the log)."""
    with transaction.atomic():
        sales_import = SalesImport.objects.select_for_update().get(pk=import_id)
        if sales_import.status not in {ImportStatus.QUEUED, ImportStatus.UPLOADED}:
            return sales_import
        sales_import.status = ImportStatus.RUNNING
        sales_import.save(update_fields=["status", "updated_at"])
    beat = [timezone.now()]
    shown = [-1, 0.0]  # the percent last published, and when (time.monotonic)

    def progress(rows: int, fraction: float) -> None:
        # Published when the percent moves or a second has passed: a write to the cache (or a file) per chunk
        # of a large import would cost more than the chunk's own rows.
        percent, moment = int(fraction * 100), time.monotonic()
        if percent != shown[0] or moment - shown[1] >= 1.0 or fraction >= 1.0:
            shown[:] = [percent, moment]
            progress_set(import_id, fraction=fraction, rows=rows)
        now = timezone.now()
        if now - beat[0] >= HEARTBEAT:  # tells the stale-import sweep this one is alive
            beat[0] = now
            SalesImport.objects.filter(pk=import_id, status=ImportStatus.RUNNING).update(
                updated_at=now, progress=max(0, min(99, int(fraction * 100)))
            )
        if echo:
            echo(rows, fraction)

    outcome: ImportOutcome | None = None
    message = ""
    try:
        options = clean_options(_options(sales_import))
        if not options.get("header_row"):  # a title line above the header is found, as in the preview
            options["header_row"] = sales_import_preview(
                sales_import=sales_import, options=options
            ).header_row
        stream = _open(sales_import, options["header_row"], options.get("store", ""))
        mappings = dict(sales_import.source.mappings) if sales_import.source else {}
        if sales_import.kind:
            mappings[sales_import.kind] = sales_import.mapping or mappings.get(sales_import.kind, {})
            if options.get("store"):
                mappings[sales_import.kind] = _with_fixed_store(
                    sales_import.kind, mappings[sales_import.kind], options
                )
        outcome = import_rows(
            actor=sales_import.created_by,
            header=stream.header,
            rows=stream.rows,
            mappings=mappings,
            kind=sales_import.kind or None,
            date_format=options.get("date_format", ""),
            progress=progress,
            fraction=stream.fraction,
            source_file=SourceFile(Path(sales_import.stored_path), stream.encoding, options["header_row"])
            if stream.encoding
            else None,
        )
    except DomainError as exc:
        message = str(exc)
    except Exception as exc:
        logger.exception("sales import %s failed", import_id)
        outcome = None
        message = _("导入意外中止，未导入任何数据（%(error)s）。请联系管理员查看日志。") % {
            "error": f"{type(exc).__name__}: {exc}"[:200]
        }
    _finish(sales_import, outcome, message)
    return sales_import


def sales_imports_fail_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Mark failed the imports still "running" with no sign of life for `older_than` (their worker died)."""
    cutoff = timezone.now() - older_than
    stale = SalesImport.objects.filter(status=ImportStatus.RUNNING, updated_at__lt=cutoff)
    return stale.update(
        status=ImportStatus.FAILED,
        progress=100,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        message=_("导入超时未响应（后台进程可能已停止），已标记为失败；请重新导入。"),
    )


def _finish(sales_import: SalesImport, outcome: ImportOutcome | None, message: str) -> None:
    ok = outcome is not None and outcome.ok
    sales_import.status = ImportStatus.DONE if ok else ImportStatus.FAILED
    sales_import.progress = 100
    sales_import.finished_at = timezone.now()
    sales_import.message = message[:500]
    if outcome is not None:
        sales_import.kind = outcome.kind
        sales_import.rows = outcome.rows
        sales_import.written = outcome.counts.rows_written
        sales_import.replaced = outcome.counts.rows_replaced
        sales_import.errors = outcome.errors_as_dicts()
        sales_import.error_count = outcome.error_count
        if ok:
            written = (
                _("写入 %(w)d 行，涉及 %(d)d 个门店周，其中替换 %(r)d 个门店周。")
                if outcome.kind in columns.WEEK_KINDS
                else _("写入 %(w)d 行，涉及 %(d)d 个门店日，其中替换 %(r)d 个门店日。")
            )
            sales_import.message = written % {
                "w": outcome.counts.rows_written,
                "d": outcome.counts.store_days,
                "r": outcome.counts.store_days_replaced,
            }
            if outcome.counts.store_days_derived:
                sales_import.message += _(
                    "其中 %(n)d 个门店日没有门店日销售，门店合计由商品明细汇总得出。"
                ) % {"n": outcome.counts.store_days_derived}
            if outcome.counts.weeks_derived:
                sales_import.message += _(
                    "其中 %(n)d 个门店周没有门店周销售，门店周合计由商品周销售汇总得出。"
                ) % {"n": outcome.counts.weeks_derived}
            if outcome.counts.weeks_with_days:
                sales_import.message += _(
                    "其中 %(n)d 个门店周已有日数据：以日数据为准，这些周数据保留但不计入报表（不重复计算）。"
                ) % {"n": outcome.counts.weeks_with_days}
            if outcome.unused:
                sales_import.message += _("未使用的列：%(cols)s。") % {"cols": "、".join(outcome.unused)}
            if outcome.summary_rows:
                sales_import.message += _("合计行未导入：第 %(rows)s 行。") % {
                    "rows": "、".join(str(n) for n in outcome.summary_rows[:10])
                }
            sales_import.message = sales_import.message[:500]
        else:
            sales_import.message = _("文件有 %(n)d 处错误，未导入任何数据。") % {"n": outcome.error_count}
    sales_import.save()


def sales_import_file(
    *, actor: Any, path: Path, source_name: str = "", echo: Callable[[int, float], None] | None = None
) -> SalesImport:
    """The command line: import a file from disk in this process, with an optional progress echo."""
    _check_import_perm(actor)
    source = ImportSource.objects.filter(name=source_name).first() if source_name else None
    if source_name and source is None:
        raise DomainError(_("数据来源“%(name)s”不存在。") % {"name": source_name})
    sales_import = SalesImport.objects.create(
        file_name=path.name,
        stored_path=str(path.resolve()),
        size=path.stat().st_size,
        source=source,
        status=ImportStatus.QUEUED,
        created_by=actor,
    )
    return sales_import_execute(import_id=sales_import.pk, echo=echo)


# ---- API pushes -------------------------------------------------------------------------------------------


def sales_push(*, actor: Any, days: list[dict[str, Any]]) -> dict[str, int]:
    """Store-day rows, each with optional product rows, all-or-nothing; ValidationFailed lists every error."""
    _check_import_perm(actor)
    if not days:
        raise DomainError(_("没有数据行。"))
    store_header = list(columns.COLUMNS[columns.STORE])
    product_header = list(columns.COLUMNS[columns.PRODUCT])
    store_rows = [(i, [day.get(k) for k in store_header]) for i, day in enumerate(days, start=1)]
    product_rows = [
        (i, [day.get("store_code"), day.get("date"), *(p.get(k) for k in product_header[2:])])
        for i, day in enumerate(days, start=1)
        for p in (day.get("products") or [])
    ]
    errors: list[RowError] = []
    with transaction.atomic():
        stores = import_rows(
            actor=actor, header=store_header, rows=store_rows, kind=columns.STORE, replace_channels=True
        )
        errors += stores.errors
        products = None
        if product_rows and stores.ok:
            products = import_rows(
                actor=actor, header=product_header, rows=product_rows, kind=columns.PRODUCT
            )
            errors += [RowError(e.row, f"products.{e.column}", e.message) for e in products.errors]
        if errors:
            raise ValidationFailed(_("数据有错误，未写入任何数据。"), errors=[e.as_dict() for e in errors])
        result = {f"store_{k}": v for k, v in stores.counts.as_dict().items()}
        if products is not None:
            result.update({f"product_{k}": v for k, v in products.counts.as_dict().items()})
    return result
