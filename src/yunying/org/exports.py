"""Export stores and employees to Excel, in the same columns the import reads."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from yunying.core.errors import NotFound
from yunying.core.tabular import xlsx_cell, xlsx_row
from yunying.org import selectors
from yunying.org.imports import HEADINGS


def _workbook(headings: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet()
    bold = workbook.add_format({"bold": True, "bg_color": "#EEF3FA"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    xlsx_row(sheet, 0, headings, bold)
    for index, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            xlsx_cell(sheet, index, col, value, date_format if isinstance(value, date) else None)
    sheet.set_column(0, len(headings) - 1, 16)
    sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def export_xlsx(*, user: Any, kind: str) -> bytes:
    if kind == "stores":
        rows = [
            [
                s.code,
                s.name,
                s.area,
                s.region.code if s.region else "",
                s.opened_on or "",
                s.address,
                s.phone,
                s.time_zone,
            ]
            for s in selectors.store_list(user=user)
        ]
        return _workbook(HEADINGS["stores"], rows)
    if kind == "employees":
        rows = []
        for e in selectors.employee_list(user=user):
            appointments = e.active_appointments or [None]  # type: ignore[attr-defined]
            for a in appointments:
                rows.append(
                    [
                        e.employee_no,
                        e.name,
                        e.phone,
                        e.hired_on or "",
                        a.position.code if a else "",
                        a.unit.code if a else "",
                        a.started_on if a else "",
                    ]
                )
        return _workbook(HEADINGS["employees"], rows)
    raise NotFound(_("未知的导出类型。"))


def template_xlsx(*, kind: str) -> bytes:
    if kind not in HEADINGS:
        raise NotFound(_("未知的模板。"))
    return _workbook(HEADINGS[kind], [])
