"""Read spreadsheets the users live in: XLSX, and CSV in UTF-8, UTF-8 with BOM or GB18030/GBK."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.core.limits import check_xlsx_archive

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def _csv_error(exc: csv.Error, row: int | None = None) -> DomainError:
    """A malformed CSV (a field over the csv module's 128 KB limit, a stray NUL) as a message, not a 500."""
    if "field larger than field limit" in str(exc):
        message = _("CSV 文件中有单元格过长（上限 %(n)d KB）。") % {"n": csv.field_size_limit() // 1024}
    else:
        message = _("CSV 文件格式有误。")
    if row is not None:
        message = _("第 %(row)d 行：%(message)s") % {"row": row, "message": message}
    return DomainError(message, code="bad_csv")


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
    except csv.Error as exc:
        raise _csv_error(exc, 1)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(reader, start=2):
                if not _is_blank(cells):
                    yield number, list(cells)
        except csv.Error as exc:
            raise _csv_error(exc, reader.line_num)

    return header, rows()


def _read_xlsx(content: bytes) -> tuple[list[str], Iterator[tuple[int, list[Any]]]]:
    from openpyxl import load_workbook

    check_xlsx_archive(content)
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


# ---- streaming reads of large files (sales imports): from a path, with the share of the file read so far ----


@dataclass
class RowStream:
    """A file read row by row: `fraction()` tells how much of it has been read (0..1) for progress bars."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    fraction: Callable[[], float]
    encoding: str = ""  # a CSV file's text encoding ("" for a workbook)


SNIFF_BYTES = 1 << 20  # the encoding is told from the first megabyte
SNIFF_MAX_BYTES = 16 << 20  # or, while everything read is plain ASCII, from up to this much


def detect_file_encoding(
    path: Path, *, sniff_bytes: int = SNIFF_BYTES, max_bytes: int = SNIFF_MAX_BYTES
) -> str:
    """UTF-8 (with or without BOM) when the first megabyte decodes as UTF-8, else GB18030.

    Only the start of the file is read: a file that is plain ASCII there is read on, a megabyte at a time, up
    to the first non-ASCII byte (at most `max_bytes`; after that UTF-8 is assumed, and a GB18030 byte later on
    is reported as an encoding mismatch naming the row, where the source's encoding hint fixes it)."""
    read = 0
    with path.open("rb") as handle:
        head = handle.read(sniff_bytes)
        read = len(head)
        while head.isascii() and read < max_bytes:
            more = handle.read(sniff_bytes)
            if not more:
                break
            read += len(more)
            head = more
    if head.isascii():
        return CSV_ENCODINGS[0]
    try:  # a character cut at the end of the sample is not an error
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        try:
            codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        except UnicodeDecodeError:
            raise DomainError(_("无法识别文件编码：请使用 UTF-8 或 GB18030（GBK）编码的 CSV。")) from None
        return "gb18030"
    return CSV_ENCODINGS[0]


def open_rows(*, path: Path, filename: str, encoding: str | None = None, header_row: int = 1) -> RowStream:
    """Like `read_rows`, but streams from a file on disk so a file of any size fits in memory.

    `header_row` (1-based): the lines above it (a report title, an export date) are skipped."""
    name = filename.lower()
    if not path.exists() or path.stat().st_size == 0:
        raise DomainError(_("文件是空的。"))
    header_row = max(1, header_row)
    if name.endswith((".xlsx", ".xlsm")):
        return _open_xlsx(path, header_row)
    if name.endswith((".csv", ".txt")):
        return _open_csv(path, encoding or detect_file_encoding(path), header_row)
    raise DomainError(_("不支持的文件类型：请上传 .xlsx 或 .csv 文件。"))


def _open_csv(path: Path, encoding: str, header_row: int = 1) -> RowStream:
    size = max(path.stat().st_size, 1)
    raw = path.open("rb")
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        for _skipped in range(header_row - 1):
            next(reader)
        header = _clean_header(next(reader))
    except StopIteration:
        raw.close()
        raise DomainError(_("文件是空的。"))
    except UnicodeDecodeError:
        raw.close()
        raise DomainError(_("文件编码与所选编码（%(enc)s）不符。") % {"enc": encoding})
    except csv.Error as exc:
        raw.close()
        raise _csv_error(exc, 1)
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0].lstrip("\ufeff")

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(reader, start=header_row + 1):
                if "".join(cells).strip():  # CSV cells are text: not blank, in one C call
                    yield number, cells
        except UnicodeDecodeError:
            raise DomainError(_("文件编码与所选编码（%(enc)s）不符。") % {"enc": encoding})
        except csv.Error as exc:
            raise _csv_error(exc, reader.line_num)
        finally:
            raw.close()

    return RowStream(
        header, rows(), lambda: 0.0 if raw.closed else min(raw.tell() / size, 1.0), encoding=encoding
    )


def _open_xlsx(path: Path, header_row: int = 1) -> RowStream:
    from openpyxl import load_workbook

    check_xlsx_archive(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise DomainError(_("无法读取该 Excel 文件，请确认是 .xlsx 格式。"))
    sheet = workbook.worksheets[0]
    total = max(sheet.max_row or 1, 1)
    iterator = sheet.iter_rows(values_only=True)
    try:
        for _skipped in range(header_row - 1):
            next(iterator)
        header = _clean_header(list(next(iterator)))
    except StopIteration:
        workbook.close()
        raise DomainError(_("文件是空的。"))
    position = [header_row]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(iterator, start=header_row + 1):
                position[0] = number
                if not _is_blank(list(cells)):
                    yield number, list(cells)
        finally:
            workbook.close()

    return RowStream(header, rows(), lambda: min(position[0] / total, 1.0))


# ---- exports: every cell inert (no formula injection) -------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """Text a spreadsheet would read as a formula (or that hides one behind a tab/CR)."""
    return text.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV export: numbers stay numbers; text that a spreadsheet would run as a formula
    gets a leading apostrophe (`'=HYPERLINK(…)` shows as text in Excel and WPS)."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal)):
        return value
    text = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    return "'" + text if is_formula_like(text) else text


def xlsx_cell(sheet: Any, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    """Write one cell with XlsxWriter as data, never as a formula: text always through `write_string`
    (XlsxWriter's `write` turns "=…" into a live formula), numbers as numbers (so -5 stays -5)."""
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, (int, float, Decimal)):
        sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value, cell_format)
    elif isinstance(value, (date, datetime)):
        sheet.write_datetime(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def xlsx_row(sheet: Any, row: int, values: Iterable[Any], cell_format: Any = None) -> None:
    for col, value in enumerate(values):
        xlsx_cell(sheet, row, col, value, cell_format)


def xlsx_workbook(headings: list[str], rows: Iterable[list[Any]]) -> bytes:
    """A one-sheet XLSX file: a bold heading row, frozen; every cell written as data (`xlsx_cell`), dates
    as dates. The one writer of the project's simple list exports (and of the import templates)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True, "bg_color": "#EEF3FA"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    xlsx_row(sheet, 0, headings, bold)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            xlsx_cell(sheet, index, col, value, date_format if isinstance(value, date) else None)
    sheet.set_column(0, max(len(headings) - 1, 0), 16)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
