"""Import stores and employees from Excel/CSV: every row checked by the same services as the pages;
one bad row and nothing is written, with a report of every problem (row, column, message).

Two passes, so the database is never held for long:

1. **Check**, outside any transaction: every row's cells (required columns, dates, time zones) and what
   they name (regions, positions, units) are checked with reads only. A file with any problem is reported
   here and never opens a write transaction.
2. **Write**, in short transactions: the rows go through the services, which apply the remaining rules
   (scope, appointments), a chunk at a time — a write transaction closes after ``CHUNK_SECONDS`` or
   ``CHUNK_ROWS`` rows, so other people's writes wait at most about that long (on SQLite, one writer at a
   time, the import pauses after each chunk so that a waiting writer goes first). What each chunk changes is
   noted (rows created, a store's fields before its first change); when any row fails, the whole write
   takes longer than ``YUNYING_IMPORT_WRITE_SECONDS`` or the database refuses a chunk, everything already
   committed is put back as it was, history entries included: all or nothing, as one transaction would be.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.core.tabular import ImportReport, RowError, cell_date, cell_text, map_header, read_rows
from yunying.org import services
from yunying.org.models import Appointment, Employee, OrgUnit, Position, Store, UnitKind

STORE_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("门店编码",),
    "name": ("门店名称",),
    "area": ("所在地区", "地区"),
    "region_code": ("区域编码",),
    "opened_on": ("开业日期",),
    "address": ("地址",),
    "phone": ("电话",),
    "time_zone": ("时区",),
}
STORE_REQUIRED = ("code", "name", "area")

EMPLOYEE_COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_no": ("工号",),
    "name": ("姓名",),
    "phone": ("手机",),
    "hired_on": ("入职日期",),
    "position": ("岗位", "岗位编码"),
    "unit_code": ("单位编码", "门店编码"),
    "started_on": ("任职日期",),
}
EMPLOYEE_REQUIRED = ("employee_no", "name")

HEADINGS = {
    "stores": [STORE_COLUMNS[k][0] for k in STORE_COLUMNS],
    "employees": [EMPLOYEE_COLUMNS[k][0] for k in EMPLOYEE_COLUMNS],
}


CHUNK_SECONDS = 0.5  # a write transaction closes after this long …
CHUNK_ROWS = 200  # … or this many rows, whichever comes first
# SQLite: the pause after each chunk, longer than SQLite's longest busy-wait step (100 ms), so a writer
# waiting for the lock gets it before the next chunk takes it again (PostgreSQL locks only the rows written).
CHUNK_PAUSE_SECONDS = 0.15

# A store's fields an import may change, put back from before its first change when the import fails.
_STORE_FIELDS = ("name", "area", "address", "phone", "opened_on", "time_zone", "parent_id", "updated_at")


def import_file(*, actor: Any, kind: str, filename: str, content: bytes) -> ImportReport:
    if kind == "stores":
        return _run(actor, filename, content, STORE_COLUMNS, STORE_REQUIRED, _store_row)
    if kind == "employees":
        return _run(actor, filename, content, EMPLOYEE_COLUMNS, EMPLOYEE_REQUIRED, _employee_row)
    raise DomainError(_("未知的导入类型。"))


Handler = Callable[..., None]  # handle(actor, values, *, write: bool, undo: _Undo | None)


@dataclass
class _Undo:
    """What the write pass changed in committed chunks, to put back if the import fails."""

    marks: dict[type[models.Model], int]  # each history table's last id before the write
    created: dict[type[models.Model], list[int]] = field(default_factory=dict)
    stores_before: dict[int, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def start(cls) -> _Undo:
        tables = {m.history.model for m in (OrgUnit, Employee, Appointment)}  # type: ignore[attr-defined]
        return cls({t: t.objects.aggregate(n=Max("history_id"))["n"] or 0 for t in tables})

    def add(self, obj: models.Model) -> None:
        model = OrgUnit if isinstance(obj, OrgUnit) else type(obj)
        self.created.setdefault(model, []).append(obj.pk)

    def store_changing(self, store: Store) -> None:
        if store.pk not in self.stores_before:
            self.stores_before[store.pk] = OrgUnit.objects.filter(pk=store.pk).values(*_STORE_FIELDS).get()

    @transaction.atomic
    def restore(self) -> None:
        """Everything recorded put back, in one short transaction: created rows deleted (appointments
        first), changed stores given their fields back, the history entries of all of it removed."""
        for kind in (Appointment, Employee, OrgUnit):
            kind.objects.filter(pk__in=self.created.get(kind, [])).delete()
        for pk, fields in self.stores_before.items():
            OrgUnit.objects.filter(pk=pk).update(**fields)
        touched: dict[type[models.Model], set[int]] = {
            OrgUnit: set(self.created.get(OrgUnit, [])) | set(self.stores_before),
            Employee: set(self.created.get(Employee, [])),
            Appointment: set(self.created.get(Appointment, [])),
        }
        for model, pks in touched.items():
            table = model.history.model  # type: ignore[attr-defined]
            if pks:
                table.objects.filter(history_id__gt=self.marks[table], id__in=pks).delete()


def _run(
    actor: Any,
    filename: str,
    content: bytes,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    handle: Handler,
) -> ImportReport:
    header, rows = read_rows(filename=filename, content=content)
    positions = map_header(header, columns)
    missing = [columns[key][0] for key in required if key not in positions]
    if missing:
        raise DomainError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    report = ImportReport()
    checked: list[tuple[int, dict[str, Any]]] = []
    for number, cells in rows:  # pass 1: reads only, no transaction
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        blank = [columns[k][0] for k in required if not cell_text(values.get(k))]
        if blank:
            report.errors.extend(RowError(number, col, _("不能为空")) for col in blank)
            continue
        if _row_errors(report, number, columns, partial(handle, actor, values, write=False, undo=None)):
            checked.append((number, values))
    if report.errors:
        return report
    if not checked:
        raise DomainError(_("文件中没有数据行。"))
    return _write(actor, checked, columns, handle, report)


def _write(
    actor: Any,
    checked: list[tuple[int, dict[str, Any]]],
    columns: dict[str, tuple[str, ...]],
    handle: Handler,
    report: ImportReport,
) -> ImportReport:
    """Pass 2: every row through the services, in short chunked transactions, within the time bound;
    on any failure everything committed is put back."""
    seconds = float(settings.YUNYING_IMPORT_WRITE_SECONDS)
    deadline = time.monotonic() + seconds
    undo = _Undo.start()
    rows = iter(checked)
    pending = next(rows, None)
    try:
        while pending is not None:
            with transaction.atomic():  # one chunk
                closes = time.monotonic() + CHUNK_SECONDS
                for _n in range(CHUNK_ROWS):
                    number, values = pending
                    if time.monotonic() > deadline:
                        report.errors = [RowError(number, "", _too_slow(seconds, number))]
                        pending = None
                        break
                    run = partial(_savepoint, handle, actor, values, undo)
                    if _row_errors(report, number, columns, run):
                        report.written += 1
                    pending = next(rows, None)
                    if pending is None or time.monotonic() > closes:
                        break
            if pending is not None and connection.vendor == "sqlite":
                time.sleep(CHUNK_PAUSE_SECONDS)
    except BaseException:
        undo.restore()
        raise
    if report.errors:
        undo.restore()
        report.written = 0
    return report


def _too_slow(seconds: float, number: int) -> str:
    return _(
        "导入超过 %(s)s 秒仍未写完（写到第 %(row)s 行），已全部撤销、未导入任何数据。请把文件拆分成几个较小的文件分别导入。"
    ) % {"s": f"{seconds:g}", "row": number}


def _savepoint(handle: Handler, actor: Any, values: dict[str, Any], undo: _Undo) -> None:
    """One row in a savepoint: a row that fails leaves nothing of itself (nor in ``undo``)."""
    trial = _Undo(undo.marks)
    with transaction.atomic():
        handle(actor, values, write=True, undo=trial)
    for model, pks in trial.created.items():
        undo.created.setdefault(model, []).extend(pks)
    for pk, fields in trial.stores_before.items():
        undo.stores_before.setdefault(pk, fields)


def _row_errors(
    report: ImportReport, number: int, columns: dict[str, tuple[str, ...]], run: Callable[[], None]
) -> bool:
    """Run one row's check or write; its problems go to the report. True when it had none."""
    try:
        run()
    except DomainError as exc:
        key = FIELD_COLUMNS.get(exc.field or "", exc.field or "")
        column = columns[key][0] if key in columns else ""
        report.errors.append(RowError(number, column, str(exc)))
    except _CellErrors as exc:
        report.errors.extend(RowError(number, columns[key][0], message) for key, message in exc.errors)
    else:
        return True
    return False


# A service error's field → the import column it came from.
FIELD_COLUMNS = {"region": "region_code", "unit": "unit_code"}


class _CellErrors(Exception):
    """Every problem found in one row's cells: (column key, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors


class _RowCells:
    def __init__(self, values: dict[str, Any]):
        self.values = values
        self.errors: list[tuple[str, str]] = []

    def date(self, key: str) -> Any:
        try:
            return cell_date(self.values.get(key))
        except ValueError as exc:
            self.errors.append((key, str(exc)))
            return None

    def fail(self, key: str, message: str) -> None:
        self.errors.append((key, message))

    def check(self) -> None:
        if self.errors:
            raise _CellErrors(self.errors)


def _store_row(actor: Any, values: dict[str, Any], *, write: bool, undo: _Undo | None) -> None:
    cells = _RowCells(values)
    code = cell_text(values["code"])
    region_code = cell_text(values.get("region_code"))
    fields = {
        "name": cell_text(values["name"]),
        "area": cell_text(values["area"]),
        "opened_on": cells.date("opened_on"),
        "address": cell_text(values.get("address")),
        "phone": cell_text(values.get("phone")),
        "time_zone": cell_text(values.get("time_zone")),
    }
    if fields["time_zone"]:
        try:
            services.check_time_zone(fields["time_zone"])
        except DomainError as exc:
            cells.fail("time_zone", str(exc))
    region = None
    if region_code:
        region = OrgUnit.objects.filter(code=region_code, kind=UnitKind.REGION).first()
        if region is None:
            cells.fail("region_code", _("区域“%(code)s”不存在") % {"code": region_code})
        else:
            try:
                services.check_same_area(OrgUnit(name=fields["name"], area=fields["area"]), region)
            except DomainError as exc:
                cells.fail("region_code", str(exc))
    cells.check()
    if not write or undo is None:
        return
    existing = Store.objects.filter(code=code).first()
    if existing is None:
        undo.add(services.store_create(actor=actor, code=code, region=region, **fields))
        return
    undo.store_changing(existing)
    services.store_update(actor=actor, store=existing, **{k: v for k, v in fields.items() if v})
    if (existing.region.code if existing.region else "") != region_code:
        services.store_move(actor=actor, store=existing, region=region)


def _employee_row(actor: Any, values: dict[str, Any], *, write: bool, undo: _Undo | None) -> None:
    cells = _RowCells(values)
    employee_no = cell_text(values["employee_no"])
    hired_on = cells.date("hired_on")
    started_on = cells.date("started_on")
    position_text = cell_text(values.get("position"))
    unit_code = cell_text(values.get("unit_code"))
    position = unit = None
    if bool(position_text) != bool(unit_code):
        cells.fail("position" if not position_text else "unit_code", _("岗位和单位编码需同时填写"))
    elif position_text:
        position = (
            Position.objects.filter(code=position_text).first()
            or Position.objects.filter(name=position_text).first()
        )
        if position is None:
            cells.fail("position", _("岗位“%(p)s”不存在") % {"p": position_text})
        unit = OrgUnit.objects.filter(code=unit_code).first()
        if unit is None:
            cells.fail("unit_code", _("单位“%(code)s”不存在") % {"code": unit_code})
    cells.check()
    if not write or undo is None:
        return
    employee = Employee.objects.filter(employee_no=employee_no).first()
    if employee is None:
        employee = services.employee_create(
            actor=actor,
            employee_no=employee_no,
            name=cell_text(values["name"]),
            phone=cell_text(values.get("phone")),
            hired_on=hired_on,
        )
        undo.add(employee)
    if position is None or unit is None:
        return
    undo.add(
        services.appointment_create(
            actor=actor, employee=employee, position=position, unit=unit, started_on=started_on
        )
    )
