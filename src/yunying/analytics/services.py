"""Writes of sales data: uploads and their column mapping, file imports (inline or by the worker), pushes
through the API. Each checks the actor's permission; every store is checked against the actor's scope."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yunying.analytics import columns
from yunying.analytics.imports import ImportOutcome, import_rows
from yunying.analytics.models import ImportSource, ImportStatus, SalesImport
from yunying.analytics.progress import progress_set
from yunying.core.errors import DomainError, ValidationFailed
from yunying.core.tabular import RowError, open_rows
from yunying.org.services import require_perm

IMPORT_PERM = "analytics.add_salesimport"
PREVIEW_ROWS = 10


def _check_import_perm(actor: Any) -> None:
    if actor is not None:
        require_perm(actor, IMPORT_PERM)


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", Path(name).name)[-120:] or "upload"


# ---- sources ----------------------------------------------------------------------------------------------


@transaction.atomic
def import_source_save(
    *, actor: Any, name: str, kind: str, mapping: dict[str, str], encoding: str | None = None
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
    source.save()
    return source


# ---- file imports -----------------------------------------------------------------------------------------


@dataclass
class Preview:
    header: list[str]
    rows: list[list[Any]]
    kind: str | None
    mapping: dict[str, str]
    missing: list[str]


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


def sales_import_preview(*, sales_import: SalesImport) -> Preview:
    encoding = sales_import.source.encoding if sales_import.source else None
    stream = open_rows(
        path=Path(sales_import.stored_path), filename=sales_import.file_name, encoding=encoding or None
    )
    rows = []
    for _number, cells in stream.rows:
        rows.append(list(cells))
        if len(rows) >= PREVIEW_ROWS:
            break
    stream.rows.close()  # type: ignore[attr-defined]
    mappings = sales_import.source.mappings if sales_import.source else {}
    kind = sales_import.kind or columns.detect_kind(stream.header, mappings)
    mapping: dict[str, str] = {}
    absent: list[str] = []
    if kind:
        positions = columns.resolve(stream.header, kind, sales_import.mapping or mappings.get(kind))
        mapping = {key: stream.header[i] for key, i in positions.items()}
        absent = columns.missing(kind, positions)
    return Preview(header=stream.header, rows=rows, kind=kind, mapping=mapping, missing=absent)


@transaction.atomic
def sales_import_confirm(
    *, actor: Any, sales_import: SalesImport, kind: str, mapping: dict[str, str], save_as: str = ""
) -> SalesImport:
    """Fix the mapping (saving it under a source name when asked) and queue the import for the worker."""
    _check_import_perm(actor)
    if sales_import.status != ImportStatus.UPLOADED:
        raise DomainError(_("该导入已开始，不能再修改。"))
    if kind not in columns.COLUMNS:
        raise DomainError(_("请选择行类型。"), field="kind")
    clean = {k: v for k, v in mapping.items() if k in columns.COLUMNS[kind] and v}
    preview = sales_import_preview(sales_import=sales_import)
    positions = columns.resolve(preview.header, kind, clean)
    columns.require_columns(kind, positions)
    if save_as.strip():
        sales_import.source = import_source_save(actor=actor, name=save_as, kind=kind, mapping=clean)
    sales_import.kind, sales_import.mapping = kind, clean
    sales_import.status = ImportStatus.QUEUED
    sales_import.save()
    from yunying.analytics.tasks import sales_import_task

    pk = sales_import.pk
    transaction.on_commit(lambda: sales_import_task(pk))
    return sales_import


def sales_import_execute(*, import_id: int, echo: Callable[[int, float], None] | None = None) -> SalesImport:
    """Run a queued import (the worker's task, or the command line). Idempotent: a finished one is left."""
    with transaction.atomic():
        sales_import = SalesImport.objects.select_for_update().get(pk=import_id)
        if sales_import.status not in {ImportStatus.QUEUED, ImportStatus.UPLOADED}:
            return sales_import
        sales_import.status = ImportStatus.RUNNING
        sales_import.save(update_fields=["status", "updated_at"])

    def progress(rows: int, fraction: float) -> None:
        progress_set(import_id, fraction=fraction, rows=rows)
        if echo:
            echo(rows, fraction)

    outcome: ImportOutcome | None = None
    message = ""
    try:
        encoding = sales_import.source.encoding if sales_import.source else None
        stream = open_rows(
            path=Path(sales_import.stored_path), filename=sales_import.file_name, encoding=encoding or None
        )
        mappings = dict(sales_import.source.mappings) if sales_import.source else {}
        if sales_import.kind:
            mappings[sales_import.kind] = sales_import.mapping or mappings.get(sales_import.kind, {})
        outcome = import_rows(
            actor=sales_import.created_by,
            header=stream.header,
            rows=stream.rows,
            mappings=mappings,
            kind=sales_import.kind or None,
            progress=progress,
            fraction=stream.fraction,
        )
    except DomainError as exc:
        message = str(exc)
    _finish(sales_import, outcome, message)
    return sales_import


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
            sales_import.message = _("写入 %(w)d 行，涉及 %(d)d 个门店日，其中替换 %(r)d 个门店日。") % {
                "w": outcome.counts.rows_written,
                "d": outcome.counts.store_days,
                "r": outcome.counts.store_days_replaced,
            }
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
        stores = import_rows(actor=actor, header=store_header, rows=store_rows, kind=columns.STORE)
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
