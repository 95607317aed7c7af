"""Read spreadsheets the users live in: XLSX, and CSV in UTF-8, UTF-8 with BOM or GB18030/GBK."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from yunying.core.errors import DomainError

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_csv(content: bytes) -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("无法识别文件编码：请使用 UTF-8 或 GB18030（GBK）编码的 CSV。"))


def read_rows(*, filename: str, content: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    """The header and an iterator of (row number as the user sees it, cells). Empty rows are skipped."""
    name = filename.lower()
    if not content:
        raise DomainError(_("文件是空的。"))
    if name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt")):
        return _read_csv(content)
    raise DomainError(_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。"))


def _clean_header(cells: list[Any]) -> list[str]:
    return [str(c).strip() if c is not None else "" for c in cells]


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_csv(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    text = decode_csv(content)
    reader = csv.reader(io.StringIO(text))
    try:
        header = _clean_header(next(reader))
    except StopIteration:
        raise DomainError(_("文件是空的。"))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(reader, start=2):
            if not _is_blank(cells):
                yield number, list(cells)

    return header, rows()


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise DomainError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        header = _clean_header(list(next(iterator)))
    except StopIteration:
        raise DomainError(_("文件是空的。"))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, cells in enumerate(iterator, start=2):
            if not _is_blank(list(cells)):
                yield number, list(cells)

    return header, rows()


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportReport:
    written: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_date(value: Any) -> date | None:
    """A date from an Excel cell or text (2024-03-01, 2024/3/1, 20240301)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(v)s”不是有效日期（例如 2024-03-01）") % {"v": text})


def map_header(header: list[str], columns: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Find each canonical column by any of its accepted headings; raise listing what is missing."""
    positions: dict[str, int] = {}
    lowered = [h.lower() for h in header]
    for key, names in columns.items():
        for name in (key, *names):
            if name.lower() in lowered:
                positions[key] = lowered.index(name.lower())
                break
    return positions
