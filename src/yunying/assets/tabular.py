"""Excel import and export of the asset register, in the same columns both ways.

Import: every row checked by the same services as the pages; one bad row and nothing is written, with a
report of every problem (row, column, message). Export: every text cell is written as text, so a value
starting with = + - @ never becomes a formula in the reader's spreadsheet."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yunying.assets import selectors, services
from yunying.assets.models import Asset, AssetCategory, AssetState
from yunying.core.errors import DomainError
from yunying.core.tabular import (
    ImportReport,
    RowError,
    cell_date,
    cell_text,
    map_header,
    read_rows,
    xlsx_workbook,
)
from yunying.org.models import OrgUnit, UnitKind
from yunying.org.scope import scope_for

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("资产编码",),
    "name": ("资产名称",),
    "category": ("类别",),
    "store_code": ("门店编码",),
    "location": ("存放位置",),
    "purchased_on": ("购置日期",),
    "cost": ("购置金额",),
    "note": ("备注",),
}
REQUIRED = ("code", "name", "category", "store_code")
HEADINGS = [names[0] for names in COLUMNS.values()]
EXPORT_HEADINGS = [*HEADINGS, "状态"]


class _Rollback(Exception):
    pass


def import_assets(*, actor: Any, filename: str, content: bytes) -> ImportReport:
    """New codes are created; nothing existing is changed (an existing code is a row error)."""
    header, rows = read_rows(filename=filename, content=content)
    positions = map_header(header, COLUMNS)
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise DomainError(_("缺少必需的列：%(cols)s") % {"cols": "、".join(missing)})
    report = ImportReport()
    seen: dict[str, int] = {}
    scope = scope_for(actor)
    if not actor.has_perm("assets.add_asset"):
        from yunying.core.errors import PermissionDenied

        raise PermissionDenied(_("您没有执行此操作的权限。"))
    stores = {u.code: u for u in OrgUnit.objects.filter(kind=UnitKind.STORE)}
    try:
        with transaction.atomic():
            for number, cells in rows:
                values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
                errors = _row_errors(values, stores, scope, seen, number)
                if errors:
                    report.errors.extend(RowError(number, COLUMNS[k][0], m) for k, m in errors)
                    continue
                try:
                    with transaction.atomic():
                        services.asset_create(
                            actor=actor,
                            code=cell_text(values["code"]),
                            name=cell_text(values["name"]),
                            category=cell_text(values["category"]),
                            store=stores[cell_text(values["store_code"])],
                            location=cell_text(values.get("location")),
                            purchased_on=cell_date(values.get("purchased_on")),
                            cost=cell_text(values.get("cost")) or "0",
                            note=cell_text(values.get("note")),
                        )
                except DomainError as exc:
                    key = {"store": "store_code"}.get(exc.field or "", exc.field or "")
                    report.errors.append(
                        RowError(number, COLUMNS[key][0] if key in COLUMNS else "", str(exc))
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


def _row_errors(
    values: dict[str, Any], stores: dict[str, OrgUnit], scope: Any, seen: dict[str, int], number: int
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    for key in REQUIRED:
        if not cell_text(values.get(key)):
            errors.append((key, _("不能为空")))
    code = cell_text(values.get("code"))
    if code:
        if code in seen:
            errors.append(("code", _("与第 %(row)d 行重复") % {"row": seen[code]}))
        else:
            seen[code] = number
        if Asset.objects.filter(code=code).exists():
            errors.append(("code", _("资产编码 %(code)s 已存在。") % {"code": code}))
    store_code = cell_text(values.get("store_code"))
    if store_code:
        store = stores.get(store_code)
        if store is None or not scope.sees_unit(store.pk):
            errors.append(("store_code", _("门店“%(code)s”不存在") % {"code": store_code}))
    category = cell_text(values.get("category"))
    if category:
        try:
            services.check_category(category)
        except DomainError as exc:
            errors.append(("category", str(exc)))
    try:
        cell_date(values.get("purchased_on"))
    except ValueError as exc:
        errors.append(("purchased_on", str(exc)))
    try:
        services.check_cost(cell_text(values.get("cost")) or "0")
    except DomainError as exc:
        errors.append(("cost", str(exc)))
    return errors


def export_assets(*, user: Any, **filters: Any) -> bytes:
    labels = dict(AssetCategory.choices)
    states = dict(AssetState.choices)
    rows = [
        [
            a.code,
            a.name,
            str(labels.get(a.category, a.category)),
            a.store.code,
            a.location,
            a.purchased_on,
            float(a.cost),
            a.note,
            str(states.get(a.state, a.state)),
        ]
        for a in selectors.asset_list(user=user, **filters)
    ]
    return xlsx_workbook(EXPORT_HEADINGS, rows)


def template_assets() -> bytes:
    return xlsx_workbook(HEADINGS, [])
