"""Import stores and employees from Excel/CSV: every row checked by the same services as the pages;
one bad row and nothing is written, with a report of every problem (row, column, message)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.core.errors import DomainError
from yunying.core.tabular import ImportReport, RowError, cell_date, cell_text, map_header, read_rows
from yunying.org import services
from yunying.org.models import Employee, OrgUnit, Position, Store, UnitKind

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


class _Rollback(Exception):
    pass


def import_file(*, actor: Any, kind: str, filename: str, content: bytes) -> ImportReport:
    if kind == "stores":
        return _run(actor, filename, content, STORE_COLUMNS, STORE_REQUIRED, _store_row)
    if kind == "employees":
        return _run(actor, filename, content, EMPLOYEE_COLUMNS, EMPLOYEE_REQUIRED, _employee_row)
    raise DomainError(_("未知的导入类型。"))


def _run(
    actor: Any,
    filename: str,
    content: bytes,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    handle: Callable[[Any, dict[str, Any]], None],
) -> ImportReport:
    header, rows = read_rows(filename=filename, content=content)
    positions = map_header(header, columns)
    missing = [columns[key][0] for key in required if key not in positions]
    if missing:
        raise DomainError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    report = ImportReport()
    try:
        with transaction.atomic():
            for number, cells in rows:
                values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
                blank = [columns[k][0] for k in required if not cell_text(values.get(k))]
                if blank:
                    report.errors.extend(RowError(number, col, _("不能为空")) for col in blank)
                    continue
                try:
                    with transaction.atomic():
                        handle(actor, values)
                except DomainError as exc:
                    key = FIELD_COLUMNS.get(exc.field or "", exc.field or "")
                    column = columns[key][0] if key in columns else ""
                    report.errors.append(RowError(number, column, str(exc)))
                except _CellErrors as exc:
                    report.errors.extend(
                        RowError(number, columns[key][0], message) for key, message in exc.errors
                    )
                else:
                    report.written += 1
            if report.errors:
                raise _Rollback
            if report.written == 0:
                raise DomainError(_("文件中没有数据行。"))
    except _Rollback:
        report.written = 0
    return report


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


def _store_row(actor: Any, values: dict[str, Any]) -> None:
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
    existing = Store.objects.filter(code=code).first()
    if existing is None:
        services.store_create(actor=actor, code=code, region=region, **fields)
        return
    services.store_update(actor=actor, store=existing, **{k: v for k, v in fields.items() if v})
    if (existing.region.code if existing.region else "") != region_code:
        services.store_move(actor=actor, store=existing, region=region)


def _employee_row(actor: Any, values: dict[str, Any]) -> None:
    cells = _RowCells(values)
    employee_no = cell_text(values["employee_no"])
    employee = Employee.objects.filter(employee_no=employee_no).first()
    hired_on = cells.date("hired_on")
    started_on = cells.date("started_on")
    cells.check()
    if employee is None:
        employee = services.employee_create(
            actor=actor,
            employee_no=employee_no,
            name=cell_text(values["name"]),
            phone=cell_text(values.get("phone")),
            hired_on=hired_on,
        )
    position_text = cell_text(values.get("position"))
    unit_code = cell_text(values.get("unit_code"))
    if not position_text and not unit_code:
        return
    if not position_text or not unit_code:
        cells.fail("position" if not position_text else "unit_code", _("岗位和单位编码需同时填写"))
        cells.check()
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
    assert position is not None and unit is not None
    services.appointment_create(
        actor=actor, employee=employee, position=position, unit=unit, started_on=started_on
    )
